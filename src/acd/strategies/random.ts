import type { Strategy } from './types';

/**
 * `random`: uniformly among the eligible agents, with the engine's injected random source. The candidates are put in
 * queue member order first, so a seeded source gives the same picks whatever order the engine found them in.
 */
export const randomPick: Strategy = {
  name: 'random',
  select(candidates, ctx) {
    const ordered = [...candidates].sort((a, b) => ctx.orderOf(a) - ctx.orderOf(b));
    const i = Math.min(ordered.length - 1, Math.floor(ctx.random() * ordered.length));
    return [ordered[i]!];
  },
};
