import { byLongestIdle, type Strategy } from './types';

/** `ring_all`: every eligible agent at once (listed longest idle first); the first to answer wins. */
export const ringAll: Strategy = {
  name: 'ring_all',
  select: (candidates, ctx) => [...candidates].sort(byLongestIdle(ctx)),
};
