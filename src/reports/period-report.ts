/**
 * Period reports: daily, weekly, monthly (or hourly) figures by queue, agent, DID, ticket category, team or outbound
 * campaign, in the center's
 * time zone (src/reports/buckets.ts), computed in the database with GROUP BY.
 *
 * Every row gets its period from the boundaries computed here, through `CASE WHEN t < ? THEN 0 WHEN t < ? THEN 1 ...
 * END`, so the bucketing needs no engine date functions and is DST-correct. The same SQL on SQLite and MariaDB, with
 * one exception: the repeat window ("entered within REPORT_FCR_DAYS days after") needs date arithmetic (see
 * call-figures-sql.ts).
 *
 * Where the figures come from: the queue-call figures (counters, repeat calls, FCR), the ticket counts and the CSAT
 * answers are read from the 15-minute rollup (report_slots, src/reports/report-slots.ts) for the whole slots of the
 * range, brought up to date first, and from the raw tables for the partial slots at its ends (a range given with
 * date-times off the quarter hour) and for the tickets overdue in the slot holding `now`. With `{ rollup: false }`, or when the range has
 * no whole slot, everything comes from the raw tables: one statement per figure family (queue calls; repeat calls;
 * FCR; CSAT; tickets). The agent state log is always read raw.
 *
 * Definitions (a queue call belongs to the period and dimension value of the moment it entered the queue):
 * - offered: queue calls; answered (outcome answered, or no outcome yet but answered_at set), abandoned, overflowed,
 *   callbacks (outcome callback_requested), failed by outcome;
 * - short_abandoned: abandoned after a wait below REPORT_SHORT_ABANDON_SEC; they count in offered and abandoned, and
 *   are left out of service level and abandon rate;
 * - service_level = answered_in_sl / (answered + abandoned - short_abandoned), answered_in_sl being the answered calls
 *   whose wait is at most the queue's serviceLevelSec (its current configuration, as in src/acd/reports.ts);
 * - abandon_rate = (abandoned - short_abandoned) / (answered + abandoned - short_abandoned);
 * - asa_sec: mean wait of the answered calls; over the answered calls with a talk time (talk_n): aht_talk_sec mean
 *   talk time without hold, aht_hold_sec mean hold time (the caller on hold during the answering agent's call: hold
 *   button, blind-transfer ringing, attended consultation), aht_wrap_sec mean wrap-up of the answering agent after
 *   the call (0 when none was recorded; wrap_ups: the calls with one), aht_sec the sum of the three; holds, transfers
 *   (blind or attended, completed, by any agent on the call), three_way (3-way conferences joined) are counts;
 * - repeat_calls: answered calls after which another queue call from the same caller_number entered within
 *   REPORT_FCR_DAYS days (strictly later, at most that many days after; the window may run past `to`);
 *   repeat_rate = repeat_calls / answered;
 * - fcr_calls: answered calls with at least one ticket (tickets.call_uuid = the call); fcr_repeated: those of them
 *   followed, within REPORT_FCR_DAYS days, by a later queue call of the same caller_number that has a ticket of the
 *   same category as one of the first call's tickets; fcr = (fcr_calls - fcr_repeated) / fcr_calls;
 * - callbacks_scheduled: callbacks agents scheduled on campaign leads in the period (callback_requests.requested_at),
 *   under the campaign's queue, the agent it is for, their first team, the campaign (not by DID or category);
 * - csat_count / csat_mean: the csat_answers answered in the period (by their answered_at; queue and agent are the
 *   answer's own, category is its ticket's, did its queue call's);
 * - tickets_opened (created_at), tickets_resolved (resolved_at), tickets_overdue (due_at passed, before now, while
 *   unresolved: resolved_at null or after due_at) in the period; for queue, agent and did a ticket counts for the
 *   queue call it was made from (call_uuid), tickets without one under the null key.
 * Dimension "category": a call counts once for each distinct category of its tickets; calls without tickets are not
 * in this dimension. Dimension "agent": unanswered calls have the null key. Dimension "did": the "did" field of the
 * call's data (JSON text), read with json_extract (both engines have it); calls without one have the null key.
 * Dimension "team": the answering agent's first team at answer time (acd_queue_calls.team; unanswered calls and
 * agents without a team: null), so every call counts under one team. Dimension "campaign": the outbound campaign
 * the call came from (acd_queue_calls.campaign_id, from the dialer's handoff); inbound calls: null. Tickets and
 * survey answers count under the team and campaign of their queue call.
 */
