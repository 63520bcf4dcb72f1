/**
 * A routing strategy chooses, among the agents eligible for a call (available, not in a reject/busy delay, serving
 * the queue, skilled enough), the one to offer it to (ring_all: all of them). One file per strategy in this folder;
 * each is pure apart from round_robin's pointer, which lives on the queue and is handed in through the context.
 */
import type { RoutingStrategy } from '../contract';

export interface StrategyAgent {
  readonly id: number;
  /** When the agent last became idle (login, ready, end of a call's wrap-up); smaller = idle longer. */
  readonly idleSince: number;
  /** Calls handled since login. */
  readonly callsHandled: number;
  /** Talk time since login. */
  readonly talkMs: number;
  readonly skills: Readonly<Record<string, number>>;
}

export interface StrategyContext<A extends StrategyAgent> {
  /** The call's required skills (queue's + call's). */
  readonly requiredSkills: readonly string[];
  /** The agent's tier in the queue (1 = first). */
  tierOf(agent: A): number;
  /** The agent's place in the queue's member order (configuration order), from 0. */
  orderOf(agent: A): number;
  /** Number of members of the queue (for round_robin's wrap-around). */
  readonly memberCount: number;
  /** round_robin: order of the agent picked last in this queue (-1: none yet); setRoundRobin stores the new one. */
  readonly roundRobinLast: number;
  setRoundRobin(order: number): void;
  /** In [0, 1); injected so tests can seed it. */
  random(): number;
}

export interface Strategy {
  readonly name: RoutingStrategy;
  /** Candidates are non-empty; returns one agent, or several for ring_all. */
  select<A extends StrategyAgent>(candidates: readonly A[], ctx: StrategyContext<A>): A[];
}

/** Longest idle first, then queue member order: the tie-break most strategies fall back on. */
export function byLongestIdle<A extends StrategyAgent>(ctx: StrategyContext<A>): (a: A, b: A) => number {
  return (a, b) => a.idleSince - b.idleSince || ctx.orderOf(a) - ctx.orderOf(b);
}

/** The smallest candidate by `compare` (a linear scan; no sort). */
export function minBy<A>(candidates: readonly A[], compare: (a: A, b: A) => number): A {
  let best = candidates[0]!;
  for (let i = 1; i < candidates.length; i++) if (compare(candidates[i]!, best) < 0) best = candidates[i]!;
  return best;
}
