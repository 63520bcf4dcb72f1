import { byLongestIdle, minBy, type StrategyAgent, type Strategy } from './types';

function score(agent: StrategyAgent, skills: readonly string[]): number {
  let sum = 0;
  for (const s of skills) sum += agent.skills[s] ?? 0;
  return sum;
}

/**
 * `best_skill`: the highest total proficiency over the call's required skills (the same set for every candidate, so
 * this orders like the average); ties, and calls without required skills, go to the longest idle.
 */
export const bestSkill: Strategy = {
  name: 'best_skill',
  select(candidates, ctx) {
    const idle = byLongestIdle(ctx);
    return [minBy(candidates, (a, b) => score(b, ctx.requiredSkills) - score(a, ctx.requiredSkills) || idle(a, b))];
  },
};
