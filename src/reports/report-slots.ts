/**
 * The period reports' 15-minute rollup (table report_slots, migrations 1768800000000 and 1769000000000): per
 * dimension (queue, agent, did, category, team, campaign), slot and key, the sums the queue-call figures are made of
 * (counters, wait, talk, hold and wrap-up sums, transfers, 3-ways, repeat calls, FCR calls, callbacks scheduled) for the calls entered in the slot, the ticket counts (created, resolved, due and overdue in the
 * slot) and the survey answers (count and sum of scores) given in the slot, computed from acd_queue_calls and tickets with the same SQL expressions as the report over the raw tables
 * (src/reports/call-figures-sql.ts).
 *
 * Why 15 minutes: every local hour, day, week and month boundary of every zone (UTC offsets in quarter hours, DST
 * steps of 30 or 60 minutes) is a slot boundary, so the rollup serves any CENTER_TIME_ZONE, and a change of it needs
 * no rebuild. A slot is floor(UTC epoch ms / 900,000). Why not one row per slot, queue, agent and DID: a month of
 * 1 M calls has about as many such combinations as calls; one row per dimension and key is 10 to 100 times fewer.
 *
 * How it stays right: database triggers mark a slot dirty (report_rollup_dirty) whenever a row counted in it is
 * written, or a later call or ticket of the same caller changes its repeat/FCR figures; whoever writes (the ACD
 * history writer, the agent API, the tickets API, an import). Before a report reads a range, the dirty slots of that
 * range are recomputed from the raw tables (so today, with calls in progress, is as exact as last month). The
 * figures also depend on settings (each queue's service level threshold, REPORT_SHORT_ABANDON_SEC,
 * REPORT_FCR_DAYS): the rollup records the settings it was computed with (report_rollup_state), and a report with
 * other settings rebuilds it first (`npm run reports:rollup` does that ahead of time).
 *
 * One refresh or rebuild at a time per DataSource (a chain of promises): two reports never recompute the same slots
 * at once in this process. Another instance doing so concurrently is safe (each recompute replaces a slot range in
 * one transaction, and a dirty mark is cleared only if unchanged since it was read), only wasted work.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { sqlDateTime } from '../db/entities/columns';
import { ANSWERED, DID, bucketCase, callCounters, hasFcrRepeat, hasRepeat, type FigureSettings, type Statement } from './call-figures-sql';
import { type SqlDialect, sqlDialectOf } from '../db/sql-dialect';
import type { Period } from './buckets';

export const SLOT_MS = 900_000;
/** The triggers mark the slots of a caller's calls of the 90 days before a change (the largest REPORT_FCR_DAYS). */
export const ROLLUP_MAX_FCR_DAYS = 90;

export type RollupDimension = 'queue' | 'agent' | 'did' | 'category' | 'team' | 'campaign';

/** Slot numbers [from, to): whole slots. */
export interface SlotRange {
  from: number;
  to: number;
}

const CALL_COUNTERS = [
  'offered',
  'answered',
  'abandoned',
  'short_abandoned',
  'overflowed',
  'callbacks',
  'failed',
  'answered_in_sl',
  'wait_ms_sum',
  'talk_ms_sum',
  'talk_n',
  'hold_ms_sum',
  'wrap_ms_sum',
  'wrap_n',
  'hold_count',
  'transfers',
  'three_way',
  'repeat_calls',
  'fcr_calls',
  'fcr_repeated',
] as const;
const TICKET_COUNTERS = ['tickets_opened', 'tickets_resolved', 'tickets_overdue'] as const;
const CSAT_COUNTERS = ['csat_count', 'csat_sum'] as const;
const COUNTERS = [...CALL_COUNTERS, ...TICKET_COUNTERS, ...CSAT_COUNTERS, 'callbacks_scheduled'] as const;
type Counter = (typeof COUNTERS)[number];
type SlotRow = { dimension: RollupDimension; slot: number; key: string } & Record<Counter, number>;

/** dim_key is VARCHAR(255): longer keys (a DID of more than 255 characters) are cut. */
const KEY_MAX = 255;
/** Slots recomputed per statement: a day. */
const CHUNK_SLOTS = 96;
const INSERT_BATCH = 500;

