import { proceed, unexpected, type NodeHandler } from './types';

/** `set`: renders the template into a call variable (at once) and asks the runtime to set it on the channel. */
export const setNode: NodeHandler<'set'> = {
  enter(node, ctx) {
    const value = ctx.render(node.value);
    ctx.setVariable(node.variable, value);
    return { kind: 'wait', action: { kind: 'set', name: node.variable, value } };
  },
  resume(node, input, ctx) {
    if (input.kind === 'done') ctx.record('set', { detail: node.variable });
    else if (input.kind === 'failed') ctx.record('failed', { detail: `set ${node.variable}: ${input.error}` });
    else return unexpected(input, 'set');
    return proceed(node.next);
  },
};
