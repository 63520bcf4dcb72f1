/**
 * Where the alert evaluator's figures come from: the live service, read at each tick (src/alerts/service.ts).
 * - queue figures over a window (service level, abandon rate, ASA, calls offered) from the ACD engine's effects,
 *   kept here per queue as they happen (a call entering, a call ending answered or abandoned) for the longest window
 *   a rule asks, so any rule's window is exact; the queue's current longest wait and ready agents from the engine's
 *   snapshot;
 * - a team's figures (scope team, README "KPI alerts"): its agents ready now from the engine's agent states, and the
 *   call figures pooled over the team's queues (the queues its enabled agents serve, per the ACD configuration);
 * - a campaign's rolling abandonment from the dialer's live figures; FreeSWITCH nodes not connected from the cluster;
 *   the CDR backlog (waiting to be written plus spooled) from the CDR writer.
 */
import type { AcdEffect, AgentState, QueueSnapshot } from '../acd/contract';
import type { AlertMetric, AlertScope } from './rules';

export interface AlertLiveSources {
  queues(): readonly QueueSnapshot[];
  /** The queue's service-level seconds (answered within it counts as in service); undefined: unknown queue. */
  serviceLevelSec(queue: string): number | undefined;
  /**
   * The enabled agents of a team (AgentConfig.teams), with the queues each serves and their state in the engine now
   * (undefined: not known to the engine). Empty: no such team, or nobody in it.
   */
  teamAgents(team: string): ReadonlyArray<{ state: AgentState | undefined; queues: readonly string[] }>;
  campaignAbandonRate(campaign: string): number | null;
  nodesDown(): number;
  cdrBacklog(): number;
}

interface Ended {
  at: number;
  answered: boolean;
  waitMs: number;
}

const HOUR = 3_600_000;

/** Per-queue history of the last `keepMs`, fed by the ACD's effects. */
export class QueueWindows {
  private readonly ended = new Map<string, Ended[]>();
  private readonly entered = new Map<string, number[]>();

  constructor(private keepMs: number = 24 * HOUR) {}

  /** The longest window any rule needs (rules change at run time). */
  keep(ms: number): void {
    this.keepMs = Math.max(ms, HOUR);
  }

  onEffect(e: AcdEffect): void {
    if (e.kind !== 'call_state') return;
    if (e.state === 'waiting') push(this.entered, e.queue, e.at);
    else if (e.state === 'ended' && (e.outcome === 'answered' || e.outcome === 'abandoned')) {
      push(this.ended, e.queue, { at: e.at, answered: e.outcome === 'answered', waitMs: e.waitMs ?? 0 });
    }
  }

  /** Drops what is older than any window needs. */
  prune(now: number): void {
    const from = now - this.keepMs;
    for (const [q, xs] of this.ended) trim(xs, (x) => x.at < from) || this.ended.delete(q);
    for (const [q, xs] of this.entered) trim(xs, (x) => x < from) || this.entered.delete(q);
  }

  figures(queue: string, now: number, windowMs: number, slSec: number): WindowFigures {
    return this.pooled([{ queue, slSec }], now, windowMs);
  }

  /**
   * The figures of several queues' calls taken together (a team's queues): every call counts once in its own queue,
   * an answered call is in service against its own queue's service-level seconds.
   */
  pooled(queues: ReadonlyArray<{ queue: string; slSec: number }>, now: number, windowMs: number): WindowFigures {
    const from = now - windowMs;
    let answered = 0;
    let inSl = 0;
    let abandoned = 0;
    let waitSum = 0;
    let offered = 0;
    for (const { queue, slSec } of queues) {
      for (const e of this.ended.get(queue) ?? []) {
        if (e.at < from) continue;
        if (e.answered) {
          answered++;
          waitSum += e.waitMs;
          if (e.waitMs <= slSec * 1000) inSl++;
        } else abandoned++;
      }
      for (const t of this.entered.get(queue) ?? []) if (t >= from) offered++;
    }
    const handled = answered + abandoned;
    return {
      service_level: handled ? inSl / handled : null,
      abandon_rate: handled ? abandoned / handled : null,
      asa_sec: answered ? waitSum / answered / 1000 : null,
      calls_offered: offered,
    };
  }
}

export interface WindowFigures {
  service_level: number | null;
  abandon_rate: number | null;
  asa_sec: number | null;
  calls_offered: number;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const xs = m.get(k);
  if (xs) xs.push(v);
  else m.set(k, [v]);
}

/** Removes the old head (the arrays are in time order); false when nothing is left. */
function trim<T>(xs: T[], old: (x: T) => boolean): boolean {
  let i = 0;
  while (i < xs.length && old(xs[i]!)) i++;
  if (i) xs.splice(0, i);
  return xs.length > 0;
}

/** The figure a rule watches, now (null: no figure yet, e.g. no call in the window, an unknown queue or campaign). */
export function liveFigure(metric: AlertMetric, scope: AlertScope, windowMin: number, now: number, src: AlertLiveSources, windows: QueueWindows): number | null {
  if (scope.kind === 'global') return metric === 'fs_nodes_down' ? src.nodesDown() : metric === 'cdr_backlog' ? src.cdrBacklog() : null;
  if (scope.kind === 'campaign') return metric === 'dialer_abandon_rate' ? src.campaignAbandonRate(scope.campaign) : null;
  if (scope.kind === 'team') return teamFigure(metric, scope.team, windowMin, now, src, windows);
  const snap = src.queues().find((q) => q.queue === scope.queue);
  const sl = src.serviceLevelSec(scope.queue);
  if (!snap || sl === undefined) return null;
  switch (metric) {
    case 'longest_wait_sec':
      return snap.longestWaitMs / 1000;
    case 'agents_ready':
      return snap.agents.available;
    case 'service_level':
    case 'abandon_rate':
    case 'asa_sec':
    case 'calls_offered':
      return windows.figures(scope.queue, now, windowMin * 60_000, sl)[metric];
    default:
      return null;
  }
}

/** The queues a team serves: those at least one of its enabled agents serves, sorted (for the history query too). */
export function teamQueues(team: string, src: Pick<AlertLiveSources, 'teamAgents'>): string[] {
  const qs = new Set<string>();
  for (const a of src.teamAgents(team)) for (const q of a.queues) qs.add(q);
  return [...qs].sort();
}

/**
 * A team's figure now (README "KPI alerts", scope team): null for a team without enabled agents, and for the call
 * figures when none of its queues is known to the engine (no figure: never opens, counts as clear).
 */
export function teamFigure(metric: AlertMetric, team: string, windowMin: number, now: number, src: AlertLiveSources, windows: QueueWindows): number | null {
  const agents = src.teamAgents(team);
  if (agents.length === 0) return null;
  if (metric === 'agents_ready') return agents.filter((a) => a.state === 'available').length;
  const served = new Set(teamQueues(team, src));
  const snaps = src.queues().filter((q) => served.has(q.queue));
  if (snaps.length === 0) return null;
  switch (metric) {
    case 'longest_wait_sec':
      return Math.max(...snaps.map((q) => q.longestWaitMs)) / 1000;
    case 'service_level':
    case 'abandon_rate':
    case 'asa_sec':
    case 'calls_offered': {
      const queues: Array<{ queue: string; slSec: number }> = [];
      for (const q of snaps) {
        const slSec = src.serviceLevelSec(q.queue);
        if (slSec !== undefined) queues.push({ queue: q.queue, slSec });
      }
      return queues.length ? windows.pooled(queues, now, windowMin * 60_000)[metric] : null;
    }
    default:
      return null;
  }
}
