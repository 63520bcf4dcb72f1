import { byLongestIdle, minBy, type Strategy } from './types';

/** `fewest_calls`: the agent who handled the fewest calls since login; ties to the longest idle. */
export const fewestCalls: Strategy = {
  name: 'fewest_calls',
  select(candidates, ctx) {
    const idle = byLongestIdle(ctx);
    return [minBy(candidates, (a, b) => a.callsHandled - b.callsHandled || idle(a, b))];
  },
};