/** The whole slots inside [from, to) when every period boundary in it is a slot boundary; null otherwise. */
export function slotRangeOf(from: number, to: number, periods: readonly Period[]): SlotRange | null {
  const range = { from: Math.ceil(from / SLOT_MS), to: Math.floor(to / SLOT_MS) };
  if (range.from >= range.to) return null;
  // Zones with historic offsets off the quarter hour (local mean time before 1900) would split a slot: raw instead.
  if (periods.slice(0, -1).some((p) => p.end % SLOT_MS !== 0)) return null;
  return range;
}

/** What the rollup's figures depend on besides the raw rows; a change means a rebuild. */
export function rollupSettingsKey(settings: FigureSettings): string {
  const defaultMs = settings.defaultServiceLevelSec * 1000;
  // Queues at the default threshold are left out: adding such a queue changes nothing.
  const sl = [...settings.serviceLevelSec.entries()]
    .map(([q, s]) => [q, s * 1000] as const)
    .filter(([, ms]) => ms !== defaultMs)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // v2: the handling sums and the team and campaign dimensions (migration 1769000000000).
  return JSON.stringify({ v: 2, shortAbandonMs: settings.shortAbandonSec * 1000, fcrDays: settings.fcrDays, defaultSlMs: defaultMs, sl });
}

/** Periods per statement reading the rollup (see reportSlotsStatements). */
const PERIODS_PER_READ = 48;

/**
 * The report's read of the rollup: sums per period (bucket index b) and key over [range.from, range.to). A slot's
 * tickets_overdue counts the tickets due in it, resolved late or not at all; "overdue" also needs the due time to be
 * past, so only slots ended by `now` count here (the report adds the slot holding `now` from the raw table).
 *
 * One statement per 48 periods: a month of hours by 100 agents is 75 k groups, a GROUP BY table too big for MariaDB's
 * in-memory temporary tables (tmp_table_size, 16 MB by default), which then spill to disk (4 s instead of 0.3 s).
 * Split, each statement's groups fit in memory, and the statements run side by side on the pool.
 */
export function reportSlotsStatements(dimension: RollupDimension, range: SlotRange, periods: readonly Period[], now: number): Statement[] {
  const out: Statement[] = [];
  for (let first = 0; first < periods.length; first += PERIODS_PER_READ) {
    const last = Math.min(periods.length, first + PERIODS_PER_READ) - 1;
    const from = Math.max(range.from, first === 0 ? range.from : periods[first]!.start / SLOT_MS);
    const to = Math.min(range.to, last === periods.length - 1 ? range.to : periods[last]!.end / SLOT_MS);
    if (from >= to) continue;
    const bc = bucketCase('s.slot', periods.slice(first, last).map((p) => p.end / SLOT_MS), first);
    const sums = [...CALL_COUNTERS, 'tickets_opened', 'tickets_resolved', ...CSAT_COUNTERS, 'callbacks_scheduled'].map((c) => `SUM(s.${c}) AS ${c}`);
    out.push({
      sql: `SELECT ${bc.sql} AS b, s.dim_key AS k, ${sums.join(', ')}, SUM(CASE WHEN s.slot < ? THEN s.tickets_overdue ELSE 0 END) AS tickets_overdue
        FROM report_slots s
        WHERE s.dimension = ? AND s.slot >= ? AND s.slot < ?
        GROUP BY b, k
        ORDER BY NULL`,
      params: [...bc.params, Math.floor(now / SLOT_MS), dimension, from, to],
    });
  }
  return out;
}

function slotSql(dialect: SqlDialect, col: string): string {
  // The same expression as the migration's triggers: free of the session time zone (the columns hold UTC).
  return dialect === 'mysql' ? `TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', ${col}) DIV 900` : `CAST(strftime('%s', ${col}) AS INTEGER) / 900`;
}

const HAS_TICKET = 'EXISTS (SELECT 1 FROM tickets t WHERE t.call_uuid = c.id)';

