import type { NodeOf } from '../flow-schema';
import type { IvrAction } from '../protocol';
import { hangupStep, unexpected, type NodeContext, type NodeHandler, type Step } from './types';

function attempt(node: NodeOf<'menu'>, ctx: NodeContext, before?: NodeOf<'menu'>['greeting']): Step {
  const keys = Object.keys(node.options).sort();
  const action: IvrAction = {
    kind: 'collect',
    prompt: ctx.renderMedia([...(before ?? []), ...node.greeting]),
    minDigits: 1,
    maxDigits: 1,
    timeoutMs: node.timeoutMs,
    interDigitMs: node.interDigitMs,
    // Every key may be an option, so none terminates.
    terminators: 'none',
    regexp: `^[${keys.join('')}]$`,
  };
  return { kind: 'wait', action };
}

/**
 * `menu`: one-key choice. Each attempt is one collect action; an invalid key or a timeout plays invalidPrompt /
 * timeoutPrompt before the greeting again, up to maxRetries retries; then onInvalid / onTimeout (by what the last
 * attempt was), or hang up.
 */
export const menuNode: NodeHandler<'menu'> = {
  enter: (node, ctx) => attempt(node, ctx),
  resume(node, input, ctx) {
    if (input.kind === 'failed') return { kind: 'end', reason: 'error', detail: `menu failed: ${input.error}` };
    if (input.kind !== 'digits') return unexpected(input, 'menu digits');
    const digits = input.digits;
    const timedOut = digits === '';
    if (!timedOut && Object.hasOwn(node.options, digits)) {
      ctx.record('digits', { digits });
      return { kind: 'go', node: node.options[digits] };
    }
    ctx.record(timedOut ? 'timeout' : 'invalid', timedOut ? undefined : { digits });
    ctx.attempts++;
    if (ctx.attempts <= node.maxRetries) return attempt(node, ctx, timedOut ? node.timeoutPrompt : node.invalidPrompt);
    const fallback = timedOut ? node.onTimeout : node.onInvalid;
    ctx.record('exhausted', { detail: `${ctx.attempts} attempts, last ${timedOut ? 'timed out' : 'invalid'}` });
    return fallback === undefined ? hangupStep('menu retries exhausted') : { kind: 'go', node: fallback };
  },
};
