import type { NodeHandler } from './types';

/** `top`: drops the call stack and starts the first flow again. */
export const topNode: NodeHandler<'top'> = {
  enter: () => ({ kind: 'top' }),
};