import type { DataSource } from 'typeorm';
import { sqlDateTime } from '../db/entities/columns';
import { dbTime } from '../acd/reports';
import { periodsOf, type Period, type PeriodBucket } from './buckets';
import { ANSWERED, CALL_CATEGORIES, DID, bucketCase, callCounters, hasFcrRepeat, hasRepeat, type Statement } from './call-figures-sql';
import { type SqlDialect, sqlDialectOf } from '../db/sql-dialect';
import { ROLLUP_MAX_FCR_DAYS, SLOT_MS, reportSlotsStatements, slotRangeOf, updateReportSlots } from './report-slots';

export type ReportDimension = 'queue' | 'agent' | 'did' | 'category' | 'team' | 'campaign';
export const REPORT_DIMENSIONS = ['queue', 'agent', 'did', 'category', 'team', 'campaign'] as const satisfies readonly ReportDimension[];

const DAY = 86_400_000;
/** Longest range per bucket size (days). */
export const MAX_PERIOD_RANGE_DAYS: Record<PeriodBucket, number> = { hour: 31, day: 400, week: 400, month: 400 };

export class PeriodReportError extends Error {
  constructor(
    readonly kind: 'invalid' | 'unavailable',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'PeriodReportError';
  }
}

export interface PeriodReportRequest {
  dimension: ReportDimension;
  from: Date;
  to: Date;
  bucket: PeriodBucket;
}

export interface PeriodReportSettings {
  timeZone: string;
  shortAbandonSec: number;
  fcrDays: number;
  /** Each queue's service level threshold (seconds); queues not listed get `defaultServiceLevelSec`. */
  serviceLevelSec: ReadonlyMap<string, number>;
  defaultServiceLevelSec: number;
  /** For tickets_overdue. */
  now: number;
}

export interface PeriodReportRow {
  bucket_start: string;
  bucket_end: string;
  bucket_label: string;
  /** The dimension value: queue name, agent id, DID, category id (as text); null: none. */
  key: string | null;
  offered: number;
  answered: number;
  abandoned: number;
  short_abandoned: number;
  overflowed: number;
  callbacks: number;
  /** Callbacks agents scheduled on campaign leads in the period (callback_requests). */
  callbacks_scheduled: number;
  failed: number;
  answered_in_sl: number;
  service_level: number | null;
  abandon_rate: number | null;
  asa_sec: number | null;
  /** Over the answered calls with a talk time: talk without hold, hold, wrap-up, and their sum (seconds). */
  aht_sec: number | null;
  aht_talk_sec: number | null;
  aht_hold_sec: number | null;
  aht_wrap_sec: number | null;
  /** Answered calls with a wrap-up recorded. */
  wrap_ups: number;
  holds: number;
  transfers: number;
  three_way: number;
  repeat_calls: number;
  repeat_rate: number | null;
  fcr_calls: number;
  fcr_repeated: number;
  fcr: number | null;
  csat_count: number;
  csat_mean: number | null;
  tickets_opened: number;
  tickets_resolved: number;
  tickets_overdue: number;
  /** Agents only (null otherwise), from acd_agent_state_log as in src/acd/reports.ts: time in wrap_up, time in any state but logged_out, (on_call + wrap_up) / logged in. */
  wrap_up_sec: number | null;
  logged_in_sec: number | null;
  occupancy: number | null;
}

/** The period CASE over a time column: the period ends as that column compares them. */
function periodCase(col: string, periods: readonly Period[]): Statement {
  return bucketCase(col, periods.slice(0, -1).map((p) => sqlDateTime(p.end)));
}

function callDimension(dimension: ReportDimension): { key: string; join: string } {
  switch (dimension) {
    case 'queue':
      return { key: 'c.queue', join: '' };
    case 'agent':
      return { key: 'c.agent_id', join: '' };
    case 'did':
      return { key: DID, join: '' };
    case 'team':
      return { key: 'c.team', join: '' };
    case 'campaign':
      return { key: 'c.campaign_id', join: '' };
    case 'category':
      return { key: 'tc.category_id', join: `JOIN ${CALL_CATEGORIES} tc ON tc.call_uuid = c.id` };
  }
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}
function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}
function round(n: number | null, digits = 3): number | null {
  if (n === null) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
function keyOf(v: unknown): string | null {
  if (v === null || v === undefined || v === '' || v === 'null') return null;
  return String(v);
}

function isMissingTable(err: unknown): boolean {
  const e = err as { message?: string; code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(e?.message ?? '');
}

async function unavailableIfMissing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isMissingTable(err)) throw new PeriodReportError('unavailable', 'the history tables do not exist (run the migrations)');
    throw err;
  }
}