/**
 * The sums of the calls entered in [from, to) per slot, queue, agent, DID, team and campaign (for those five
 * dimensions). The team follows the agent and the campaign the queue almost always, so the groups are hardly more
 * than per (slot, queue, agent, DID).
 */
function byCallStatement(dialect: SqlDialect, settings: FigureSettings, from: number, to: number): Statement {
  const counters = callCounters(settings);
  return {
    sql: `SELECT ${slotSql(dialect, 'c.entered_at')} AS s, c.queue AS q, c.agent_id AS a, ${DID} AS d, c.team AS t, c.campaign_id AS p, ${counters.sql},
        SUM(CASE WHEN ${ANSWERED} AND ${hasRepeat(dialect, settings.fcrDays)} THEN 1 ELSE 0 END) AS repeat_calls,
        SUM(CASE WHEN ${ANSWERED} AND ${HAS_TICKET} THEN 1 ELSE 0 END) AS fcr_calls,
        SUM(CASE WHEN ${ANSWERED} AND ${HAS_TICKET} AND ${hasFcrRepeat(dialect, settings.fcrDays, null)} THEN 1 ELSE 0 END) AS fcr_repeated
      FROM acd_queue_calls c
      WHERE c.entered_at >= ? AND c.entered_at < ?
      GROUP BY s, q, a, d, t, p`,
    params: [...counters.params, sqlDateTime(from), sqlDateTime(to)],
  };
}

/** The same per slot and ticket category: a call counts once for each distinct category of its tickets. */
function byCategoryStatement(dialect: SqlDialect, settings: FigureSettings, from: number, to: number): Statement {
  const counters = callCounters(settings);
  return {
    sql: `SELECT ${slotSql(dialect, 'c.entered_at')} AS s, x.category_id AS k, ${counters.sql},
        SUM(CASE WHEN ${ANSWERED} AND ${hasRepeat(dialect, settings.fcrDays)} THEN 1 ELSE 0 END) AS repeat_calls,
        SUM(CASE WHEN ${ANSWERED} THEN 1 ELSE 0 END) AS fcr_calls,
        SUM(CASE WHEN ${ANSWERED} AND ${hasFcrRepeat(dialect, settings.fcrDays, 'x.category_id')} THEN 1 ELSE 0 END) AS fcr_repeated
      FROM (SELECT DISTINCT t.call_uuid AS id, t.category_id FROM acd_queue_calls c0 JOIN tickets t ON t.call_uuid = c0.id
        WHERE c0.entered_at >= ? AND c0.entered_at < ?) x
      JOIN acd_queue_calls c ON c.id = x.id
      GROUP BY s, k`,
    params: [...counters.params, sqlDateTime(from), sqlDateTime(to)],
  };
}

/**
 * The tickets counted in slots [from, to) per slot, queue, agent and DID (of the call made from; null without one)
 * and category: `f` says which figure (opened by created_at, resolved by resolved_at, overdue by due_at: resolved
 * after it or not at all).
 */
function ticketsStatement(dialect: SqlDialect, from: number, to: number): Statement {
  const part = (figure: string, col: string, extra: string) =>
    `SELECT '${figure}' AS f, ${slotSql(dialect, col)} AS s, c.queue AS q, c.agent_id AS a, ${DID} AS d, c.team AS tm, c.campaign_id AS p, t.category_id AS g, COUNT(*) AS n
      FROM tickets t LEFT JOIN acd_queue_calls c ON c.id = t.call_uuid
      WHERE ${col} >= ? AND ${col} < ?${extra}
      GROUP BY s, q, a, d, tm, p, g`;
  const range = [sqlDateTime(from), sqlDateTime(to)];
  return {
    sql: [
      part('tickets_opened', 't.created_at', ''),
      part('tickets_resolved', 't.resolved_at', ''),
      part('tickets_overdue', 't.due_at', ' AND (t.resolved_at IS NULL OR t.resolved_at > t.due_at)'),
    ].join('\nUNION ALL\n'),
    params: [...range, ...range, ...range],
  };
}

/**
 * The survey answers given in slots [from, to) per slot, queue and agent (the answer's own), DID (of its queue call)
 * and category (of its ticket; null: no ticket, which the category dimension leaves out).
 */
