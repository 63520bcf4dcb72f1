/**
 * Where the alert evaluator's figures come from: the live service, read at each tick (src/alerts/service.ts).
 * - queue figures over a window (service level, abandon rate, ASA, calls offered) from the ACD engine's effects,
 *   kept here per queue as they happen (a call entering, a call ending answered or abandoned) for the longest window
 *   a rule asks, so any rule's window is exact; the queue's current longest wait and ready agents from the engine's
 *   snapshot;
 * - a campaign's rolling abandonment from the dialer's live figures; FreeSWITCH nodes not connected from the cluster;
 *   the CDR backlog (waiting to be written plus spooled) from the CDR writer.
 */
import type { AcdEffect, QueueSnapshot } from '../acd/contract';
import type { AlertMetric, AlertScope } from './rules';

export interface AlertLiveSources {
  queues(): readonly QueueSnapshot[];
  /** The queue's service-level seconds (answered within it counts as in service); undefined: unknown queue. */
  serviceLevelSec(queue: string): number | undefined;
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

  figures(queue: string, now: number, windowMs: number, slSec: number): { service_level: number | null; abandon_rate: number | null; asa_sec: number | null; calls_offered: number } {
    const from = now - windowMs;
    let answered = 0;
    let inSl = 0;
    let abandoned = 0;
    let waitSum = 0;
    for (const e of this.ended.get(queue) ?? []) {
      if (e.at < from) continue;
      if (e.answered) {
        answered++;
        waitSum += e.waitMs;
        if (e.waitMs <= slSec * 1000) inSl++;
      } else abandoned++;
    }
    const handled = answered + abandoned;
    const offered = (this.entered.get(queue) ?? []).filter((t) => t >= from).length;
    return {
      service_level: handled ? inSl / handled : null,
      abandon_rate: handled ? abandoned / handled : null,
      asa_sec: answered ? waitSum / answered / 1000 : null,
      calls_offered: offered,
    };
  }
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
