import type { NodeOf } from '../flow-schema';
import { digitsProblem } from './digits';
import { hangupStep, unexpected, type NodeContext, type NodeHandler, type Step } from './types';

function attempt(node: NodeOf<'collect'>, ctx: NodeContext, invalid: boolean): Step {
  return {
    kind: 'wait',
    action: {
      kind: 'collect',
      prompt: ctx.renderMedia([...(invalid && node.invalidPrompt ? node.invalidPrompt : []), ...node.prompt]),
      minDigits: node.minDigits,
      maxDigits: node.maxDigits,
      timeoutMs: node.timeoutMs,
      interDigitMs: node.interDigitMs,
      terminators: node.terminators,
      ...(node.regexp !== undefined ? { regexp: node.regexp } : {}),
      ...(node.sensitive ? { sensitive: true } : {}),
    },
  };
}

/**
 * `collect`: digits into a call variable. The interpreter checks min/max/regexp itself (the runtime's `valid` is not
 * trusted); `tries` attempts in all, then onFailure or hang up.
 */
export const collectNode: NodeHandler<'collect'> = {
  enter: (node, ctx) => attempt(node, ctx, false),
  resume(node, input, ctx) {
    if (input.kind === 'failed') {
      ctx.record('failed', { detail: input.error });
      return node.onFailure !== undefined ? { kind: 'go', node: node.onFailure } : { kind: 'end', reason: 'error', detail: `collect failed: ${input.error}` };
    }
    if (input.kind !== 'digits') return unexpected(input, 'collect digits');
    const digits = input.digits;
    const problem = digits === '' ? undefined : digitsProblem(digits, node);
    if (digits !== '' && problem === undefined) {
      ctx.setVariable(node.variable, digits);
      ctx.record('digits', { digits, detail: `stored in ${node.variable}` });
      return { kind: 'go', node: node.next };
    }
    if (digits === '') ctx.record('timeout');
    else ctx.record('invalid', { digits: digits.slice(0, 128), detail: problem });
    ctx.attempts++;
    if (ctx.attempts < node.tries) return attempt(node, ctx, digits !== '');
    ctx.record('exhausted', { detail: `${ctx.attempts} tries` });
    return node.onFailure === undefined ? hangupStep('collect tries exhausted') : { kind: 'go', node: node.onFailure };
  },
};
