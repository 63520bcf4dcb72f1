import type { DataSource } from 'typeorm';
import { systemClock, type Clock, type ClockTimer } from '../clock/clock';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import type { CdrInput } from './cdr-from-event';
import type { CdrSpool } from './cdr-spool';
import { insertCdrs, prepareCdr, type PreparedCdr } from './cdr-sql';

export interface CdrWriterOptions {
  /** Rows per INSERT (config.cdr.batchSize). */
  batchSize: number;
  /** A partial batch is written this long after its first row arrived (config.cdr.flushMs). */
  flushMs: number;
  clock?: Clock;
  logger?: Logger;
  /** Rows held in memory at most (queued plus in flight); beyond it new CDRs are dropped and logged. Default 100,000. */
  maxBacklog?: number;
  /**
   * Retry delay after a failed write: starts here and doubles up to retryMaxMs. Defaults 500 ms and 5 s: after a
   * long outage the spool is replayed within 5 s of the database's return (with 30 s, a 60-s outage left CDRs
   * waiting up to 30 s more), and one failed batch insert every 5 s costs a dead database nothing.
   */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Called with the number of new rows after each successful write (metrics). Exceptions are ignored. */
  onWritten?: (count: number) => void;
  /** Called with the number of CDRs lost (backlog full, rejected by the database, or unwritten at close). */
  onDropped?: (count: number, reason: DropReason) => void;
  /**
   * The local spool (./cdr-spool.ts), opened: while the database cannot take CDRs they are appended there (fsync'd)
   * instead of held in memory, and replayed in order once it can; a spool left by a killed process is replayed first.
   */
  spool?: CdrSpool;
}

export type DropReason = 'backlog_full' | 'rejected' | 'closed' | 'spool_full';

export interface CdrWriterStats {
  /** Rows waiting, including a batch being written or awaiting retry. */
  queued: number;
  /** Rows inserted. */
  written: number;
  /** Rows skipped because a CDR with that uuid already existed (replayed events). */
  duplicates: number;
  /** Write attempts that failed (each is retried). */
  failedBatches: number;
  /** CDRs lost: backlog full, rejected by the database (bad data), or still unwritten at close. */
  dropped: number;
  /** Of `dropped`, the rows the database refused individually (data errors). */
  rejected: number;
  /** True while waiting to retry after a failure. */
  retrying: boolean;
  lastError: string | null;
  /** CDRs in the local spool, not yet in the database (0 without a spool). */
  spooled: number;
  spoolBytes: number;
}

interface Pending {
  seq: number;
  row: PreparedCdr;
}

type WriteResult = { ok: true } | { ok: false; error: unknown };

const DROP_LOG_INTERVAL_MS = 10_000;
const MAX_LOGGED_UUIDS = 20;

/** Codes of errors caused by the data itself: retrying the same rows can never succeed. */
const DATA_ERROR_CODES = new Set([
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_BAD_NULL_ERROR',
  'ER_WARN_NULL_TO_NOTNULL',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_NO_DEFAULT_FOR_FIELD',
  'ER_WRONG_VALUE_COUNT_ON_ROW',
  'ER_CHECK_CONSTRAINT_VIOLATED',
  'ER_CONSTRAINT_FAILED',
  'ER_INVALID_CHARACTER_STRING',
  'ER_INVALID_JSON_TEXT',
  'ER_DUP_ENTRY',
  'SQLITE_MISMATCH',
  'SQLITE_TOOBIG',
  'SQLITE_RANGE',
]);

