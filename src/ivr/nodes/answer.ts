import { proceed, unexpected, type NodeHandler } from './types';

/** `answer`: answers the channel. */
export const answerNode: NodeHandler<'answer'> = {
  enter: () => ({ kind: 'wait', action: { kind: 'answer' } }),
  resume(node, input, ctx) {
    if (input.kind === 'done') {
      ctx.record('answered');
      return proceed(node.next);
    }
    if (input.kind === 'failed') return { kind: 'end', reason: 'error', detail: `answer failed: ${input.error}` };
    return unexpected(input, 'answer');
  },
};
