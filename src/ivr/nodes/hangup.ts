import type { NodeHandler } from './types';

/** `hangup`: ends the call with a Q.850 cause (validated at save time). */
export const hangupNode: NodeHandler<'hangup'> = {
  enter(node, ctx) {
    ctx.record('hangup', { detail: node.cause });
    return { kind: 'route', action: { kind: 'hangup', cause: node.cause }, outcome: 'hangup', detail: node.cause };
  },
};
