/**
 * The KPI alert evaluator's cost per tick (src/alerts/service.ts), in process: 100 rules over 20 queues (service
 * level, abandon rate and ASA over 15 minutes, longest wait, agents ready), windows holding an hour of calls at
 * 20 calls/s, figures that move every tick so rules open, get worse and close (their rows written to an in-memory
 * SQLite database). Median and p99 of 200 ticks. A second run adds 30 team rules (5 teams of 8 agents, each serving
 * 4 of the queues: the call figures pooled over them, agents ready from the agents' states), the same seed.
 */
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../../src/clock/clock';
import type { AgentState, QueueSnapshot } from '../../src/acd/contract';
import { AlertService } from '../../src/alerts/service';
import { alertRuleSchema, type AlertRuleInput } from '../../src/alerts/rules';
import { openDatabase } from '../../src/db/data-source';
import { AlertRuleSchema, type AlertRuleRow } from '../../src/db/entities/alerts';
import { silentLogger } from '../../src/log/logger';
import { seededRandom } from '../../src/random/rng';

const QUEUES = 20;
const TICKS = 200;
const TICK_MS = 5000;
const TEAMS = 5;
const TEAM_AGENTS = 8;

export async function runAlertsBench(): Promise<object[]> {
  return [await runOnce(false), await runOnce(true)];
}

async function runOnce(withTeams: boolean): Promise<object> {
  const ds = await openDatabase({ type: 'sqlite', file: ':memory:' });
  try {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
    const rng = seededRandom(42);
    const queues = Array.from({ length: QUEUES }, (_, i) => `q${i + 1}`);
    const kinds: Array<(q: string) => AlertRuleInput> = [
      (q) => ({ name: `${q} sl`, scope: { kind: 'queue', queue: q }, metric: 'service_level', direction: 'below', threshold: 0.8, clear_threshold: 0.85 }),
      (q) => ({ name: `${q} abandons`, scope: { kind: 'queue', queue: q }, metric: 'abandon_rate', direction: 'above', threshold: 0.1, clear_threshold: 0.08 }),
      (q) => ({ name: `${q} asa`, scope: { kind: 'queue', queue: q }, metric: 'asa_sec', direction: 'above', threshold: 20, clear_threshold: 15 }),
      (q) => ({ name: `${q} wait`, scope: { kind: 'queue', queue: q }, metric: 'longest_wait_sec', direction: 'above', threshold: 60, clear_threshold: 30, clear_for_sec: 10 }),
      (q) => ({ name: `${q} ready`, scope: { kind: 'queue', queue: q }, metric: 'agents_ready', direction: 'below', threshold: 2, clear_for_sec: 10 }),
    ];
    const at = new Date(clock.now());
    for (const q of queues) {
      for (const k of kinds) {
        const rule = alertRuleSchema.parse(k(q));
        await ds.getRepository<AlertRuleRow>(AlertRuleSchema).save({ name: rule.name, enabled: true, definition: JSON.stringify(rule), created_at: at, updated_at: at } as AlertRuleRow);
      }
    }
    const teams = withTeams ? Array.from({ length: TEAMS }, (_, i) => `t${i + 1}`) : [];
    const teamKinds: Array<(t: string) => AlertRuleInput> = [
      ...kinds.map((k) => (t: string) => ({ ...k(queues[0]!), name: `${t} ${k(queues[0]!).name}`, scope: { kind: 'team' as const, team: t } })),
      (t) => ({ name: `${t} offered`, scope: { kind: 'team', team: t }, metric: 'calls_offered', direction: 'above', threshold: 200, clear_threshold: 150 }),
    ];
    for (const t of teams) {
      for (const k of teamKinds) {
        const rule = alertRuleSchema.parse(k(t));
        await ds.getRepository<AlertRuleRow>(AlertRuleSchema).save({ name: rule.name, enabled: true, definition: JSON.stringify(rule), created_at: at, updated_at: at } as AlertRuleRow);
      }
    }
    // Team i serves queues 4i+1..4i+4; its agents' states move every tick like the queues' figures.
    const teamStates = new Map<string, AgentState[]>(teams.map((t) => [t, Array.from({ length: TEAM_AGENTS }, () => 'on_call' as AgentState)]));
    const teamQueuesOf = (t: string) => {
      const i = teams.indexOf(t);
      return i < 0 ? [] : queues.slice(i * 4, i * 4 + 4);
    };
    const snap = new Map<string, QueueSnapshot>();
    const move = () => {
      for (const q of queues) {
        snap.set(q, {
          queue: q,
          waiting: 3,
          longestWaitMs: rng() * 90_000,
          serviceLevel: null,
          abandonRate: null,
          agents: { logged_out: 0, available: Math.floor(rng() * 5), reserved: 0, on_call: 5, wrap_up: 1, not_ready: 1 } as QueueSnapshot['agents'],
          ewtSec: null,
        });
      }
      for (const states of teamStates.values()) for (let i = 0; i < states.length; i++) states[i] = rng() < 0.3 ? 'available' : 'on_call';
    };
    move();
    const svc = new AlertService({
      dataSource: ds,
      clock,
      logger: silentLogger,
      tickMs: 3_600_000,
      sources: {
        queues: () => [...snap.values()],
        serviceLevelSec: () => 20,
        teamAgents: (t) => (teamStates.get(t) ?? []).map((state) => ({ state, queues: teamQueuesOf(t) })),
        campaignAbandonRate: () => null,
        nodesDown: () => 0,
        cdrBacklog: () => 0,
      },
      publish: () => undefined,
    });
    await svc.start();
    // An hour of calls at 20/s, spread over the queues; then 100 more per tick.
    let n = 0;
    const addCalls = (count: number, spanMs: number) => {
      for (let i = 0; i < count; i++) {
        const t = clock.now() - spanMs + (i * spanMs) / count;
        const queue = queues[n++ % QUEUES]!;
        svc.windows.onEffect({ kind: 'call_state', callId: `c${n}`, queue, state: 'waiting', at: t });
        svc.windows.onEffect({ kind: 'call_state', callId: `c${n}`, queue, state: 'ended', outcome: rng() < 0.08 ? 'abandoned' : 'answered', waitMs: rng() * 40_000, at: t });
      }
    };
    addCalls(72_000, 3_600_000);
    const times: number[] = [];
    for (let i = 0; i < TICKS; i++) {
      clock.advance(TICK_MS);
      addCalls(100, TICK_MS);
      move();
      const t = performance.now();
      await svc.tick();
      times.push(performance.now() - t);
    }
    svc.stop();
    const sorted = [...times].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    const opened = Number(((await ds.query('SELECT COUNT(*) AS n FROM alerts')) as Array<{ n: number }>)[0]!.n);
    return { bench: withTeams ? 'alerts-eval-teams' : 'alerts-eval', rules: QUEUES * kinds.length + teams.length * teamKinds.length, ticks: TICKS, tick_us_median: Math.round(q(0.5) * 1000), tick_us_p99: Math.round(q(0.99) * 1000), alerts_opened: opened, window_calls: 72_000 };
  } finally {
    await ds.destroy();
  }
}
