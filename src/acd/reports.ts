/**
 * ACD reports by hour, day or week (UTC), for queues and for agents, from the history the runtime writes:
 * acd_queue_calls (one row per queue call), acd_offer_log (one row per offer to an agent) and acd_agent_state_log
 * (every agent state change).
 *
 * The SQL is the same on SQLite and MariaDB: rows are fetched by time range (bounded: the range is capped per bucket
 * size and the row count is capped) and bucketed here in TypeScript, so no engine-specific date functions are needed.
 *
 * Definitions (per bucket; a queue call belongs to the bucket it entered the queue in):
 * - offered: calls that entered the queue; answered / abandoned / overflowed / callbacks / failed by outcome;
 * - service_level: calls answered within the queue's serviceLevelSec / (answered + abandoned); null without such calls;
 * - abandon_rate: abandoned / (answered + abandoned);
 * - asa_sec (average speed of answer): mean wait of the answered calls; aht_sec: mean talk time of answered calls
 *   (queues), or (talk + wrap-up) / calls answered (agents);
 * - occupancy (agents): time on a call or in wrap-up / time logged in (any state but logged_out), from the state log.
 */
import type { DataSource } from 'typeorm';
import { sqlDateTime } from '../db/entities/columns';
import type { AgentState } from './contract';

export type ReportBucket = 'hour' | 'day' | 'week';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Longest range per bucket size. */
export const MAX_RANGE_MS: Record<ReportBucket, number> = { hour: 31 * DAY, day: 366 * DAY, week: 3 * 366 * DAY };
/** Most history rows one report reads from one table. */
export const MAX_REPORT_ROWS = 200_000;

export class ReportError extends Error {
  constructor(
    readonly kind: 'invalid' | 'too_large' | 'unavailable',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ReportError';
  }
}

export interface ReportRange {
  from: Date;
  to: Date;
  bucket: ReportBucket;
}

export interface QueueReportRow {
  queue: string;
  bucket_start: string;
  offered: number;
  answered: number;
  abandoned: number;
  overflowed: number;
  callbacks: number;
  failed: number;
  answered_in_sl: number;
  service_level: number | null;
  abandon_rate: number | null;
  asa_sec: number | null;
  aht_sec: number | null;
  max_wait_sec: number | null;
}

export interface AgentReportRow {
  agent_id: number;
  bucket_start: string;
  offers: number;
  offers_answered: number;
  offers_missed: number;
  calls_answered: number;
  talk_sec: number;
  wrap_up_sec: number;
  aht_sec: number | null;
  logged_in_sec: number;
  available_sec: number;
  not_ready_sec: number;
  reserved_sec: number;
  on_call_sec: number;
  occupancy: number | null;
}

/** A DATETIME from a raw query: a Date on MySQL/MariaDB, 'YYYY-MM-DD HH:MM:SS.SSS' (UTC) text on SQLite. */
export function dbTime(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  const s = String(value);
  const iso = /^\d{4}-\d{2}-\d{2} /.test(s) ? s.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? '' : 'Z') : s;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

export function bucketStart(ms: number, bucket: ReportBucket): number {
  if (bucket === 'hour') return Math.floor(ms / HOUR) * HOUR;
  const day = Math.floor(ms / DAY) * DAY;
  if (bucket === 'day') return day;
  // ISO weeks start on Monday; 1970-01-01 was a Thursday.
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day - weekday * DAY;
}

function bucketLength(bucket: ReportBucket): number {
  return bucket === 'hour' ? HOUR : bucket === 'day' ? DAY : WEEK;
}

/** The bucket starts covering [from, to). */
export function bucketsOf(range: ReportRange): number[] {
  const out: number[] = [];
  for (let b = bucketStart(range.from.getTime(), range.bucket); b < range.to.getTime(); b += bucketLength(range.bucket)) out.push(b);
  return out;
}

export function checkRange(range: ReportRange): void {
  const span = range.to.getTime() - range.from.getTime();
  if (span <= 0) throw new ReportError('invalid', 'must be after "from"', 'to');
  if (span > MAX_RANGE_MS[range.bucket])
    throw new ReportError('invalid', `a ${range.bucket} report covers at most ${MAX_RANGE_MS[range.bucket] / DAY} days; narrow from/to or use a larger bucket`, 'to');
}