function query(ds: DataSource, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  return unavailableIfMissing(async () => (await ds.query(sql, params)) as Array<Record<string, unknown>>);
}

export function checkPeriodRange(req: Pick<PeriodReportRequest, 'from' | 'to' | 'bucket'>): void {
  const span = req.to.getTime() - req.from.getTime();
  if (!(span > 0)) throw new PeriodReportError('invalid', 'must be after "from"', 'to');
  const max = MAX_PERIOD_RANGE_DAYS[req.bucket];
  if (span > max * DAY) throw new PeriodReportError('invalid', `a ${req.bucket} report covers at most ${max} days; narrow from/to or use a larger bucket`, 'to');
}

/**
 * The queue-call figures over the raw tables for the calls entered in [range[0], range[1]): counters, repeat calls,
 * FCR. (The rollup computes the same sums per slot with the same expressions, src/reports/report-slots.ts.)
 */
function rawCallStatements(req: PeriodReportRequest, range: [string, string], periods: readonly Period[], settings: PeriodReportSettings, dialect: SqlDialect) {
  const dim = callDimension(req.dimension);
  const enteredCase = periodCase('c.entered_at', periods);
  const counters = callCounters(settings);
  const calls = {
    sql: `SELECT ${enteredCase.sql} AS b, ${dim.key} AS k, ${counters.sql}
      FROM acd_queue_calls c ${dim.join}
      WHERE c.entered_at >= ? AND c.entered_at < ?
      GROUP BY b, k`,
    params: [...enteredCase.params, ...counters.params, ...range],
  };

  const repeats = {
    sql: `SELECT ${enteredCase.sql} AS b, ${dim.key} AS k,
        SUM(CASE WHEN ${hasRepeat(dialect, settings.fcrDays)} THEN 1 ELSE 0 END) AS repeat_calls
      FROM acd_queue_calls c ${dim.join}
      WHERE c.entered_at >= ? AND c.entered_at < ? AND ${ANSWERED}
      GROUP BY b, k`,
    params: [...enteredCase.params, ...range],
  };

  // FCR: answered calls with tickets; the key for category is the ticket category itself.
  const fcrKey = req.dimension === 'category' ? 'tc.category_id' : dim.key;
  const fcr = {
    sql: `SELECT ${enteredCase.sql} AS b, ${fcrKey} AS k,
        COUNT(DISTINCT c.id) AS fcr_calls,
        COUNT(DISTINCT CASE WHEN ${hasFcrRepeat(dialect, settings.fcrDays, req.dimension === 'category' ? 'tc.category_id' : null)} THEN c.id END) AS fcr_repeated
      FROM acd_queue_calls c JOIN ${CALL_CATEGORIES} tc ON tc.call_uuid = c.id
      WHERE c.entered_at >= ? AND c.entered_at < ? AND ${ANSWERED}
      GROUP BY b, k`,
    params: [...enteredCase.params, ...range],
  };
  return { calls, repeats, fcr };
}

/** The sums a rollup group may carry (report_slots' columns as read by reportSlotsStatements). */
const FOLDED = ['offered', 'fcr_calls', 'tickets_opened', 'tickets_resolved', 'tickets_overdue', 'csat_count', 'callbacks_scheduled'] as const;

/**
 * Callbacks agents scheduled on campaign leads in [range) (callback_requests, by requested_at): under the campaign's
 * queue, the agent the callback is for, that agent's first team, the campaign. Null for DID and category (they have
 * neither).
 */
function callbackRequestsStatement(dimension: ReportDimension, range: [number, number], periods: readonly Period[]): Statement | null {
  const key = { queue: 'r.queue', agent: 'r.agent_id', team: 'r.team', campaign: 'r.campaign_id', did: null, category: null }[dimension];
  if (key === null) return null;
  const bc = periodCase('r.requested_at', periods);
  return {
    sql: `SELECT ${bc.sql} AS b, ${key} AS k, COUNT(*) AS n FROM callback_requests r
      WHERE r.requested_at >= ? AND r.requested_at < ?
      GROUP BY b, k`,
    params: [...bc.params, sqlDateTime(range[0]), sqlDateTime(range[1])],
  };
}

