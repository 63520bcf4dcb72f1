/**
 * ACD history persistence: queue calls, agent state transitions and offers, written in the background.
 *
 * Like the CDR writer, nothing here ever blocks routing: the runtime calls the record methods synchronously, they
 * only change memory, and a background flush (every flushMs, or at once when batchSize rows are waiting) writes
 * what changed. A queue call is one row kept in memory from entering the queue until its final state is written
 * (each write is an idempotent upsert of the whole row, so an update can never arrive before its insert); offers
 * are written once they end (an offer still ringing at close is written with a null result); state transitions
 * are inserted in batches. The backlog is bounded; every row lost (backlog full, refused by the database, unwritten
 * at close) is counted and logged. `disposition` and `notes` belong to the agent API and are never overwritten here.
 */
import { In, type DataSource } from 'typeorm';
import { systemClock, type Clock, type ClockTimer } from '../clock/clock';
import { sqlDateTime } from '../db/entities/columns';
import { quoteName, sqlDialectOf, type SqlDialect } from '../db/sql-dialect';
import { onKeyUpdate } from '../db/upsert-sql';
import {
  ACD_HISTORY_LIMITS,
  AcdQueueCallSchema,
  type AcdOfferResult,
  type AcdQueueCallOutcome,
} from '../db/entities/acd-history';
import { isDataError } from '../cdr/cdr-writer';
import { CdrSchema } from '../db/entities/cdr';
import { silentLogger, type Logger } from '../log/logger';

export interface AcdHistoryOptions {
  clock?: Clock;
  logger?: Logger;
  /** A change is written at most this long after it was made (default 200 ms). */
  flushMs?: number;
  /** Rows per statement; a full batch is written at once (default 200). */
  batchSize?: number;
  /** Rows held in memory at most (queue calls in progress + rows waiting); beyond it new rows are dropped (default 100,000). */
  maxBacklog?: number;
  /** Retry delay after a failed write: from retryInitialMs, doubling up to retryMaxMs (default 5 s: rows catch up within 5 s of the database's return). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  onDropped?: (count: number, table: string, reason: 'backlog_full' | 'rejected' | 'closed') => void;
}

export interface QueueCallEntry {
  id: string;
  node: string;
  queue: string;
  priority: number;
  callerNumber: string;
  callerName?: string | null;
  enteredAt: number;
  data?: Record<string, unknown>;
  /** The outbound campaign the call came from (the dialer's campaign_id), if any. */
  campaignId?: number | null;
}

/**
 * Handling figures added to a call as they happen (agent call control, the runtime): increments, so they may also
 * arrive after the call's row was written final (a wrap-up ends after the call; a transferred call's later agents).
 */
export interface QueueCallHandling {
  holdMs?: number;
  holdCount?: number;
  transfers?: number;
  threeWay?: number;
  wrapMs?: number;
}

export interface QueueCallPatch {
  queue?: string;
  offeredCountDelta?: number;
  answeredAt?: number;
  endedAt?: number;
  agentId?: number | null;
  waitMs?: number | null;
  talkMs?: number | null;
  outcome?: AcdQueueCallOutcome | null;
  overflowTarget?: string | null;
  /** The answering agent's team at answer time. */
  team?: string | null;
  /** Merged into the row's data object. */
  data?: Record<string, unknown>;
}

export interface AcdHistoryStats {
  openCalls: number;
  pending: number;
  written: number;
  dropped: number;
  failedWrites: number;
  lastError: string | null;
}

interface CallRowState {
  id: string;
  fs_node: string;
  queue: string;
  priority: number;
  caller_number: string;
  caller_name: string | null;
  entered_at: number;
  offered_count: number;
  answered_at: number | null;
  ended_at: number | null;
  agent_id: number | null;
  wait_ms: number | null;
  talk_ms: number | null;
  outcome: AcdQueueCallOutcome | null;
  overflow_target: string | null;
  data: Record<string, unknown>;
  hold_ms: number;
  hold_count: number;
  transfers: number;
  three_way: number;
  wrap_ms: number | null;
  team: string | null;
  campaign_id: number | null;
  dirty: boolean;
  /** The row is final (ended): dropped from memory once written. */
  final: boolean;
}

