import { byLongestIdle, minBy, type Strategy } from './types';

/** `least_talk_time`: the agent with the least talk time since login; ties to the longest idle. */
export const leastTalkTime: Strategy = {
  name: 'least_talk_time',
  select(candidates, ctx) {
    const idle = byLongestIdle(ctx);
    return [minBy(candidates, (a, b) => a.talkMs - b.talkMs || idle(a, b))];
  },
};