function isMissingTable(err: unknown): boolean {
  const e = err as { message?: string; code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(e?.message ?? '');
}

async function rows(ds: DataSource, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  let out: Array<Record<string, unknown>>;
  try {
    out = (await ds.query(`${sql} LIMIT ${MAX_REPORT_ROWS + 1}`, params)) as Array<Record<string, unknown>>;
  } catch (err) {
    if (isMissingTable(err)) throw new ReportError('unavailable', 'the ACD history tables do not exist (run the migrations)');
    throw err;
  }
  if (out.length > MAX_REPORT_ROWS) throw new ReportError('too_large', `more than ${MAX_REPORT_ROWS} history rows in this range; narrow from/to`);
  return out;
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

function round(n: number | null, digits = 3): number | null {
  if (n === null) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * Queue figures per bucket. `serviceLevelSec(queue)` gives each queue's threshold (its current configuration);
 * `queue` limits the report to one queue. Buckets without calls are left out.
 */
export async function queueReport(
  ds: DataSource,
  range: ReportRange & { queue?: string },
  serviceLevelSec: (queue: string) => number,
): Promise<QueueReportRow[]> {
  checkRange(range);
  const params: unknown[] = [sqlDateTime(range.from), sqlDateTime(range.to)];
  let where = 'entered_at >= ? AND entered_at < ?';
  if (range.queue !== undefined) {
    where += ' AND queue = ?';
    params.push(range.queue);
  }
  const calls = await rows(ds, `SELECT queue, entered_at, answered_at, wait_ms, talk_ms, outcome FROM acd_queue_calls WHERE ${where} ORDER BY entered_at`, params);
  interface Acc {
    row: QueueReportRow;
    waitSum: number;
    talkSum: number;
    talkN: number;
    maxWait: number;
  }
  const acc = new Map<string, Acc>();
  for (const c of calls) {
    const entered = dbTime(c.entered_at);
    if (entered === null) continue;
    const queue = String(c.queue);
    const b = bucketStart(entered, range.bucket);
    const key = `${queue}\u0000${b}`;
    let a = acc.get(key);
    if (!a) {
      a = {
        row: {
          queue,
          bucket_start: new Date(b).toISOString(),
          offered: 0,
          answered: 0,
          abandoned: 0,
          overflowed: 0,
          callbacks: 0,
          failed: 0,
          answered_in_sl: 0,
          service_level: null,
          abandon_rate: null,
          asa_sec: null,
          aht_sec: null,
          max_wait_sec: null,
        },
        waitSum: 0,
        talkSum: 0,
        talkN: 0,
        maxWait: 0,
      };
      acc.set(key, a);
    }
    const r = a.row;
    r.offered++;
    const wait = c.wait_ms === null || c.wait_ms === undefined ? null : num(c.wait_ms);
    if (wait !== null) a.maxWait = Math.max(a.maxWait, wait);
    const outcome = c.outcome === null || c.outcome === undefined ? null : String(c.outcome);
    const answered = outcome === 'answered' || (outcome === null && c.answered_at !== null && c.answered_at !== undefined);
    if (answered) {
      r.answered++;
      const w = wait ?? 0;
      a.waitSum += w;
      if (w <= serviceLevelSec(queue) * 1000) r.answered_in_sl++;
      if (c.talk_ms !== null && c.talk_ms !== undefined) {
        a.talkSum += num(c.talk_ms);
        a.talkN++;
      }
    } else if (outcome === 'abandoned') r.abandoned++;
    else if (outcome === 'overflowed') r.overflowed++;
    else if (outcome === 'callback_requested') r.callbacks++;
    else if (outcome === 'failed') r.failed++;
  }
  const out: QueueReportRow[] = [];
  for (const a of acc.values()) {
    const r = a.row;
    r.service_level = round(ratio(r.answered_in_sl, r.answered + r.abandoned), 4);
    r.abandon_rate = round(ratio(r.abandoned, r.answered + r.abandoned), 4);
    r.asa_sec = r.answered ? round(a.waitSum / r.answered / 1000) : null;
    r.aht_sec = a.talkN ? round(a.talkSum / a.talkN / 1000) : null;
    r.max_wait_sec = r.offered ? round(a.maxWait / 1000) : null;
    out.push(r);
  }
  return out.sort((x, y) => x.bucket_start.localeCompare(y.bucket_start) || x.queue.localeCompare(y.queue));
}

/** Agent figures per bucket (`agentId` limits it to one agent). Buckets in which the agent did nothing are left out. */
export async function agentReport(ds: DataSource, range: ReportRange & { agentId?: number }, now: number): Promise<AgentReportRow[]> {
  checkRange(range);
  const from = range.from.getTime();
  const to = Math.min(range.to.getTime(), Math.max(from, now));
  const base: unknown[] = [sqlDateTime(range.from), sqlDateTime(range.to)];
  const agentFilter = range.agentId !== undefined ? ' AND agent_id = ?' : '';
  const withAgent = (p: unknown[]) => (range.agentId !== undefined ? [...p, range.agentId] : p);

  const acc = new Map<string, AgentReportRow>();
  const rowFor = (agentId: number, b: number): AgentReportRow => {
    const key = `${agentId}\u0000${b}`;
    let r = acc.get(key);
    if (!r) {
      r = {
        agent_id: agentId,
        bucket_start: new Date(b).toISOString(),
        offers: 0,
        offers_answered: 0,
        offers_missed: 0,
        calls_answered: 0,
        talk_sec: 0,
        wrap_up_sec: 0,
        aht_sec: null,
        logged_in_sec: 0,
        available_sec: 0,
        not_ready_sec: 0,
        reserved_sec: 0,
        on_call_sec: 0,
        occupancy: null,
      };
      acc.set(key, r);
    }
    return r;
  };

  const offers = await rows(
    ds,
    `SELECT agent_id, offered_at, result FROM acd_offer_log WHERE offered_at >= ? AND offered_at < ?${agentFilter} ORDER BY offered_at`,
    withAgent(base),
  );
  for (const o of offers) {
    const at = dbTime(o.offered_at);
    if (at === null) continue;
    const r = rowFor(num(o.agent_id), bucketStart(at, range.bucket));
    r.offers++;
    const result = o.result === null || o.result === undefined ? '' : String(o.result);
    if (result === 'answered') r.offers_answered++;
    else if (result === 'no_answer') r.offers_missed++;
  }

  const calls = await rows(
    ds,
    `SELECT agent_id, answered_at, talk_ms FROM acd_queue_calls WHERE answered_at >= ? AND answered_at < ? AND agent_id IS NOT NULL${agentFilter} ORDER BY answered_at`,
    withAgent(base),
  );
  for (const c of calls) {
    const at = dbTime(c.answered_at);
    if (at === null) continue;
    const r = rowFor(num(c.agent_id), bucketStart(at, range.bucket));
    r.calls_answered++;
    r.talk_sec += num(c.talk_ms) / 1000;
  }

  // State intervals: the state each agent was in at `from` (its last change before it), then every change.
  const before = await rows(
    ds,
    `SELECT s.agent_id, s.state, s.at, s.id FROM acd_agent_state_log s WHERE s.id IN (SELECT MAX(t.id) FROM acd_agent_state_log t WHERE t.at < ?${agentFilter.replace('agent_id', 't.agent_id')} GROUP BY t.agent_id)`,
    withAgent([sqlDateTime(range.from)]),
  );
  const changes = await rows(
    ds,
    `SELECT agent_id, state, at, id FROM acd_agent_state_log WHERE at >= ? AND at < ?${agentFilter} ORDER BY agent_id, at, id`,
    withAgent(base),
  );
  const timeline = new Map<number, Array<{ at: number; state: AgentState }>>();
  for (const s of before) timeline.set(num(s.agent_id), [{ at: from, state: String(s.state) as AgentState }]);
  for (const s of changes) {
    const at = dbTime(s.at);
    if (at === null) continue;
    const list = timeline.get(num(s.agent_id)) ?? [];
    list.push({ at, state: String(s.state) as AgentState });
    timeline.set(num(s.agent_id), list);
  }
  for (const [agentId, list] of timeline) {
    for (let i = 0; i < list.length; i++) {
      const start = Math.max(from, list[i]!.at);
      const end = Math.min(to, i + 1 < list.length ? list[i + 1]!.at : to);
      addInterval(agentId, list[i]!.state, start, end);
    }
  }
  function addInterval(agentId: number, state: AgentState, start: number, end: number): void {
    let t = start;
    while (t < end) {
      const b = bucketStart(t, range.bucket);
      const stop = Math.min(end, b + bucketLength(range.bucket));
      const sec = (stop - t) / 1000;
      if (state !== 'logged_out') {
        const r = rowFor(agentId, b);
        r.logged_in_sec += sec;
        if (state === 'available') r.available_sec += sec;
        else if (state === 'not_ready') r.not_ready_sec += sec;
        else if (state === 'reserved') r.reserved_sec += sec;
        else if (state === 'on_call') r.on_call_sec += sec;
        else if (state === 'wrap_up') r.wrap_up_sec += sec;
      }
      t = stop;
    }
  }

  const out = [...acc.values()].filter(
    (r) => r.offers || r.calls_answered || r.logged_in_sec > 0,
  );
  for (const r of out) {
    r.aht_sec = r.calls_answered ? round((r.talk_sec + r.wrap_up_sec) / r.calls_answered) : null;
    r.occupancy = round(ratio(r.on_call_sec + r.wrap_up_sec, r.logged_in_sec), 4);
    for (const k of ['talk_sec', 'wrap_up_sec', 'logged_in_sec', 'available_sec', 'not_ready_sec', 'reserved_sec', 'on_call_sec'] as const) r[k] = round(r[k]) ?? 0;
  }
  return out.sort((x, y) => x.bucket_start.localeCompare(y.bucket_start) || x.agent_id - y.agent_id);
}