interface StateRow {
  agent_id: number;
  state: string;
  previous: string;
  reason: string | null;
  version: number;
  at: number;
}

interface OfferRow {
  offer_id: string;
  call_id: string;
  agent_id: number;
  queue: string;
  offered_at: number;
  result: AcdOfferResult | null;
  ended_at: number | null;
  ring_ms: number | null;
}

const CALL_COLUMNS = [
  'id',
  'fs_node',
  'queue',
  'priority',
  'caller_number',
  'caller_name',
  'entered_at',
  'offered_count',
  'answered_at',
  'ended_at',
  'agent_id',
  'wait_ms',
  'talk_ms',
  'outcome',
  'overflow_target',
  'data',
  'hold_ms',
  'hold_count',
  'transfers',
  'three_way',
  'wrap_ms',
  'team',
  'campaign_id',
] as const;
const STATE_COLUMNS = ['agent_id', 'state', 'previous', 'reason', 'version', 'at'] as const;
const OFFER_COLUMNS = ['offer_id', 'call_id', 'agent_id', 'queue', 'offered_at', 'result', 'ended_at', 'ring_ms'] as const;

type SqlValue = string | number | null;

function clip(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}

function int(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Math.max(-2_147_483_648, Math.min(2_147_483_647, Math.round(value)));
}

function date(ms: number | null): string | null {
  return ms === null ? null : sqlDateTime(ms);
}

const MAX_DATA_CHARS = 60_000;