function csatStatement(dialect: SqlDialect, from: number, to: number): Statement {
  return {
    sql: `SELECT ${slotSql(dialect, 'a.answered_at')} AS s, a.queue AS q, a.agent_id AS ag, ${DID} AS d, c.team AS tm, c.campaign_id AS p, t.category_id AS g,
        COUNT(*) AS csat_count, SUM(a.score) AS csat_sum
      FROM csat_answers a LEFT JOIN acd_queue_calls c ON c.id = a.queue_call_id LEFT JOIN tickets t ON t.id = a.ticket_id
      WHERE a.answered_at >= ? AND a.answered_at < ?
      GROUP BY s, q, ag, d, tm, p, g`,
    params: [sqlDateTime(from), sqlDateTime(to)],
  };
}

/**
 * The callbacks agents scheduled in slots [from, to) (callback_requests, by requested_at) per slot, queue (the
 * campaign's), agent (the one it is for), team and campaign; they have no DID or category.
 */
function callbackRequestsStatement(dialect: SqlDialect, from: number, to: number): Statement {
  return {
    sql: `SELECT ${slotSql(dialect, 'r.requested_at')} AS s, r.queue AS q, r.agent_id AS a, r.team AS t, r.campaign_id AS p, COUNT(*) AS n
      FROM callback_requests r
      WHERE r.requested_at >= ? AND r.requested_at < ?
      GROUP BY s, q, a, t, p`,
    params: [sqlDateTime(from), sqlDateTime(to)],
  };
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

function keyText(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return s.length > KEY_MAX ? s.slice(0, KEY_MAX) : s;
}

/** The rollup rows of slots [from, to), from the raw tables. */
async function aggregate(ds: DataSource, from: number, to: number, settings: FigureSettings): Promise<SlotRow[]> {
  const dialect = sqlDialectOf(ds);
  const range: [number, number] = [from * SLOT_MS, to * SLOT_MS];
  const byCall = byCallStatement(dialect, settings, ...range);
  const byCategory = byCategoryStatement(dialect, settings, ...range);
  const tickets = ticketsStatement(dialect, ...range);
  const csat = csatStatement(dialect, ...range);
  const callbacks = callbackRequestsStatement(dialect, ...range);
  const [callRows, categoryRows, ticketRows, csatRows, callbackRows] = (await Promise.all([byCall, byCategory, tickets, csat, callbacks].map((st) => ds.query(st.sql, st.params)))) as Array<Array<Record<string, unknown>>>;
  const rows = new Map<string, SlotRow>();
  const rowOf = (dimension: RollupDimension, slot: number, key: string) => {
    const id = `${dimension}\u0000${slot}\u0000${key}`;
    let r = rows.get(id);
    if (!r) {
      r = { dimension, slot, key, ...(Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>) };
      rows.set(id, r);
    }
    return r;
  };
  const add = (dimension: RollupDimension, slot: number, key: string, x: Record<string, unknown>) => {
    const r = rowOf(dimension, slot, key);
    for (const c of CALL_COUNTERS) r[c] += num(x[c]);
  };
  // One scan gives the three call dimensions; folded here rather than grouped three times in the database.
  for (const x of callRows!) {
    const slot = num(x.s);
    add('queue', slot, keyText(x.q), x);
    add('agent', slot, keyText(x.a), x);
    add('did', slot, keyText(x.d), x);
    add('team', slot, keyText(x.t), x);
    add('campaign', slot, keyText(x.p), x);
  }
  for (const x of categoryRows!) add('category', num(x.s), keyText(x.k), x);
  for (const x of ticketRows!) {
    const slot = num(x.s);
    const figure = String(x.f) as (typeof TICKET_COUNTERS)[number];
    const n = num(x.n);
    rowOf('queue', slot, keyText(x.q))[figure] += n;
    rowOf('agent', slot, keyText(x.a))[figure] += n;
    rowOf('did', slot, keyText(x.d))[figure] += n;
    rowOf('team', slot, keyText(x.tm))[figure] += n;
    rowOf('campaign', slot, keyText(x.p))[figure] += n;
    rowOf('category', slot, keyText(x.g))[figure] += n;
  }
  for (const x of csatRows!) {
    const slot = num(x.s);
    const targets = [
      rowOf('queue', slot, keyText(x.q)),
      rowOf('agent', slot, keyText(x.ag)),
      rowOf('did', slot, keyText(x.d)),
      rowOf('team', slot, keyText(x.tm)),
      rowOf('campaign', slot, keyText(x.p)),
    ];
    if (x.g !== null && x.g !== undefined) targets.push(rowOf('category', slot, keyText(x.g)));
    for (const r of targets) for (const c of CSAT_COUNTERS) r[c] += num(x[c]);
  }
  for (const x of callbackRows!) {
    const slot = num(x.s);
    const n = num(x.n);
    for (const [dimension, key] of [['queue', x.q], ['agent', x.a], ['team', x.t], ['campaign', x.p]] as const) rowOf(dimension, slot, keyText(key)).callbacks_scheduled += n;
  }
  return [...rows.values()];
}

interface DirtyMark {
  slot: number;
  seq: unknown;
}

/** Replaces the rollup rows of slots [from, to) and clears the marks seen (unless bumped meanwhile). */
async function recompute(ds: DataSource, from: number, to: number, marks: readonly DirtyMark[], settings: FigureSettings): Promise<void> {
  // Read outside the transaction (a consistent read, no locks on the history tables); written in one transaction.
  const rows = await aggregate(ds, from, to, settings);
  await ds.transaction(async (em: EntityManager) => {
    await em.query('DELETE FROM report_slots WHERE slot >= ? AND slot < ?', [from, to]);
    const cols = ['dimension', 'slot', 'dim_key', ...COUNTERS];
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      const batch = rows.slice(i, i + INSERT_BATCH);
      await em.query(
        `INSERT INTO report_slots (${cols.join(', ')}) VALUES ${batch.map(() => `(${cols.map(() => '?').join(', ')})`).join(', ')}`,
        batch.flatMap((r) => [r.dimension, r.slot, r.key, ...COUNTERS.map((c) => r[c])]),
      );
    }
    await clearMarks(em, marks);
  });
}