/** Survey answers given in [range): by the answer's queue and agent, its ticket's category, its call's DID. */
function csatStatement(dimension: ReportDimension, range: [number, number], periods: readonly Period[]): Statement {
  const csatCase = periodCase('a.answered_at', periods);
  const byCall = (key: string) => ({ key, join: 'LEFT JOIN acd_queue_calls c ON c.id = a.queue_call_id' });
  const csatDim =
    dimension === 'queue'
      ? { key: 'a.queue', join: '' }
      : dimension === 'agent'
        ? { key: 'a.agent_id', join: '' }
        : dimension === 'category'
          ? { key: 't.category_id', join: 'JOIN tickets t ON t.id = a.ticket_id' }
          : byCall(dimension === 'team' ? 'c.team' : dimension === 'campaign' ? 'c.campaign_id' : DID);
  return {
    sql: `SELECT ${csatCase.sql} AS b, ${csatDim.key} AS k, COUNT(*) AS csat_count, SUM(a.score) AS csat_sum
      FROM csat_answers a ${csatDim.join}
      WHERE a.answered_at >= ? AND a.answered_at < ?
      GROUP BY b, k`,
    params: [...csatCase.params, sqlDateTime(range[0]), sqlDateTime(range[1])],
  };
}

type TicketFigure = 'opened' | 'resolved' | 'overdue';
const TICKET_FIGURES: readonly TicketFigure[] = ['opened', 'resolved', 'overdue'];

/** Tickets opened (created_at), resolved (resolved_at), overdue (due_at before now, resolved late or not) in [range). */
function ticketStatement(dimension: ReportDimension, range: [number, number], periods: readonly Period[], now: number, figures: readonly TicketFigure[]): Statement {
  const ticketKey =
    dimension === 'category'
      ? 't.category_id'
      : dimension === 'queue'
        ? 'c.queue'
        : dimension === 'agent'
          ? 'c.agent_id'
          : dimension === 'team'
            ? 'c.team'
            : dimension === 'campaign'
              ? 'c.campaign_id'
              : DID;
  const ticketJoin = dimension === 'category' ? '' : 'LEFT JOIN acd_queue_calls c ON c.id = t.call_uuid';
  const between = [sqlDateTime(range[0]), sqlDateTime(range[1])];
  const part = (figure: TicketFigure, col: string, extra: string, extraParams: unknown[]) => {
    const bc = periodCase(col, periods);
    return {
      sql: `SELECT '${figure}' AS f, ${bc.sql} AS b, ${ticketKey} AS k, COUNT(*) AS n FROM tickets t ${ticketJoin}
        WHERE ${col} >= ? AND ${col} < ?${extra} GROUP BY b, k`,
      params: [...bc.params, ...between, ...extraParams],
    };
  };
  const parts = figures.map((f) =>
    f === 'opened'
      ? part('opened', 't.created_at', '', [])
      : f === 'resolved'
        ? part('resolved', 't.resolved_at', '', [])
        : part('overdue', 't.due_at', ' AND t.due_at < ? AND (t.resolved_at IS NULL OR t.resolved_at > t.due_at)', [sqlDateTime(now)]),
  );
  return { sql: parts.map((p) => p.sql).join('\nUNION ALL\n'), params: parts.flatMap((p) => p.params) };
}

export interface PeriodReportOptions {
  /**
   * Read the call, ticket and CSAT figures from the 15-minute rollup where whole slots allow (default true); false
   * reads the raw tables only (the reference the rollup is tested against).
   */
  rollup?: boolean;
}

/**
 * The SQL statements of one report, with their parameters (exported for EXPLAIN in the bench and tests), and the
 * rollup slots they read (`slots`, null when none: the raw tables only). With slots, the figures come from
 * report_slots for the whole slots (`slots_0`, `slots_1`, ...: 48 periods each) and from the raw tables for the
 * partial slots at the range's ends (`calls_head`, `tickets_tail`, ...) and the overdue tickets of now's slot
 * (`tickets_now`).
 */
