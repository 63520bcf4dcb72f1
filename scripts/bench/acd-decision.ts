/**
 * ACD routing engine, in process (no FreeSWITCH, no sockets): how long one routing decision takes and how many
 * queue-to-agent routings per second one core sustains, with 1,000 agents, 50 skills and 500 waiting calls.
 *
 *   npx tsx scripts/bench/acd-decision.ts
 *
 * Setup (seeded, identical every run): 20 queues cycling through the 8 strategies (ring_all included), each
 * requiring one of the 50 skills at proficiency >= 5, relaxed to >= 2 after 30 s and to any agent after 90 s; 1,000
 * agents with 4 random skills (proficiency 1-10) serving 3 random queues each.
 *
 * acd-decision-latency: all agents logged in and not ready, 500 calls waiting. Then, step by step (clock +100 ms per
 * step, so relaxation steps fire along the way): a random not-ready agent is set ready (an agent-side decision: the
 * best call over its queues, then that call's best agent by strategy). If it got an offer, 1 in 5 fails (no_answer:
 * the re-offer to the next agent is a call-side decision) and the others are answered; a replacement call is enqueued
 * (a call-side decision: it finds an agent when some ready agent had nothing eligible) so 500 keep waiting; the call
 * ends with the agent going back to not ready. Each input is timed with performance.now(); p50/p99 are over the inputs
 * that produced an offer (`decisions`), `p99_all_ms` over every timed input.
 *
 * acd-engine-route-rate: the same agents all ready, plus 500 calls waiting that no agent qualifies for (every agent
 * freed scans them); cycles of enqueue -> offer -> answer -> callEnded -> endWrapUp for ~1 s, in calls/s.
 */
import { performance } from 'node:perf_hooks';
import type { Clock, ClockTimer } from '../../src/clock/clock';
import type { AcdEffect, AgentConfig, QueueConfig, RoutingStrategy } from '../../src/acd/contract';
import { AcdEngine } from '../../src/acd/engine';
import { seededRandom } from '../../src/random/rng';

const AGENTS = 1000;
const SKILLS = 50;
const QUEUES = 20;
const WAITING = 500;
const STEPS = 4000;
const STRATEGIES: RoutingStrategy[] = ['longest_idle', 'round_robin', 'ring_all', 'fewest_calls', 'least_talk_time', 'top_down', 'random', 'best_skill'];

/** A virtual clock with O(1) set/cancel (the bench arms thousands of timers it mostly cancels). */
class BenchClock implements Clock {
  private current = Date.UTC(2026, 0, 5, 9);
  private nextId = 0;
  private timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), callback });
    return { cancel: () => this.timers.delete(id) };
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let bestId = -1;
      let best: { at: number; callback: () => void } | undefined;
      for (const [id, t] of this.timers) if (t.at <= target && (!best || t.at < best.at)) (best = t), (bestId = id);
      if (!best) break;
      this.timers.delete(bestId);
      this.current = best.at;
      best.callback();
    }
    this.current = target;
  }
}

function queueConfigs(): QueueConfig[] {
  const queues: QueueConfig[] = [];
  for (let i = 0; i < QUEUES; i++) {
    queues.push({
      name: `q${i}`,
      strategy: STRATEGIES[i % STRATEGIES.length]!,
      requiredSkills: [`s${i % SKILLS}`],
      minProficiency: 5,
      relaxation: [
        { afterSec: 30, minProficiency: 2 },
        { afterSec: 90, minProficiency: null },
      ],
      serviceLevelSec: 20,
      maxWaitSec: 0,
      overflow: null,
      noAgents: null,
      wrapUpSec: 0,
      offerTimeoutSec: 20,
      maxNoAnswer: 0,
      rejectDelaySec: 0,
      busyDelaySec: 0,
      noAnswerDelaySec: 0,
      mohSound: 'local_stream://moh',
      announceIntervalSec: 30,
      announcePosition: true,
      announceEwt: true,
      callbackKey: null,
      callbackConnect: 'agent_first',
      recordingPolicy: 'never',
    });
  }
  return queues;
}