/** Deletes the marks that are still as read: one bumped by a change since then stays for the next refresh. */
async function clearMarks(em: EntityManager, marks: readonly DirtyMark[]): Promise<void> {
  for (let i = 0; i < marks.length; i += INSERT_BATCH) {
    const batch = marks.slice(i, i + INSERT_BATCH);
    await em.query(`DELETE FROM report_rollup_dirty WHERE ${batch.map(() => '(slot = ? AND seq = ?)').join(' OR ')}`, batch.flatMap((m) => [m.slot, m.seq]));
  }
}

async function dirtyMarks(ds: DataSource, range: SlotRange | null): Promise<DirtyMark[]> {
  const rows = (await (range
    ? ds.query('SELECT slot, seq FROM report_rollup_dirty WHERE slot >= ? AND slot < ? ORDER BY slot', [range.from, range.to])
    : ds.query('SELECT slot, seq FROM report_rollup_dirty ORDER BY slot'))) as Array<{ slot: unknown; seq: unknown }>;
  return rows.map((r) => ({ slot: num(r.slot), seq: r.seq }));
}

/** Recomputes the dirty slots of `range` (null: all), a day of slots (or less) per statement. */
async function refresh(ds: DataSource, range: SlotRange | null, settings: FigureSettings): Promise<number> {
  const marks = await dirtyMarks(ds, range);
  let i = 0;
  while (i < marks.length) {
    // A run of marks within one chunk: the clean slots between them are recomputed too (same result, fewer statements).
    const start = marks[i]!.slot;
    let j = i;
    while (j + 1 < marks.length && marks[j + 1]!.slot < start + CHUNK_SLOTS) j++;
    await recompute(ds, start, marks[j]!.slot + 1, marks.slice(i, j + 1), settings);
    i = j + 1;
  }
  return marks.length;
}

