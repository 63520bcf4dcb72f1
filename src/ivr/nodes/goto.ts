import type { NodeHandler } from './types';

/** `goto`: a node of this flow, or another flow (its start, or `node`) on a new frame of the call stack. */
export const gotoNode: NodeHandler<'goto'> = {
  enter: (node) => ({ kind: 'goto', flow: node.flow, node: node.node }),
};
