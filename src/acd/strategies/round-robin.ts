import { minBy, type Strategy } from './types';

/** `round_robin`: the next eligible agent after the one picked last, in queue member order, wrapping around. */
export const roundRobin: Strategy = {
  name: 'round_robin',
  select(candidates, ctx) {
    const n = Math.max(1, ctx.memberCount);
    const distance = (order: number): number => (((order - ctx.roundRobinLast - 1) % n) + n) % n;
    const picked = minBy(candidates, (a, b) => distance(ctx.orderOf(a)) - distance(ctx.orderOf(b)));
    ctx.setRoundRobin(ctx.orderOf(picked));
    return [picked];
  },
};