function jsonText(data: Record<string, unknown>): string | null {
  if (!Object.keys(data).length) return null;
  try {
    const text = JSON.stringify(data);
    return text.length > MAX_DATA_CHARS ? JSON.stringify({ truncated: true }) : text;
  } catch {
    return null;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class AcdHistoryWriter {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly flushMs: number;
  private readonly batchSize: number;
  private readonly maxBacklog: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly dialect: SqlDialect;

  private readonly calls = new Map<string, CallRowState>();
  private readonly openOffers = new Map<string, OfferRow>();
  private states: StateRow[] = [];
  private offers: OfferRow[] = [];
  private dirtyCalls = 0;
  /** Handling increments of calls no longer in memory, by call id. */
  private late = new Map<string, Required<QueueCallHandling>>();

  private timer: ClockTimer | null = null;
  private retryTimer: ClockTimer | null = null;
  private inFlight: Promise<void> | null = null;
  private attempts = 0;
  private closed = false;
  private written = 0;
  private dropped = 0;
  private failedWrites = 0;
  private lastError: string | null = null;
  private lastDropLogAt = -Infinity;

  constructor(
    private readonly ds: DataSource,
    options: AcdHistoryOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).child({ module: 'acd-history' });
    this.flushMs = Math.max(0, options.flushMs ?? 200);
    this.batchSize = Math.max(1, options.batchSize ?? 200);
    this.maxBacklog = Math.max(this.batchSize, options.maxBacklog ?? 100_000);
    this.retryInitialMs = Math.max(1, options.retryInitialMs ?? 500);
    this.retryMaxMs = Math.max(this.retryInitialMs, options.retryMaxMs ?? 5_000);
    this.dialect = sqlDialectOf(ds);
    this.onDropped = options.onDropped;
  }

  private readonly onDropped?: AcdHistoryOptions['onDropped'];

  // ---- recording (synchronous, never throws) ------------------------------------------------------------------

  /** A call entered a queue (a second entry of the same id, e.g. a callback re-queued, keeps the first row). */
  callEntered(entry: QueueCallEntry): void {
    this.safely(() => {
      if (this.calls.has(entry.id)) return;
      if (!this.room('acd_queue_calls')) return;
      this.calls.set(entry.id, {
        id: entry.id,
        fs_node: entry.node,
        queue: entry.queue,
        priority: entry.priority,
        caller_number: entry.callerNumber,
        caller_name: entry.callerName ?? null,
        entered_at: entry.enteredAt,
        offered_count: 0,
        answered_at: null,
        ended_at: null,
        agent_id: null,
        wait_ms: null,
        talk_ms: null,
        outcome: null,
        overflow_target: null,
        data: { ...(entry.data ?? {}) },
        hold_ms: 0,
        hold_count: 0,
        transfers: 0,
        three_way: 0,
        wrap_ms: null,
        team: null,
        campaign_id: entry.campaignId ?? null,
        dirty: false,
        final: false,
      });
      this.markDirty(this.calls.get(entry.id)!);
    });
  }

  /**
   * Calls another instance wrote (a standby taking over live calls): their rows are read back into memory, so the
   * updates that follow (offers, answer, end) change them instead of replacing them with rows that forgot the entry,
   * the IVR data and the offers made. Returns the rows found; calls not found get none (callEntered makes one).
   */
  async adoptCalls(ids: readonly string[]): Promise<Map<string, Readonly<Omit<CallRowState, 'dirty' | 'final'>>>> {
    const found = new Map<string, Readonly<Omit<CallRowState, 'dirty' | 'final'>>>();
    const wanted = ids.filter((id) => !this.calls.has(id));
    for (let i = 0; i < wanted.length; i += 500) {
      const rows = await this.ds.getRepository(AcdQueueCallSchema).find({ where: { id: In(wanted.slice(i, i + 500)) } });
      for (const r of rows) {
        if (this.calls.has(r.id)) continue;
        const row: CallRowState = {
          id: r.id,
          fs_node: r.fs_node,
          queue: r.queue,
          priority: r.priority,
          caller_number: r.caller_number,
          caller_name: r.caller_name,
          entered_at: new Date(r.entered_at).getTime(),
          offered_count: r.offered_count,
          answered_at: r.answered_at ? new Date(r.answered_at).getTime() : null,
          ended_at: r.ended_at ? new Date(r.ended_at).getTime() : null,
          agent_id: r.agent_id,
          wait_ms: r.wait_ms,
          talk_ms: r.talk_ms,
          outcome: r.outcome,
          overflow_target: r.overflow_target,
          data: { ...(r.data ?? {}) },
          hold_ms: r.hold_ms ?? 0,
          hold_count: r.hold_count ?? 0,
          transfers: r.transfers ?? 0,
          three_way: r.three_way ?? 0,
          wrap_ms: r.wrap_ms ?? null,
          team: r.team ?? null,
          campaign_id: r.campaign_id ?? null,
          dirty: false,
          final: false,
        };
        this.calls.set(row.id, row);
        found.set(row.id, row);
      }
    }
    for (const id of ids) {
      const row = this.calls.get(id);
      if (row && !found.has(id)) found.set(id, row);
    }
    return found;
  }

  /**
   * Queue calls of `node` that another instance left open (no end written) and that are no longer on the switch
   * (`live`: the channels up now): they ended while no instance was watching. closeOrphans closes them.
   */
  async findOrphans(node: string, live: ReadonlySet<string>): Promise<string[]> {
    const open = await this.ds
      .getRepository(AcdQueueCallSchema)
      .createQueryBuilder('c')
      .select(['c.id'])
      .where('c.fs_node = :node AND c.ended_at IS NULL', { node })
      .getMany();
    return open.map((r) => r.id).filter((id) => !live.has(id) && !this.calls.has(id));
  }

  /**
   * Closes the orphans findOrphans found, once their legs' CDRs had time to arrive (mod_xml_cdr retries): each ends
   * at its caller's CDR end (else `now`), as answered when it had an agent or its caller's CDR shows a bridge (the
   * answer itself may not have been written by the instance that died), else abandoned. Returns how many it closed.
   */
  async closeOrphans(ids: readonly string[], now: number): Promise<number> {
    const cdrs = new Map<string, { endedAt: number | null; bridged: boolean }>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.ds
        .getRepository(CdrSchema)
        .find({ select: { uuid: true, end_at: true, bridged_uuid: true }, where: { uuid: In(ids.slice(i, i + 500)) } });
      for (const r of rows) cdrs.set(r.uuid, { endedAt: r.end_at ? new Date(r.end_at).getTime() : null, bridged: !!r.bridged_uuid });
    }
    const found = await this.adoptCalls(ids);
    let closed = 0;
    for (const id of ids) {
      // Read back now, or earlier by the takeover (a row it looked at for a callback request and left).
      const row = found.get(id) ?? this.calls.get(id);
      if (!row || row.ended_at !== null) continue; // closed meanwhile
      const cdr = cdrs.get(id);
      const endedAt = Math.max(row.entered_at, cdr?.endedAt ?? now);
      const answered = row.answered_at !== null || cdr?.bridged === true;
      this.callUpdate(
        id,
        {
          endedAt,
          // A callback request or an overflow keeps what it was; a plain call is answered or abandoned.
          outcome: row.outcome ?? (answered ? 'answered' : 'abandoned'),
          ...(row.answered_at !== null ? { talkMs: Math.max(0, endedAt - row.answered_at) } : answered ? {} : { waitMs: Math.max(0, endedAt - row.entered_at) }),
          data: { closed_by: 'takeover: the call ended while no instance was connected' },
        },
        true,
      );
      closed++;
    }
    return closed;
  }

  /** Changes a call's row; `final` means the call is over (the row leaves memory once written). */
  callUpdate(id: string, patch: QueueCallPatch, final = false): void {
    this.safely(() => {
      const row = this.calls.get(id);
      if (!row) return;
      if (patch.queue !== undefined) row.queue = patch.queue;
      if (patch.offeredCountDelta) row.offered_count += patch.offeredCountDelta;
      if (patch.answeredAt !== undefined) row.answered_at = patch.answeredAt;
      if (patch.endedAt !== undefined) row.ended_at = patch.endedAt;
      if (patch.agentId !== undefined) row.agent_id = patch.agentId;
      if (patch.waitMs !== undefined) row.wait_ms = patch.waitMs;
      if (patch.talkMs !== undefined) row.talk_ms = patch.talkMs;
      if (patch.outcome !== undefined) row.outcome = patch.outcome;
      if (patch.overflowTarget !== undefined) row.overflow_target = patch.overflowTarget;
      if (patch.team !== undefined) row.team = patch.team;
      if (patch.data) Object.assign(row.data, patch.data);
      if (final) row.final = true;
      this.markDirty(row);
    });
  }

  /**
   * Adds handling figures to a call: to its row while it is in memory, else (the row was written final) as an
   * increment of the stored row, written with the next round (an UPDATE by id; nothing if the row does not exist).
   */
  callHandling(id: string, h: QueueCallHandling): void {
    this.safely(() => {
      const add = normalHandling(h);
      if (!add) return;
      const row = this.calls.get(id);
      if (row) {
        row.hold_ms += add.holdMs;
        row.hold_count += add.holdCount;
        row.transfers += add.transfers;
        row.three_way += add.threeWay;
        if (add.wrapMs) row.wrap_ms = (row.wrap_ms ?? 0) + add.wrapMs;
        this.markDirty(row);
        return;
      }
      const late = this.late.get(id);
      if (late) {
        for (const k of HANDLING_KEYS) late[k] += add[k];
      } else {
        if (!this.room('acd_queue_calls')) return;
        this.late.set(id, add);
      }
      this.schedule();
    });
  }

  /** The row of a call still in memory (tests, the runtime's own bookkeeping). */
  callRow(id: string): Readonly<Omit<CallRowState, 'dirty' | 'final'>> | undefined {
    return this.calls.get(id);
  }

  agentState(row: { agentId: number; state: string; previous: string; reason?: string; version: number; at: number }): void {
    this.safely(() => {
      if (!this.room('acd_agent_state_log')) return;
      this.states.push({
        agent_id: row.agentId,
        state: row.state,
        previous: row.previous,
        reason: row.reason ?? null,
        version: row.version,
        at: row.at,
      });
      this.schedule();
    });
  }

  offerStarted(o: { offerId: string; callId: string; agentId: number; queue: string; at: number }): void {
    this.safely(() => {
      const key = `${o.offerId}\0${o.agentId}`;
      if (this.openOffers.has(key)) return;
      if (!this.room('acd_offer_log')) return;
      this.openOffers.set(key, {
        offer_id: o.offerId,
        call_id: o.callId,
        agent_id: o.agentId,
        queue: o.queue,
        offered_at: o.at,
        result: null,
        ended_at: null,
        ring_ms: null,
      });
    });
  }

  /** The offer to one agent ended (first result wins). */
  offerEnded(offerId: string, agentId: number, result: AcdOfferResult, at: number): void {
    this.safely(() => {
      const key = `${offerId}\0${agentId}`;
      const row = this.openOffers.get(key);
      if (!row) return;
      this.openOffers.delete(key);
      row.result = result;
      row.ended_at = at;
      row.ring_ms = Math.max(0, at - row.offered_at);
      this.offers.push(row);
      this.schedule();
    });
  }

  stats(): AcdHistoryStats {
    return {
      openCalls: this.calls.size,
      pending: this.dirtyCalls + this.states.length + this.offers.length + this.late.size,
      written: this.written,
      dropped: this.dropped,
      failedWrites: this.failedWrites,
      lastError: this.lastError,
    };
  }

  /** Writes everything changed so far; rejects with the database error if that fails (the rows stay queued). */
  async flush(): Promise<void> {
    for (let guard = 0; guard < 1000; guard++) {
      if (this.inFlight) {
        await this.inFlight;
        continue;
      }
      if (!this.hasWork()) return;
      this.cancel('timer');
      this.cancel('retryTimer');
      const ok = await this.write();
      if (!ok) throw new Error(this.lastError ?? 'ACD history write failed');
    }
  }

  /** Writes open offers (result null) and everything queued; what cannot be written is logged and counted. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const row of this.openOffers.values()) this.offers.push(row);
    this.openOffers.clear();
    try {
      await this.flush();
    } catch (err) {
      const lost = this.dirtyCalls + this.states.length + this.offers.length + this.late.size;
      this.log.error('ACD history closed with unwritten rows: they are lost from the database', { count: lost, error: message(err) });
      this.dropped += lost;
      this.onDropped?.(lost, 'acd_history', 'closed');
    } finally {
      this.closed = true;
      this.cancel('timer');
      this.cancel('retryTimer');
    }
  }

  // ---- writing ----------------------------------------------------------------------------------------------

  private safely(fn: () => void): void {
    if (this.closed) return;
    try {
      fn();
    } catch (err) {
      this.log.error('ACD history record failed', { error: message(err) });
    }
  }

  private room(table: string): boolean {
    const size = this.calls.size + this.openOffers.size + this.states.length + this.offers.length + this.late.size;
    if (size < this.maxBacklog) return true;
    this.dropped++;
    this.onDropped?.(1, table, 'backlog_full');
    const now = this.clock.now();
    if (now - this.lastDropLogAt > 10_000) {
      this.lastDropLogAt = now;
      this.log.error('ACD history backlog full: rows dropped', { table, totalDropped: this.dropped, backlog: size });
    }
    return false;
  }

  private markDirty(row: CallRowState): void {
    if (!row.dirty) {
      row.dirty = true;
      this.dirtyCalls++;
    }
    this.schedule();
  }

  private hasWork(): boolean {
    return this.dirtyCalls > 0 || this.states.length > 0 || this.offers.length > 0 || this.late.size > 0;
  }

  private schedule(): void {
    if (this.inFlight || this.retryTimer || this.closed) return;
    const size = this.dirtyCalls + this.states.length + this.offers.length + this.late.size;
    if (size >= this.batchSize) {
      this.cancel('timer');
      void this.write();
      return;
    }
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.inFlight && !this.retryTimer && this.hasWork()) void this.write();
    }, this.flushMs);
  }

  private cancel(which: 'timer' | 'retryTimer'): void {
    this[which]?.cancel();
    this[which] = null;
  }

  /** One write round: up to batchSize rows of each table. Resolves true when written (or dropped as bad data). */
  private write(): Promise<boolean> {
    const calls = [...this.calls.values()].filter((r) => r.dirty).slice(0, this.batchSize);
    const states = this.states.slice(0, this.batchSize);
    const offers = this.offers.slice(0, this.batchSize);
    // Snapshot the rows: later changes mark them dirty again and are written next round.
    for (const r of calls) {
      r.dirty = false;
      this.dirtyCalls--;
    }
    const callValues = calls.map((r) => this.callValues(r));
    const finals = calls.filter((r) => r.final);
    // Late increments leave the map now; a failed round puts them back (added to any that arrived meanwhile).
    const late = [...this.late.entries()].slice(0, this.batchSize);
    for (const [id] of late) this.late.delete(id);
    let result = false;
    const p = this.run(callValues, states, offers, late)
      .then(
        () => {
          this.written += late.length;
          this.states.splice(0, states.length);
          this.offers.splice(0, offers.length);
          for (const r of finals) if (!r.dirty) this.calls.delete(r.id);
          this.written += calls.length + states.length + offers.length;
          if (this.attempts) this.log.info('ACD history writes recovered', { afterFailedAttempts: this.attempts });
          this.attempts = 0;
          this.lastError = null;
          result = true;
        },
        (err: unknown) => {
          this.failedWrites++;
          this.lastError = message(err);
          if (isDataError(err)) {
            // Bad data never gets better: drop this round's rows (logged) rather than block every later row.
            const count = calls.length + states.length + offers.length + late.length;
            this.states.splice(0, states.length);
            this.offers.splice(0, offers.length);
            for (const r of finals) if (!r.dirty) this.calls.delete(r.id);
            this.dropped += count;
            this.onDropped?.(count, 'acd_history', 'rejected');
            this.log.error('ACD history rows refused by the database; dropped', { count, error: this.lastError, calls: callValues.slice(0, 20) });
            result = true;
            return;
          }
          for (const r of calls) {
            if (!r.dirty) {
              r.dirty = true;
              this.dirtyCalls++;
            }
          }
          for (const [id, add] of late) {
            const now = this.late.get(id);
            if (now) for (const k of HANDLING_KEYS) now[k] += add[k];
            else this.late.set(id, add);
          }
          this.attempts++;
          this.log.warn('ACD history write failed; retrying', { attempt: this.attempts, error: this.lastError });
        },
      )
      .finally(() => {
        this.inFlight = null;
        if (result) this.schedule();
        else this.scheduleRetry();
      });
    this.inFlight = p;
    return p.then(() => result);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer || !this.hasWork()) return;
    const delay = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(20, Math.max(0, this.attempts - 1)));
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      if (!this.inFlight && this.hasWork()) void this.write();
    }, delay);
  }

  private callValues(r: CallRowState): SqlValue[] {
    const L = ACD_HISTORY_LIMITS;
    return [
      clip(r.id, L.id),
      clip(r.fs_node, L.node),
      clip(r.queue, L.queue),
      int(r.priority) ?? 0,
      clip(r.caller_number, L.number) ?? '',
      clip(r.caller_name, L.name),
      date(r.entered_at),
      int(r.offered_count) ?? 0,
      date(r.answered_at),
      date(r.ended_at),
      int(r.agent_id),
      int(r.wait_ms),
      int(r.talk_ms),
      clip(r.outcome, L.outcome),
      clip(r.overflow_target, L.overflow),
      jsonText(r.data),
      int(r.hold_ms) ?? 0,
      int(r.hold_count) ?? 0,
      int(r.transfers) ?? 0,
      int(r.three_way) ?? 0,
      int(r.wrap_ms),
      clip(r.team, L.team),
      int(r.campaign_id),
    ];
  }

  private async run(calls: SqlValue[][], states: StateRow[], offers: OfferRow[], late: ReadonlyArray<[string, Required<QueueCallHandling>]>): Promise<void> {
    if (!calls.length && !states.length && !offers.length && !late.length) return;
    const qr = this.ds.createQueryRunner();
    try {
      await qr.startTransaction();
      try {
        if (calls.length) await qr.query(this.upsertCallsSql(calls.length), calls.flat());
        for (const [id, add] of late) {
          const c = (n: string) => this.q(n);
          await qr.query(
            `UPDATE ${c('acd_queue_calls')} SET ${c('hold_ms')} = ${c('hold_ms')} + ?, ${c('hold_count')} = ${c('hold_count')} + ?, ${c('transfers')} = ${c('transfers')} + ?, ${c('three_way')} = ${c('three_way')} + ?, ${c('wrap_ms')} = CASE WHEN ? > 0 THEN COALESCE(${c('wrap_ms')}, 0) + ? ELSE ${c('wrap_ms')} END WHERE ${c('id')} = ?`,
            [add.holdMs, add.holdCount, add.transfers, add.threeWay, add.wrapMs, add.wrapMs, clip(id, ACD_HISTORY_LIMITS.id)],
          );
        }
        if (states.length) {
          const L = ACD_HISTORY_LIMITS;
          const values = states.map((s) => [int(s.agent_id) ?? 0, clip(s.state, L.state), clip(s.previous, L.state), clip(s.reason, L.reason), int(s.version) ?? 0, date(s.at)]);
          await qr.query(this.insertSql('acd_agent_state_log', STATE_COLUMNS, states.length), values.flat());
        }
        if (offers.length) {
          const L = ACD_HISTORY_LIMITS;
          const values = offers.map((o) => [
            clip(o.offer_id, L.id),
            clip(o.call_id, L.id),
            int(o.agent_id) ?? 0,
            clip(o.queue, L.queue),
            date(o.offered_at),
            clip(o.result, L.result),
            date(o.ended_at),
            int(o.ring_ms),
          ]);
          await qr.query(this.insertSql('acd_offer_log', OFFER_COLUMNS, offers.length), values.flat());
        }
        await qr.commitTransaction();
      } catch (err) {
        await qr.rollbackTransaction().catch(() => undefined);
        throw err;
      }
    } finally {
      await qr.release().catch(() => undefined);
    }
  }

  private q(name: string): string {
    return quoteName(this.dialect, name);
  }

  private rows(columns: readonly string[], n: number): string {
    const one = `(${columns.map(() => '?').join(', ')})`;
    return Array.from({ length: n }, () => one).join(', ');
  }

  private insertSql(table: string, columns: readonly string[], n: number): string {
    return `INSERT INTO ${this.q(table)} (${columns.map((c) => this.q(c)).join(', ')}) VALUES ${this.rows(columns, n)}`;
  }

  /** Insert-or-update of whole rows, leaving disposition and notes (the agent's) alone. */
  private upsertCallsSql(n: number): string {
    const cols = CALL_COLUMNS.map((c) => this.q(c)).join(', ');
    const updated = CALL_COLUMNS.filter((c) => c !== 'id');
    const head = `INSERT INTO ${this.q('acd_queue_calls')} (${cols}, ${this.q('disposition')}, ${this.q('notes')}) VALUES `;
    const one = `(${CALL_COLUMNS.map(() => '?').join(', ')}, NULL, NULL)`;
    const values = Array.from({ length: n }, () => one).join(', ');
    return `${head}${values} ${onKeyUpdate(this.dialect, 'id', updated)}`;
  }
}

const HANDLING_KEYS = ['holdMs', 'holdCount', 'transfers', 'threeWay', 'wrapMs'] as const;

/** Whole non-negative numbers (others are ignored); null when there is nothing to add. */
function normalHandling(h: QueueCallHandling): Required<QueueCallHandling> | null {
  const out = Object.fromEntries(HANDLING_KEYS.map((k) => [k, Math.max(0, int(h[k]) ?? 0)])) as Required<QueueCallHandling>;
  return HANDLING_KEYS.some((k) => out[k] > 0) ? out : null;
}

/** `queue:<name>`, `voicemail:<box>`, `callback`, `hangup:<cause>`: how an overflow target is stored. */
export function overflowTargetText(target: { kind: string; queue?: string; box?: string; cause?: string }): string {
  switch (target.kind) {
    case 'queue':
      return `queue:${target.queue ?? ''}`;
    case 'voicemail':
      return `voicemail:${target.box ?? ''}`;
    case 'hangup':
      return `hangup:${target.cause ?? ''}`;
    default:
      return target.kind;
  }
}

export type { AcdOfferResult, AcdQueueCallOutcome };
