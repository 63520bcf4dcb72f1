/** One strategy per file; the engine finds a queue's strategy here by its name. */
import type { RoutingStrategy } from '../contract';
import { bestSkill } from './best-skill';
import { fewestCalls } from './fewest-calls';
import { leastTalkTime } from './least-talk-time';
import { longestIdle } from './longest-idle';
import { randomPick } from './random';
import { ringAll } from './ring-all';
import { roundRobin } from './round-robin';
import { topDown } from './top-down';
import type { Strategy } from './types';

export const STRATEGIES: Readonly<Record<RoutingStrategy, Strategy>> = {
  longest_idle: longestIdle,
  round_robin: roundRobin,
  ring_all: ringAll,
  fewest_calls: fewestCalls,
  least_talk_time: leastTalkTime,
  top_down: topDown,
  random: randomPick,
  best_skill: bestSkill,
};

export type { Strategy, StrategyAgent, StrategyContext } from './types';
