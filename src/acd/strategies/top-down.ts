import { minBy, type Strategy } from './types';

/** `top_down`: the lowest tier first, then queue member order (the same agent first every time). */
export const topDown: Strategy = {
  name: 'top_down',
  select: (candidates, ctx) => [minBy(candidates, (a, b) => ctx.tierOf(a) - ctx.tierOf(b) || ctx.orderOf(a) - ctx.orderOf(b))],
};
