import { evaluateCondition } from '../conditions';
import type { NodeHandler } from './types';

/** `condition`: the first branch whose condition holds (in the flow's time zone), else `else`. */
export const conditionNode: NodeHandler<'condition'> = {
  enter(node, ctx) {
    const scope = { now: ctx.now(), timeZone: ctx.timeZone, callerNumber: ctx.callerNumber, variables: ctx.variables };
    const i = node.branches.findIndex((b) => evaluateCondition(b.when, scope));
    ctx.record('matched', { detail: i >= 0 ? `branch ${i + 1}` : 'else' });
    return { kind: 'go', node: i >= 0 ? node.branches[i].next : node.else };
  },
};
