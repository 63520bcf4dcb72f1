import { byLongestIdle, minBy, type Strategy } from './types';

/** `longest_idle`: the agent idle the longest since their last call ended (or since login / ready). */
export const longestIdle: Strategy = {
  name: 'longest_idle',
  select: (candidates, ctx) => [minBy(candidates, byLongestIdle(ctx))],
};