export function periodReportStatements(req: PeriodReportRequest, settings: PeriodReportSettings, dialect: SqlDialect, options: PeriodReportOptions = {}) {
  const periods = periodsOf(req.from.getTime(), req.to.getTime(), req.bucket, settings.timeZone);
  const range: [string, string] = [sqlDateTime(req.from), sqlDateTime(req.to)];
  const statements: Record<string, Statement> = {};
  const slots = options.rollup !== false && settings.fcrDays <= ROLLUP_MAX_FCR_DAYS ? slotRangeOf(req.from.getTime(), req.to.getTime(), periods) : null;
  if (slots) {
    for (const [i, st] of reportSlotsStatements(req.dimension, slots, periods, settings.now).entries()) statements[`slots_${i}`] = st;
    const head: [number, number] = [req.from.getTime(), slots.from * SLOT_MS];
    const tail: [number, number] = [slots.to * SLOT_MS, req.to.getTime()];
    for (const [name, [a, b]] of [['head', head], ['tail', tail]] as const) {
      if (a >= b) continue;
      const raw = rawCallStatements(req, [sqlDateTime(a), sqlDateTime(b)], periods, settings, dialect);
      statements[`calls_${name}`] = raw.calls;
      statements[`repeats_${name}`] = raw.repeats;
      statements[`fcr_${name}`] = raw.fcr;
    }
  } else Object.assign(statements, rawCallStatements(req, range, periods, settings, dialect));

  if (slots) {
    // The rollup has the answers of the whole slots; those of the partial slots at the ends come from the table.
    if (req.from.getTime() < slots.from * SLOT_MS) statements.csat_head = csatStatement(req.dimension, [req.from.getTime(), slots.from * SLOT_MS], periods);
    if (slots.to * SLOT_MS < req.to.getTime()) statements.csat_tail = csatStatement(req.dimension, [slots.to * SLOT_MS, req.to.getTime()], periods);
  } else statements.csat = csatStatement(req.dimension, [req.from.getTime(), req.to.getTime()], periods);

  // Scheduled callbacks: in the rollup for the whole slots; the partial slots at the ends (or all) from the table.
  const cbParts: Array<[string, [number, number]]> = slots
    ? [
        ['cbreq_head', [req.from.getTime(), slots.from * SLOT_MS]],
        ['cbreq_tail', [slots.to * SLOT_MS, req.to.getTime()]],
      ]
    : [['cbreq', [req.from.getTime(), req.to.getTime()]]];
  for (const [name, [a, b]] of cbParts) {
    const st = a < b ? callbackRequestsStatement(req.dimension, [a, b], periods) : null;
    if (st) statements[name] = st;
  }

  if (slots) {
    // The rollup has the tickets of the whole slots; the partial slots at the ends, and overdue tickets of the slot
    // holding `now` (due before now only), come from the table.
    const edges: Array<[number, number]> = [
      [req.from.getTime(), slots.from * SLOT_MS],
      [slots.to * SLOT_MS, req.to.getTime()],
    ];
    for (const [i, [a, b]] of edges.entries()) if (a < b) statements[`tickets_${i ? 'tail' : 'head'}`] = ticketStatement(req.dimension, [a, b], periods, settings.now, TICKET_FIGURES);
    const nowSlotStart = Math.max(slots.from, Math.floor(settings.now / SLOT_MS)) * SLOT_MS;
    if (nowSlotStart < slots.to * SLOT_MS) statements.tickets_now = ticketStatement(req.dimension, [nowSlotStart, slots.to * SLOT_MS], periods, settings.now, ['overdue']);
  } else statements.tickets = ticketStatement(req.dimension, [req.from.getTime(), req.to.getTime()], periods, settings.now, TICKET_FIGURES);

  return { periods, slots, statements };
}

