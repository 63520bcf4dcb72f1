/**
 * The demo's health figures, from the ACD's call_state effects as they happen: the service level of each minute of
 * the run (answered within the queue's serviceLevelSec, over answered + abandoned, each call counted in the minute it
 * was answered or abandoned: a caller who waits too long shows in the minute they finally got an agent or gave up)
 * and the longest wait (answered, abandoned, or still waiting at the end). A collapsing run shows as minutes whose
 * service level falls and a longest wait that grows; a healthy one stays flat. Pure: clock-injected.
 */
import type { AcdEffect, AcdEffectListener } from '../acd/contract';
import type { Clock } from '../clock/clock';

export interface DemoHealthOptions {
  onEffect(listener: AcdEffectListener): () => void;
  clock: Clock;
  /** A queue's service-level threshold in seconds (its serviceLevelSec). */
  serviceLevelSec(queue: string): number;
  /** Queues left out of the figures (e.g. a predictive campaign's queue). */
  exclude?: readonly string[];
  /** Calls waiting now, for the longest wait of calls not answered yet (AcdEngineApi.waitingCalls). */
  waitingCalls?(): Array<{ queue: string; enteredAt: number }>;
}

export interface MinuteFigures {
  minute: number;
  answered: number;
  inService: number;
  abandoned: number;
  /** null: no call answered or abandoned in that minute. */
  serviceLevel: number | null;
}

export interface DemoHealthReport {
  /** One value per whole minute of the run (null where no call ended). */
  service_level_by_minute: Array<number | null>;
  service_level_min: number | null;
  service_level_median: number | null;
  longest_wait_s: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export class DemoHealth {
  private readonly startedAt: number;
  private readonly minutes: MinuteFigures[] = [];
  private longestWaitMs = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: DemoHealthOptions) {
    this.startedAt = options.clock.now();
  }

  start(): void {
    this.unsubscribe = this.options.onEffect((e) => this.onEffect(e));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The figures of every minute so far, the current (partial) one included. */
  minuteFigures(): MinuteFigures[] {
    const upTo = this.minuteOf(this.options.clock.now());
    return Array.from({ length: upTo + 1 }, (_, i) => this.minute(i));
  }

  /** Whole minutes only (a partial last minute says little); the longest wait includes calls still waiting. */
  report(): DemoHealthReport {
    const now = this.options.clock.now();
    const whole = Math.floor((now - this.startedAt) / 60_000);
    const levels = Array.from({ length: whole }, (_, i) => this.minute(i).serviceLevel);
    const known = levels.filter((l): l is number => l !== null).sort((a, b) => a - b);
    let longest = this.longestWaitMs;
    for (const c of this.options.waitingCalls?.() ?? []) if (!this.excluded(c.queue)) longest = Math.max(longest, now - c.enteredAt);
    return {
      service_level_by_minute: levels.map((l) => (l === null ? null : round3(l))),
      service_level_min: known.length ? round3(known[0]!) : null,
      service_level_median: known.length ? round3(median(known)) : null,
      longest_wait_s: Math.round(longest / 100) / 10,
    };
  }

  private onEffect(e: AcdEffect): void {
    if (e.kind !== 'call_state' || this.excluded(e.queue)) return;
    if (e.state === 'connected' && e.waitMs !== undefined) {
      const m = this.minute(this.minuteOf(e.at));
      m.answered++;
      if (e.waitMs <= this.options.serviceLevelSec(e.queue) * 1000) m.inService++;
      this.sawWait(m, e.waitMs);
    } else if (e.state === 'ended' && e.outcome === 'abandoned') {
      const m = this.minute(this.minuteOf(e.at));
      m.abandoned++;
      this.sawWait(m, e.waitMs ?? 0);
    }
  }

  private sawWait(m: MinuteFigures, waitMs: number): void {
    this.longestWaitMs = Math.max(this.longestWaitMs, waitMs);
    const offered = m.answered + m.abandoned;
    m.serviceLevel = offered ? m.inService / offered : null;
  }

  private excluded(queue: string): boolean {
    return this.options.exclude?.includes(queue) ?? false;
  }

  private minuteOf(at: number): number {
    return Math.max(0, Math.floor((at - this.startedAt) / 60_000));
  }

  private minute(i: number): MinuteFigures {
    let m = this.minutes[i];
    if (!m) {
      m = { minute: i, answered: 0, inService: 0, abandoned: 0, serviceLevel: null };
      this.minutes[i] = m;
    }
    return m;
  }
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