async function writeState(ds: DataSource, key: string | null): Promise<void> {
  await ds.query('UPDATE report_rollup_state SET settings = ? WHERE id = 1', [key]);
}

export interface RebuildOptions {
  onProgress?: (done: number, total: number) => void;
  /** Stops between chunks (the rollup stays marked unbuilt: the next report or run rebuilds it). */
  signal?: AbortSignal;
}

async function rebuild(ds: DataSource, settings: FigureSettings, options: RebuildOptions = {}): Promise<void> {
  // Unusable while rebuilt: a report in another instance reads nothing half-done, it rebuilds (or waits) itself.
  await writeState(ds, null);
  const marks = await dirtyMarks(ds, null);
  // The days (of CHUNK_SLOTS slots) holding any instant a row counts at: calls entered, tickets created, resolved and
  // due, answers given. Days, not min..max: one ticket due in 2099 must not make a rebuild walk 70 empty years.
  const dialect = sqlDialectOf(ds);
  const day = (col: string) => (dialect === 'mysql' ? `(${slotSql(dialect, col)}) DIV ${CHUNK_SLOTS}` : `(${slotSql(dialect, col)}) / ${CHUNK_SLOTS}`);
  const dayRows = (await ds.query(
    `SELECT DISTINCT ${day('entered_at')} AS d FROM acd_queue_calls
      UNION SELECT DISTINCT ${day('created_at')} FROM tickets
      UNION SELECT DISTINCT ${day('resolved_at')} FROM tickets WHERE resolved_at IS NOT NULL
      UNION SELECT DISTINCT ${day('due_at')} FROM tickets WHERE due_at IS NOT NULL
      UNION SELECT DISTINCT ${day('answered_at')} FROM csat_answers
      UNION SELECT DISTINCT ${day('requested_at')} FROM callback_requests`,
  )) as Array<{ d: unknown }>;
  const days = [...new Set(dayRows.map((r) => num(r.d)))].sort((a, b) => a - b);
  await ds.query('DELETE FROM report_slots');
  for (const [i, d] of days.entries()) {
    if (options.signal?.aborted) return;
    const [from, to] = [d * CHUNK_SLOTS, (d + 1) * CHUNK_SLOTS];
    await recompute(ds, from, to, marks.filter((m) => m.slot >= from && m.slot < to), settings);
    options.onProgress?.(i + 1, days.length);
  }
  // Marks of slots left without rows (what counted there was deleted): their rows went with the DELETE above.
  const built = new Set(days);
  const outside = marks.filter((m) => !built.has(Math.floor(m.slot / CHUNK_SLOTS)));
  if (outside.length) await ds.transaction((em) => clearMarks(em, outside));
  await writeState(ds, rollupSettingsKey(settings));
}

const chains = new WeakMap<DataSource, Promise<unknown>>();
/** Runs `fn` after every earlier rollup job of this DataSource. */
function exclusive<T>(ds: DataSource, fn: () => Promise<T>): Promise<T> {
  const next = (chains.get(ds) ?? Promise.resolve()).then(fn);
  chains.set(
    ds,
    next.catch(() => undefined),
  );
  return next;
}

/**
 * Brings the rollup of `range` up to date for `settings`: recomputes its dirty slots, or rebuilds the whole rollup
 * when it was computed with other settings (or never). Afterwards report_slots holds exact sums for the range
 * (null: every slot).
 */
export function updateReportSlots(ds: DataSource, range: SlotRange | null, settings: FigureSettings, options: RebuildOptions = {}): Promise<void> {
  return exclusive(ds, async () => {
    const [state] = (await ds.query('SELECT settings FROM report_rollup_state WHERE id = 1')) as Array<{ settings: unknown }>;
    if (state?.settings !== rollupSettingsKey(settings)) await rebuild(ds, settings, options);
    else await refresh(ds, range, settings);
  });
}

/** Recomputes the whole rollup from the raw tables (the reports:rollup script, the bench, a settings change). */
export function rebuildReportSlots(ds: DataSource, settings: FigureSettings, options: RebuildOptions = {}): Promise<void> {
  return exclusive(ds, () => rebuild(ds, settings, options));
}
