import { cleanText } from '../template';
import { hangupStep, unexpected, type NodeHandler } from './types';

/**
 * `voicemail`: records a message. On `recorded` sets `voicemail_path` and `voicemail_duration_ms`, marks the call's
 * outcome as voicemail, and continues at next or hangs up. `done` (nothing recorded) and `failed` continue the same
 * way without the variables.
 */
export const voicemailNode: NodeHandler<'voicemail'> = {
  enter(node, ctx) {
    const greeting = node.greeting ? ctx.renderMedia(node.greeting) : undefined;
    return {
      kind: 'wait',
      action: {
        kind: 'voicemail',
        box: node.box,
        ...(greeting && greeting.length ? { greeting } : {}),
        maxSeconds: node.maxSeconds,
        silenceSeconds: node.silenceSeconds,
      },
    };
  },
  resume(node, input, ctx) {
    if (input.kind === 'recorded') {
      const duration = Number.isFinite(input.durationMs) ? Math.max(0, Math.round(input.durationMs)) : 0;
      ctx.setVariable('voicemail_path', cleanText(String(input.path), 1024));
      ctx.setVariable('voicemail_duration_ms', String(duration));
      ctx.markVoicemail(node.box);
      ctx.record('recorded', { detail: `box ${node.box}, ${duration} ms` });
    } else if (input.kind === 'done') {
      ctx.record('recorded', { detail: `box ${node.box}, nothing recorded` });
    } else if (input.kind === 'failed') {
      ctx.record('failed', { detail: input.error });
    } else {
      return unexpected(input, 'voicemail');
    }
    return node.next !== undefined ? { kind: 'go', node: node.next } : hangupStep('after voicemail');
  },
};
