import { proceed, unexpected, type NodeHandler } from './types';

/**
 * `play`: plays media. `played` only when everything played; a playback that failed (FreeSWITCH answered `FILE NOT
 * FOUND` for a prompt missing on the switch, or an error) is recorded as `failed` with what failed, and the flow goes
 * on: a missing prompt must not drop the call.
 */
export const playNode: NodeHandler<'play'> = {
  enter(node, ctx) {
    const media = ctx.renderMedia(node.media);
    if (!media.length) {
      ctx.record('played', { detail: 'nothing to play' });
      return proceed(node.next);
    }
    return { kind: 'wait', action: { kind: 'play', media } };
  },
  resume(node, input, ctx) {
    if (input.kind === 'done') ctx.record('played');
    else if (input.kind === 'failed') ctx.record('failed', { detail: input.error });
    else return unexpected(input, 'play');
    return proceed(node.next);
  },
};
