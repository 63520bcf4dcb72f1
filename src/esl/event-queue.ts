import { performance } from 'node:perf_hooks';
import type { Clock, ClockTimer } from '../clock/clock';
import type { Logger } from '../log/logger';

/**
 * The bounded FIFO between the socket reader and the consumers of events.
 *
 * - The reader only ever calls push(): O(1), never waits for a consumer. FreeSWITCH kills a listener that falls
 *   500 events behind, so the socket must be drained at wire speed whatever the consumers do.
 * - Delivery runs in setImmediate batches with a CPU budget (~8 ms) so that I/O, and with it the socket reader,
 *   gets a turn between batches even when a listener is slow. A listener that throws (or returns a rejected promise)
 *   is logged and skipped; it cannot stop delivery or kill the client.
 * - When full, the OLDEST queued item is dropped. A consumer that fell this far behind has lost events either way
 *   and must resynchronise (the counter tells it so); dropping the old ones means that what it does see is the
 *   current state of calls (hangups that just happened) rather than a stale backlog, and the newest event is never
 *   the one that vanishes. Command completions (BACKGROUND_JOB, EXECUTE_COMPLETE) are correlated by the client before
 *   they enter this queue, so an overflow never loses a reply.
 * - Drops are counted and logged at most once per `dropLogIntervalMs` (with the count since the last log line).
 */
export interface EventQueueOptions<T> {
  /** Capacity; the oldest item is dropped beyond it. */
  max: number;
  deliver: (item: T) => void;
  logger: Logger;
  clock: Clock;
  /** Used in log lines. */
  name?: string;
  dropLogIntervalMs?: number;
  /** CPU time one delivery batch may take before yielding to I/O (measured with performance.now(), not the clock). */
  batchBudgetMs?: number;
  onDrop?: (totalDropped: number) => void;
}

export class EventQueue<T> {
  private readonly ring: Array<T | undefined>;
  private head = 0;
  private count = 0;
  private droppedTotal = 0;
  private droppedSinceLog = 0;
  private lastDropLogAt = -Infinity;
  private dropLogTimer?: ClockTimer;
  private scheduled = false;
  private delivered = 0;
  private readonly max: number;
  private readonly dropLogIntervalMs: number;
  private readonly budgetMs: number;

  constructor(private readonly opts: EventQueueOptions<T>) {
    this.max = Math.max(1, Math.floor(opts.max));
    this.ring = new Array<T | undefined>(this.max);
    this.dropLogIntervalMs = opts.dropLogIntervalMs ?? 10_000;
    this.budgetMs = opts.batchBudgetMs ?? 8;
  }

  /** Items waiting for delivery. */
  get depth(): number {
    return this.count;
  }

  /** Items dropped because the queue was full, since creation. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Items handed to `deliver`, since creation. */
  get deliveredCount(): number {
    return this.delivered;
  }

  push(item: T): void {
    if (this.count === this.max) {
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.max;
      this.count--;
      this.droppedTotal++;
      this.droppedSinceLog++;
      this.noteDrop();
    }
    this.ring[(this.head + this.count) % this.max] = item;
    this.count++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  /** Drops everything queued (not counted as overflow) and stops pending log timers. */
  clear(): void {
    this.ring.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.dropLogTimer?.cancel();
    this.dropLogTimer = undefined;
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const started = performance.now();
    let n = 0;
    while (this.count > 0) {
      const item = this.ring[this.head] as T;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.max;
      this.count--;
      this.delivered++;
      try {
        this.opts.deliver(item);
      } catch (err) {
        this.opts.logger.error('esl event consumer threw', { queue: this.opts.name, error: (err as Error)?.message });
      }
      if ((++n & 15) === 0 && performance.now() - started > this.budgetMs) break;
    }
    if (this.count > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };

  private noteDrop(): void {
    this.opts.onDrop?.(this.droppedTotal);
    if (this.dropLogTimer) return;
    const wait = this.lastDropLogAt + this.dropLogIntervalMs - this.opts.clock.now();
    if (wait <= 0) this.logDrops();
    else this.dropLogTimer = this.opts.clock.setTimeout(() => this.logDrops(), wait);
  }

  private logDrops(): void {
    this.dropLogTimer = undefined;
    if (this.droppedSinceLog === 0) return;
    this.lastDropLogAt = this.opts.clock.now();
    this.opts.logger.warn('esl event queue full: dropped oldest events (consumers too slow)', {
      queue: this.opts.name,
      dropped: this.droppedSinceLog,
      droppedTotal: this.droppedTotal,
      max: this.max,
    });
    this.droppedSinceLog = 0;
  }
}