/** Runs the report: one row per period and dimension value that has any figure, ordered by period then key. */
export async function periodReport(ds: DataSource, req: PeriodReportRequest, settings: PeriodReportSettings, options: PeriodReportOptions = {}): Promise<PeriodReportRow[]> {
  checkPeriodRange(req);
  const { periods, slots, statements } = periodReportStatements(req, settings, sqlDialectOf(ds), options);
  if (slots) await unavailableIfMissing(() => updateReportSlots(ds, slots, settings));
  const acc = new Map<string, PeriodReportRow & { waitSum: number; talkSum: number; talkN: number; holdSum: number; wrapSum: number; csatSum: number; onCallSec: number }>();
  const rowFor = (b: unknown, k: unknown) => {
    const bi = Math.min(periods.length - 1, Math.max(0, num(b)));
    const key = keyOf(k);
    const id = `${bi}\u0000${key ?? ''}\u0000${key === null ? 'n' : 'v'}`;
    let r = acc.get(id);
    if (!r) {
      const p = periods[bi]!;
      r = {
        bucket_start: new Date(p.start).toISOString(),
        bucket_end: new Date(p.end).toISOString(),
        bucket_label: p.label,
        key,
        offered: 0,
        answered: 0,
        abandoned: 0,
        short_abandoned: 0,
        overflowed: 0,
        callbacks: 0,
        callbacks_scheduled: 0,
        failed: 0,
        answered_in_sl: 0,
        service_level: null,
        abandon_rate: null,
        asa_sec: null,
        aht_sec: null,
        aht_talk_sec: null,
        aht_hold_sec: null,
        aht_wrap_sec: null,
        wrap_ups: 0,
        holds: 0,
        transfers: 0,
        three_way: 0,
        repeat_calls: 0,
        repeat_rate: null,
        fcr_calls: 0,
        fcr_repeated: 0,
        fcr: null,
        csat_count: 0,
        csat_mean: null,
        tickets_opened: 0,
        tickets_resolved: 0,
        tickets_overdue: 0,
        wrap_up_sec: null,
        logged_in_sec: null,
        occupancy: null,
        waitSum: 0,
        talkSum: 0,
        talkN: 0,
        holdSum: 0,
        wrapSum: 0,
        csatSum: 0,
        onCallSec: 0,
      };
      acc.set(id, r);
    }
    return r;
  };

  // The statements are independent: on MariaDB they run side by side on the pool's connections.
  const names = Object.keys(statements);
  const results = await Promise.all(names.map((n) => query(ds, statements[n]!.sql, statements[n]!.params)));
  for (const [i, name] of names.entries()) {
    const rows = results[i]!;
    if (name.startsWith('cbreq')) {
      for (const x of rows) rowFor(x.b, x.k).callbacks_scheduled += num(x.n);
    } else if (name.startsWith('csat')) {
      for (const x of rows) {
        const r = rowFor(x.b, x.k);
        r.csat_count += num(x.csat_count);
        r.csatSum += num(x.csat_sum);
      }
    } else if (name.startsWith('tickets')) {
      for (const x of rows) {
        const r = rowFor(x.b, x.k);
        const n = num(x.n);
        if (x.f === 'opened') r.tickets_opened += n;
        else if (x.f === 'resolved') r.tickets_resolved += n;
        else r.tickets_overdue += n;
      }
    } else {
      // Queue-call figures (raw or rollup; the rollup has the tickets too): each statement gives some of these sums.
      for (const x of rows) {
        // A rollup group can hold only tickets due after now: no figure, no row (as the raw statements give none).
        if (name.startsWith('slots') && FOLDED.every((f) => !num(x[f]))) continue;
        const r = rowFor(x.b, x.k);
        r.offered += num(x.offered);
        r.answered += num(x.answered);
        r.abandoned += num(x.abandoned);
        r.short_abandoned += num(x.short_abandoned);
        r.overflowed += num(x.overflowed);
        r.callbacks += num(x.callbacks);
        r.failed += num(x.failed);
        r.answered_in_sl += num(x.answered_in_sl);
        r.waitSum += num(x.wait_ms_sum);
        r.talkSum += num(x.talk_ms_sum);
        r.talkN += num(x.talk_n);
        r.holdSum += num(x.hold_ms_sum);
        r.wrapSum += num(x.wrap_ms_sum);
        r.wrap_ups += num(x.wrap_n);
        r.holds += num(x.hold_count);
        r.transfers += num(x.transfers);
        r.three_way += num(x.three_way);
        r.repeat_calls += num(x.repeat_calls);
        r.fcr_calls += num(x.fcr_calls);
        r.fcr_repeated += num(x.fcr_repeated);
        r.tickets_opened += num(x.tickets_opened);
        r.tickets_resolved += num(x.tickets_resolved);
        r.tickets_overdue += num(x.tickets_overdue);
        r.csat_count += num(x.csat_count);
        r.csatSum += num(x.csat_sum);
        r.callbacks_scheduled += num(x.callbacks_scheduled);
      }
    }
  }

  if (req.dimension === 'agent') {
    // Agent state time, split over the periods (TypeScript: intervals between state changes, as src/acd/reports.ts).
    const from = req.from.getTime();
    const end = Math.min(req.to.getTime(), Math.max(from, settings.now));
    const [before, changes] = await Promise.all([
      query(ds, 'SELECT s.agent_id, s.state FROM acd_agent_state_log s WHERE s.id IN (SELECT MAX(t.id) FROM acd_agent_state_log t WHERE t.at < ? GROUP BY t.agent_id)', [sqlDateTime(req.from)]),
      query(ds, 'SELECT agent_id, state, at FROM acd_agent_state_log WHERE at >= ? AND at < ? ORDER BY agent_id, at, id', [sqlDateTime(req.from), sqlDateTime(req.to)]),
    ]);
    const timeline = new Map<number, Array<{ at: number; state: string }>>();
    for (const x of before) timeline.set(num(x.agent_id), [{ at: from, state: String(x.state) }]);
    for (const x of changes) {
      const at = dbTime(x.at);
      if (at === null) continue;
      const list = timeline.get(num(x.agent_id)) ?? [];
      list.push({ at, state: String(x.state) });
      timeline.set(num(x.agent_id), list);
    }
    for (const [agentId, list] of timeline) {
      for (let i = 0; i < list.length; i++) {
        const state = list[i]!.state;
        if (state === 'logged_out') continue;
        let t = Math.max(from, list[i]!.at);
        const stop = Math.min(end, i + 1 < list.length ? list[i + 1]!.at : end);
        let pi = periods.findIndex((p) => p.end > t);
        while (t < stop && pi >= 0 && pi < periods.length) {
          const until = Math.min(stop, periods[pi]!.end);
          const sec = (until - t) / 1000;
          const r = rowFor(pi, agentId);
          r.logged_in_sec = (r.logged_in_sec ?? 0) + sec;
          if (state === 'wrap_up') r.wrap_up_sec = (r.wrap_up_sec ?? 0) + sec;
          if (state === 'on_call') r.onCallSec += sec;
          t = until;
          pi++;
        }
      }
    }
  }

  const out: PeriodReportRow[] = [];
  for (const a of acc.values()) {
    const { waitSum, talkSum, talkN, holdSum, wrapSum, csatSum, onCallSec, ...r } = a;
    if (req.dimension === 'agent') {
      r.logged_in_sec = round(r.logged_in_sec ?? 0);
      r.wrap_up_sec = round(r.wrap_up_sec ?? 0);
      r.occupancy = round(ratio(onCallSec + (r.wrap_up_sec ?? 0), r.logged_in_sec ?? 0), 4);
    }
    const counted = r.answered + r.abandoned - r.short_abandoned;
    r.service_level = round(ratio(r.answered_in_sl, counted), 4);
    r.abandon_rate = round(ratio(r.abandoned - r.short_abandoned, counted), 4);
    r.asa_sec = r.answered ? round(waitSum / r.answered / 1000) : null;
    // talk_ms runs from the answer to the end, hold included: the talk part is without it.
    r.aht_talk_sec = talkN ? round((talkSum - holdSum) / talkN / 1000) : null;
    r.aht_hold_sec = talkN ? round(holdSum / talkN / 1000) : null;
    r.aht_wrap_sec = talkN ? round(wrapSum / talkN / 1000) : null;
    r.aht_sec = talkN ? round((talkSum + wrapSum) / talkN / 1000) : null;
    r.repeat_rate = round(ratio(r.repeat_calls, r.answered), 4);
    r.fcr = round(ratio(r.fcr_calls - r.fcr_repeated, r.fcr_calls), 4);
    r.csat_mean = r.csat_count ? round(csatSum / r.csat_count, 3) : null;
    out.push(r);
  }
  const cmpKey = (x: string | null, y: string | null) => {
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    const nx = Number(x);
    const ny = Number(y);
    return Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
  };
  // bucket_start is one ISO format: plain string order is time order (localeCompare cost a second on 75 k rows).
  const cmpStart = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return out.sort((x, y) => cmpStart(x.bucket_start, y.bucket_start) || cmpKey(x.key, y.key));
}