/** True for errors about the rows (bad data), false for the database being unavailable, locked, or anything else. */
export function isDataError(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  return DATA_ERROR_CODES.has(code) || code.startsWith('SQLITE_CONSTRAINT');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Writes CDRs in the background. enqueue() returns at once and never throws: call handling never waits on the
 * database. Rows are written in batches (batchSize rows, or whatever is queued flushMs after the first row) with one
 * idempotent multi-row INSERT each, one write at a time. A failed write keeps its rows and is retried with
 * exponential backoff; rows the database refuses as bad data are isolated and dropped individually; the in-memory
 * backlog is bounded and every lost CDR is counted and logged at error level.
 */
export class CdrWriter {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly maxBacklog: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;

  private queue: Pending[] = [];
  private seq = 0;
  private inFlight: Promise<WriteResult> | null = null;
  private flushTimer: ClockTimer | null = null;
  private retryTimer: ClockTimer | null = null;
  private attempts = 0;
  private closed = false;
  /** True while CDRs go through the spool (the database failed, or a spool was left from before). */
  private spooling = false;
  private readonly spool: CdrSpool | undefined;

  private written = 0;
  private duplicates = 0;
  private failedBatches = 0;
  private dropped = 0;
  private rejected = 0;
  private lastError: string | null = null;

  private dropsUnlogged = 0;
  private dropUuidsUnlogged: string[] = [];
  private lastDropLogAt = -Infinity;
  private dropLogTimer: ClockTimer | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly options: CdrWriterOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ module: 'cdr-writer' });
    this.batchSize = Math.max(1, Math.floor(options.batchSize));
    this.flushMs = Math.max(0, options.flushMs);
    this.maxBacklog = Math.max(this.batchSize, Math.floor(options.maxBacklog ?? 100_000));
    this.retryInitialMs = Math.max(1, options.retryInitialMs ?? 500);
    this.retryMaxMs = Math.max(this.retryInitialMs, options.retryMaxMs ?? 5_000);
    this.spool = options.spool;
    if (this.spool?.pending) {
      this.spooling = true;
      this.logger.warn('CDRs left in the local spool by an earlier run: replaying them into the database', { ...this.spool.stats(), dir: this.spool.dir });
      // Replayed as soon as the event loop turns (the service may still be wiring itself up).
      this.clock.setTimeout(() => this.schedule(), 0);
    }
  }

  /**
   * Resolves once every CDR queued before this call has left memory: inserted, appended to the fsync'd spool, or
   * dropped and counted. mod_xml_cdr's posts are answered only then, so FreeSWITCH keeps (and retries) a CDR that a
   * process killed right after the answer would otherwise have lost.
   */
  persisted(): Promise<void> {
    const seq = this.seq;
    if (this.queue.length === 0 || this.queue[0]!.seq > seq) return Promise.resolve();
    return new Promise((resolve) => this.leaveWaiters.push({ seq, resolve }));
  }

  private readonly leaveWaiters: Array<{ seq: number; resolve: () => void }> = [];

  /** Rows left the queue (written, spooled, dropped): the persisted() waiters whose rows are all gone resolve. */
  private releaseWaiters(): void {
    if (this.leaveWaiters.length === 0) return;
    const head = this.queue[0]?.seq ?? Infinity;
    for (let i = this.leaveWaiters.length - 1; i >= 0; i--) {
      const w = this.leaveWaiters[i]!;
      if (w.seq < head) {
        this.leaveWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Queues a CDR for writing. Never blocks, never throws. */
  enqueue(input: CdrInput): void {
    try {
      if (this.closed) {
        this.drop([String(input?.uuid)], 'closed');
        return;
      }
      if (!input || typeof input.uuid !== 'string' || input.uuid === '') {
        this.logger.error('CDR without a uuid refused', { cdr: safeJson(input) });
        this.drop([safeUuid(input)], 'rejected');
        return;
      }
      if (this.queue.length >= this.maxBacklog && !this.spooling) {
        this.drop([String(input?.uuid)], 'backlog_full');
        return;
      }
      this.queue.push({ seq: ++this.seq, row: prepareCdr(input, this.clock.now()) });
      this.schedule();
    } catch (err) {
      // A malformed input (e.g. not produced by cdrFromHangupComplete): count it, say so, carry on.
      this.logger.error('CDR could not be queued', { uuid: safeUuid(input), error: message(err) });
      this.drop([safeUuid(input)], 'rejected');
    }
  }

  stats(): CdrWriterStats {
    return {
      queued: this.queue.length,
      written: this.written,
      duplicates: this.duplicates,
      failedBatches: this.failedBatches,
      dropped: this.dropped,
      rejected: this.rejected,
      retrying: this.retryTimer !== null,
      lastError: this.lastError,
      spooled: this.spool?.stats().rows ?? 0,
      spoolBytes: this.spool?.stats().bytes ?? 0,
    };
  }

  /**
   * Writes everything queued before this call, now (skipping any timer or backoff wait). Resolves once those rows are
   * written; rejects with the database error if a write fails (the rows stay queued and are retried).
   */
  async flush(): Promise<void> {
    const target = this.seq;
    while ((this.queue.length > 0 && this.queue[0]!.seq <= target) || this.spooling) {
      const result = this.inFlight ? await this.inFlight : await this.startWrite();
      if (!result.ok) throw result.error;
    }
  }

  /**
   * Stops accepting CDRs and writes what is queued. If that write fails, the unwritten CDRs are dropped: counted, and
   * logged at error level in full (so they can be recovered from the log). Never rejects.
   */
  async close(): Promise<void> {
    if (this.closed && this.queue.length === 0) return;
    this.closed = true;
    this.cancelTimer('flushTimer');
    try {
      await this.flush();
    } catch (err) {
      if (this.spool && this.toSpool(this.queue.splice(0))) {
        this.logger.warn('CDR writer closed with the database unavailable: the unwritten CDRs are in the local spool for the next start', {
          ...this.spool.stats(),
          error: message(err),
        });
        return;
      }
      const lost = this.queue.splice(0);
      this.logger.error('CDR writer closed with unwritten CDRs: they are lost from the database and logged here', {
        count: lost.length,
        error: message(err),
        cdrs: lost.slice(0, 1000).map((p) => p.row.values),
      });
      this.dropped += lost.length;
      this.notifyDropped(lost.length, 'closed');
    } finally {
      this.cancelTimer('flushTimer');
      this.cancelTimer('retryTimer');
      this.flushDropLog();
      this.releaseWaiters();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** Decides what happens next after a change: write now, arm the flush timer, or nothing. */
  private schedule(): void {
    if (this.spooling) {
      if (!this.inFlight && !this.retryTimer) {
        // The spool is replayed batch by batch, one write at a time (new rows are spooled first).
        this.cancelTimer('flushTimer');
        void this.startWrite();
        return;
      }
      // A write in flight or a retry waiting: new rows still reach the disk within flushMs (one fsync per batch), so
      // a process killed during an outage loses at most that much.
      if (this.queue.length >= this.batchSize) this.spoolQueued();
      else if (this.queue.length > 0 && !this.flushTimer)
        this.flushTimer = this.clock.setTimeout(() => {
          this.flushTimer = null;
          this.spoolQueued();
        }, this.flushMs);
      return;
    }
    if (this.inFlight || this.retryTimer) return; // their completion schedules again
    if (this.queue.length === 0) {
      this.cancelTimer('flushTimer');
      return;
    }
    if (this.queue.length >= this.batchSize) {
      this.cancelTimer('flushTimer');
      void this.startWrite();
      return;
    }
    if (!this.flushTimer) {
      this.flushTimer = this.clock.setTimeout(() => {
        this.flushTimer = null;
        if (!this.inFlight && !this.retryTimer && this.queue.length > 0) void this.startWrite();
      }, this.flushMs);
    }
  }

  /** Starts writing the head batch (the caller made sure nothing is in flight). Never rejects. */
  private startWrite(): Promise<WriteResult> {
    if (this.inFlight) return this.inFlight;
    this.cancelTimer('flushTimer');
    this.cancelTimer('retryTimer');
    const p = this.writeHead().then(
      (r) => r,
      (error: unknown): WriteResult => ({ ok: false, error }),
    );
    this.inFlight = p;
    void p.then((result) => {
      this.inFlight = null;
      if (result.ok) this.schedule();
      else this.scheduleRetry();
    });
    return p;
  }

  private async writeHead(): Promise<WriteResult> {
    if (this.spooling) return this.writeSpooled();
    const batch = this.queue.slice(0, this.batchSize);
    if (batch.length === 0) return { ok: true };
    try {
      const inserted = await insertCdrs(
        this.ds,
        batch.map((p) => p.row),
      );
      this.completed(batch.length, inserted);
      return { ok: true };
    } catch (err) {
      this.failedBatches++;
      this.lastError = message(err);
      if (isDataError(err)) return this.writeOneByOne(batch, err);
      this.attempts++;
      if (this.spool && this.toSpool(this.queue.splice(0))) {
        this.spooling = true;
        this.logger.warn('CDR batch write failed; CDRs go to the local spool until the database is back', {
          ...this.spool.stats(),
          dir: this.spool.dir,
          retryInMs: this.retryDelay(),
          error: this.lastError,
        });
        return { ok: false, error: err };
      }
      this.logger.warn('CDR batch write failed; keeping the rows and retrying', {
        rows: batch.length,
        queued: this.queue.length,
        attempt: this.attempts,
        retryInMs: this.retryDelay(),
        error: this.lastError,
      });
      return { ok: false, error: err };
    }
  }

  /** A batch the database refused as bad data: write its rows one by one and drop only the ones it refuses. */
  private async writeOneByOne(batch: Pending[], batchError: unknown): Promise<WriteResult> {
    const r = await this.insertOneByOne(batch.map((p) => p.row), batchError);
    if (!r.ok) return r;
    this.completed(batch.length, r.inserted, r.refused);
    return { ok: true };
  }

  /**
   * Inserts rows one at a time after their batch was refused as bad data; the rows the database refuses are dropped
   * (counted, logged in full). A database that went away meanwhile fails the whole batch: rows already written are
   * skipped as duplicates when it is tried again.
   */
  private async insertOneByOne(rows: readonly PreparedCdr[], batchError: unknown): Promise<{ ok: true; inserted: number; refused: number } | { ok: false; error: unknown }> {
    this.logger.warn('CDR batch refused as bad data; writing its rows one at a time', { rows: rows.length, error: message(batchError) });
    let inserted = 0;
    let refused = 0;
    for (const row of rows) {
      try {
        inserted += await insertCdrs(this.ds, [row]);
      } catch (err) {
        if (!isDataError(err)) {
          this.attempts++;
          this.lastError = message(err);
          return { ok: false, error: err };
        }
        refused++;
        this.logger.error('CDR refused by the database; dropped and logged here', { uuid: row.uuid, error: message(err), cdr: row.values });
      }
    }
    this.rejected += refused;
    this.dropped += refused;
    if (refused) this.notifyDropped(refused, 'rejected');
    return { ok: true, inserted, refused };
  }

  /** Spooling: new rows to disk first (order kept), then one batch of the spool into the database. */
  private async writeSpooled(): Promise<WriteResult> {
    const spool = this.spool!;
    if (this.queue.length) this.toSpool(this.queue.splice(0));
    const { rows, next } = spool.peek(this.batchSize);
    if (rows.length === 0) {
      spool.commit(next, 0);
      this.spooling = false;
      if (this.attempts > 0 || this.written > 0) this.logger.info('CDR writes recovered: the local spool is replayed', { written: this.written });
      this.attempts = 0;
      this.lastError = null;
      return { ok: true };
    }
    let inserted = 0;
    let refused = 0;
    try {
      inserted = await insertCdrs(this.ds, rows);
    } catch (err) {
      this.lastError = message(err);
      if (!isDataError(err)) {
        this.failedBatches++;
        this.attempts++;
        if (this.attempts === 1 || this.attempts % 10 === 0)
          this.logger.warn('the database still refuses CDRs; they stay in the local spool', { ...spool.stats(), attempt: this.attempts, error: this.lastError });
        return { ok: false, error: err };
      }
      const r = await this.insertOneByOne(rows, err);
      if (!r.ok) return r;
      ({ inserted, refused } = r);
    }
    spool.commit(next, rows.length);
    this.counted(rows.length, inserted, refused);
    return { ok: true };
  }

  private spoolQueued(): void {
    if (this.spooling && this.queue.length) this.toSpool(this.queue.splice(0));
  }

  /** Appends rows to the spool; rows that do not fit are dropped (`spool_full`). True when they were all spooled. */
  private toSpool(rows: Pending[]): boolean {
    if (rows.length === 0) return true;
    try {
      if (this.spool!.append(rows.map((p) => p.row))) {
        this.releaseWaiters();
        return true;
      }
      this.logger.error('the local CDR spool is full: CDRs are being lost', { ...this.spool!.stats(), dir: this.spool!.dir });
    } catch (err) {
      this.logger.error('could not write the local CDR spool: CDRs are being lost', { dir: this.spool!.dir, error: message(err) });
    }
    this.drop(rows.map((p) => p.row.uuid), 'spool_full');
    this.releaseWaiters();
    return false;
  }

  private completed(batchLength: number, inserted: number, refused = 0): void {
    this.queue.splice(0, batchLength);
    this.releaseWaiters();
    if (this.attempts > 0) this.logger.info('CDR writes recovered', { afterFailedAttempts: this.attempts, queued: this.queue.length });
    this.counted(batchLength, inserted, refused);
  }

  /** A batch is in the database (new rows, duplicates skipped, refused rows dropped): the counts and the metrics. */
  private counted(rows: number, inserted: number, refused: number): void {
    this.attempts = 0;
    this.lastError = null;
    this.written += inserted;
    this.duplicates += Math.max(0, rows - refused - inserted);
    if (inserted > 0 && this.options.onWritten) {
      try {
        this.options.onWritten(inserted);
      } catch {
        // metrics must never break writing
      }
    }
  }

  private retryDelay(): number {
    const exp = Math.min(30, Math.max(0, this.attempts - 1));
    return Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** exp);
  }

  private scheduleRetry(): void {
    if (this.closed || (this.queue.length === 0 && !this.spooling) || this.retryTimer) return;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      if ((this.queue.length > 0 || this.spooling) && !this.inFlight) void this.startWrite();
    }, this.retryDelay());
  }

  private cancelTimer(which: 'flushTimer' | 'retryTimer'): void {
    const t = this[which];
    if (t) {
      t.cancel();
      this[which] = null;
    }
  }

  private drop(uuids: string[], reason: DropReason): void {
    this.dropped += uuids.length;
    if (reason === 'rejected') this.rejected += uuids.length;
    this.notifyDropped(uuids.length, reason);
    this.dropsUnlogged += uuids.length;
    for (const u of uuids) if (this.dropUuidsUnlogged.length < MAX_LOGGED_UUIDS) this.dropUuidsUnlogged.push(u);
    // Loud but bounded: the first drop is logged at once, later ones at most every 10 s (with counts and sample uuids).
    if (this.clock.now() - this.lastDropLogAt >= DROP_LOG_INTERVAL_MS) this.flushDropLog(reason);
    else if (!this.dropLogTimer) {
      this.dropLogTimer = this.clock.setTimeout(() => {
        this.dropLogTimer = null;
        this.flushDropLog(reason);
      }, DROP_LOG_INTERVAL_MS);
    }
  }

  private flushDropLog(reason?: DropReason): void {
    if (this.dropLogTimer) {
      this.dropLogTimer.cancel();
      this.dropLogTimer = null;
    }
    if (this.dropsUnlogged === 0) return;
    this.logger.error('CDRs dropped: they will not be in the database', {
      reason: reason ?? 'closed',
      count: this.dropsUnlogged,
      totalDropped: this.dropped,
      queued: this.queue.length,
      maxBacklog: this.maxBacklog,
      uuids: this.dropUuidsUnlogged,
      lastError: this.lastError,
    });
    this.dropsUnlogged = 0;
    this.dropUuidsUnlogged = [];
    this.lastDropLogAt = this.clock.now();
  }

  private notifyDropped(count: number, reason: DropReason): void {
    if (!this.options.onDropped || count === 0) return;
    try {
      this.options.onDropped(count, reason);
    } catch {
      // metrics must never break writing
    }
  }
}

function safeJson(input: unknown): string {
  try {
    return JSON.stringify(input)?.slice(0, 2000) ?? String(input);
  } catch {
    return '?';
  }
}

function safeUuid(input: unknown): string {
  try {
    return String((input as { uuid?: unknown })?.uuid);
  } catch {
    return '?';
  }
}