function agentConfigs(rand: () => number): AgentConfig[] {
  const agents: AgentConfig[] = [];
  for (let id = 1; id <= AGENTS; id++) {
    const skills: Record<string, number> = {};
    while (Object.keys(skills).length < 4) skills[`s${Math.floor(rand() * SKILLS)}`] = 1 + Math.floor(rand() * 10);
    const queues = new Set<string>();
    while (queues.size < 3) queues.add(`q${Math.floor(rand() * QUEUES)}`);
    agents.push({ id, userId: id, name: `Agent ${id}`, extension: `${10000 + id}`, skills, teams: [], queues: [...queues].map((queue, i) => ({ queue, tier: i + 1 })) });
  }
  return agents;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

function latencyBench(): object {
  const rand = seededRandom(42);
  const clock = new BenchClock();
  let offers: Array<Extract<AcdEffect, { kind: 'offer' }>> = [];
  const engine = new AcdEngine({ clock, random: seededRandom(7), onEffect: (e) => e.kind === 'offer' && offers.push(e) });
  engine.configure(queueConfigs(), agentConfigs(rand));
  for (let id = 1; id <= AGENTS; id++) {
    engine.login(id);
    engine.setNotReady(id, 'break');
  }
  let n = 0;
  const enqueue = (): void => engine.enqueue({ id: `c${++n}`, node: 'fs1', queue: `q${Math.floor(rand() * QUEUES)}`, priority: rand() < 0.1 ? 5 : 0, skills: [], callerNumber: '5550100', data: {} });
  for (let i = 0; i < WAITING; i++) enqueue();

  const decided: number[] = [];
  const all: number[] = [];
  /** Runs one input, timed; returns the offers it made. */
  const timed = (fn: () => void): Array<Extract<AcdEffect, { kind: 'offer' }>> => {
    offers = [];
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    all.push(dt);
    if (offers.length > 0) decided.push(dt);
    return offers;
  };
  /** The runtime's side: 1 in 5 offers fails (timed: the re-offer is a decision), the rest are answered and end. */
  const settle = (made: Array<Extract<AcdEffect, { kind: 'offer' }>>): void => {
    const todo = [...made];
    while (todo.length > 0) {
      const offer = todo.shift()!;
      const agentId = offer.agentIds[0]!;
      if (rand() < 0.2) {
        todo.push(...timed(() => engine.offerFailed(offer.offerId, agentId, 'no_answer')));
        continue;
      }
      offers = [];
      engine.offerAnswered(offer.offerId, agentId);
      engine.setNotReady(agentId, 'break'); // pending: applies when the call ends
      engine.callEnded(offer.callId);
      todo.push(...offers);
    }
  };

  for (let step = 0; step < STEPS; step++) {
    clock.advance(100);
    let agentId = 0;
    for (let tries = 0; tries < 50 && !agentId; tries++) {
      const id = 1 + Math.floor(rand() * AGENTS);
      if (engine.agent(id)!.state === 'not_ready') agentId = id;
    }
    if (agentId) settle(timed(() => engine.setReady(agentId)));
    while (engine.waitingCalls().length < WAITING) settle(timed(enqueue));
  }
  decided.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  return {
    bench: 'acd-decision-latency',
    p50_ms: round(percentile(decided, 50)),
    p99_ms: round(percentile(decided, 99)),
    max_ms: round(decided.at(-1) ?? 0),
    p99_all_ms: round(percentile(all, 99)),
    decisions: decided.length,
    agents: AGENTS,
    skills: SKILLS,
    waiting: engine.waitingCalls().length,
    queues: QUEUES,
    goal_p99_ms: 5,
  };
}

function routeRateBench(): object {
  const rand = seededRandom(43);
  const clock = new BenchClock();
  let last: Extract<AcdEffect, { kind: 'offer' }> | undefined;
  const engine = new AcdEngine({ clock, random: seededRandom(8), onEffect: (e) => e.kind === 'offer' && (last = e) });
  const queues = queueConfigs().map((q) => ({ ...q, wrapUpSec: 30, relaxation: [] }));
  // Calls nobody qualifies for, in every queue: each freed agent looks at them.
  const unstaffed = queues.map((q) => ({ ...q, name: `${q.name}-hard`, strategy: 'longest_idle' as const, requiredSkills: ['nobody'] }));
  const agents = agentConfigs(rand).map((a) => ({ ...a, queues: [...a.queues, ...a.queues.map((m) => ({ queue: `${m.queue}-hard`, tier: m.tier }))] }));
  engine.configure([...queues, ...unstaffed], agents);
  for (let id = 1; id <= AGENTS; id++) engine.login(id);
  let n = 0;
  for (let i = 0; i < WAITING; i++) engine.enqueue({ id: `w${i}`, node: 'fs1', queue: `q${i % QUEUES}-hard`, priority: 0, skills: [], callerNumber: '1', data: {} });

  const cycle = (): void => {
    last = undefined;
    const id = `r${++n}`;
    engine.enqueue({ id, node: 'fs1', queue: `q${n % QUEUES}`, priority: 0, skills: [], callerNumber: '5550100', data: {} });
    const offer = last as Extract<AcdEffect, { kind: 'offer' }> | undefined;
    if (!offer) throw new Error(`call ${id} was not offered`);
    const agentId = offer.agentIds[0]!;
    engine.offerAnswered(offer.offerId, agentId);
    engine.callEnded(id);
    engine.endWrapUp(agentId);
  };
  for (let i = 0; i < 5000; i++) cycle(); // warm-up
  const rates: number[] = [];
  for (let round = 0; round < 5; round++) {
    let count = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 250) {
      for (let i = 0; i < 200; i++) cycle();
      count += 200;
    }
    rates.push(count / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { bench: 'acd-engine-route-rate', value: Math.round(rates[2]!), unit: 'calls/s', agents: AGENTS, skills: SKILLS, waiting: engine.waitingCalls().length, runs: rates.length };
}

export async function runAcdDecisionBench(): Promise<object[]> {
  return [latencyBench(), routeRateBench()];
}

if (require.main === module) {
  runAcdDecisionBench()
    .then((results) => {
      for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`acd-decision bench: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
