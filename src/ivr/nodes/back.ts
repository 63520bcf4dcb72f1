import type { NodeHandler } from './types';

/**
 * `back`: to the menu before the current one in this flow; from a flow's first menu, back out of the flow to the
 * last menu of the flow that `goto`-ed here (or that flow's start). See IvrSession for the exact rule.
 */
export const backNode: NodeHandler<'back'> = {
  enter: () => ({ kind: 'back' }),
};
