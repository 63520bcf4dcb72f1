/**
 * The SQL of the queue-call figures of the period reports, in one place: the report over the raw tables
 * (src/reports/period-report.ts) and the 15-minute rollup (src/reports/report-slots.ts) build their statements from
 * these expressions, so the two count a call the same way by construction.
 *
 * Every expression reads the queue call as `c` (acd_queue_calls). Definitions: README "Period reports".
 */
import type { SqlDialect } from '../db/sql-dialect';
import type { PeriodReportSettings } from './period-report';



export interface Statement {
  sql: string;
  params: unknown[];
}

/** Answered: outcome answered, or no outcome yet while answered_at is set (a call still talking). */
export const ANSWERED = "(c.outcome = 'answered' OR (c.outcome IS NULL AND c.answered_at IS NOT NULL))";
/** Answered with a talk time (ended, or a talk time written): the calls the AHT figures are means over. */
const TALKED = `${ANSWERED} AND c.talk_ms IS NOT NULL`;
/** The call's DID: the "did" field of its data (JSON text, set by the IVR); json_extract exists on both engines. */
export const DID = `REPLACE(json_extract(c.data, '$.did'), '"', '')`;
/** Distinct (call, category) pairs of the tickets made from calls. */
export const CALL_CATEGORIES = '(SELECT DISTINCT call_uuid, category_id FROM tickets WHERE call_uuid IS NOT NULL)';

export type FigureSettings = Pick<PeriodReportSettings, 'shortAbandonSec' | 'fcrDays' | 'serviceLevelSec' | 'defaultServiceLevelSec'>;

/** `t + days`, on the UTC text (SQLite) or DATETIME(3) (MariaDB) the columns hold. */
export function plusDays(dialect: SqlDialect, col: string, days: number): string {
  if (!Number.isInteger(days) || days < 0) throw new Error('fcrDays must be a whole number of days');
  return dialect === 'mysql' ? `DATE_ADD(${col}, INTERVAL ${days} DAY)` : `strftime('%Y-%m-%d %H:%M:%f', ${col}, '+${days} days')`;
}

/**
 * The counters summed per group, as a SELECT list: offered, answered, abandoned, short_abandoned, overflowed,
 * callbacks, failed, answered_in_sl, wait_ms_sum, talk_ms_sum, talk_n, and the handling sums of the answered calls
 * with a talk time (the AHT split): hold_ms_sum (each call's hold, at most its talk time, which includes it),
 * wrap_ms_sum and wrap_n (those with a wrap-up recorded), hold_count, transfers, three_way. The service level
 * threshold is the queue's (`CASE c.queue WHEN ? THEN ? ... ELSE default END`, in ms).
 */
export function callCounters(settings: FigureSettings): Statement {
  const sl = [...settings.serviceLevelSec.entries()];
  const slSql = sl.length ? `CASE c.queue ${sl.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ? END` : '?';
  const slParams = [...sl.flatMap(([q, s]) => [q, s * 1000]), settings.defaultServiceLevelSec * 1000];
  return {
    sql: `COUNT(*) AS offered,
        SUM(CASE WHEN ${ANSWERED} THEN 1 ELSE 0 END) AS answered,
        SUM(CASE WHEN c.outcome = 'abandoned' THEN 1 ELSE 0 END) AS abandoned,
        SUM(CASE WHEN c.outcome = 'abandoned' AND c.wait_ms < ? THEN 1 ELSE 0 END) AS short_abandoned,
        SUM(CASE WHEN c.outcome = 'overflowed' THEN 1 ELSE 0 END) AS overflowed,
        SUM(CASE WHEN c.outcome = 'callback_requested' THEN 1 ELSE 0 END) AS callbacks,
        SUM(CASE WHEN c.outcome = 'failed' THEN 1 ELSE 0 END) AS failed,
        SUM(CASE WHEN ${ANSWERED} AND COALESCE(c.wait_ms, 0) <= ${slSql} THEN 1 ELSE 0 END) AS answered_in_sl,
        SUM(CASE WHEN ${ANSWERED} THEN COALESCE(c.wait_ms, 0) ELSE 0 END) AS wait_ms_sum,
        SUM(CASE WHEN ${ANSWERED} AND c.talk_ms IS NOT NULL THEN c.talk_ms ELSE 0 END) AS talk_ms_sum,
        SUM(CASE WHEN ${ANSWERED} AND c.talk_ms IS NOT NULL THEN 1 ELSE 0 END) AS talk_n,
        SUM(CASE WHEN ${TALKED} THEN (CASE WHEN c.hold_ms < c.talk_ms THEN c.hold_ms ELSE c.talk_ms END) ELSE 0 END) AS hold_ms_sum,
        SUM(CASE WHEN ${TALKED} AND c.wrap_ms IS NOT NULL THEN c.wrap_ms ELSE 0 END) AS wrap_ms_sum,
        SUM(CASE WHEN ${TALKED} AND c.wrap_ms IS NOT NULL THEN 1 ELSE 0 END) AS wrap_n,
        SUM(c.hold_count) AS hold_count,
        SUM(c.transfers) AS transfers,
        SUM(c.three_way) AS three_way`,
    params: [settings.shortAbandonSec * 1000, ...slParams],
  };
}

/** True when another queue call of the same caller number entered strictly later, at most fcrDays days after. */
export function hasRepeat(dialect: SqlDialect, fcrDays: number): string {
  return `EXISTS (SELECT 1 FROM acd_queue_calls r
          WHERE r.caller_number = c.caller_number AND r.entered_at > c.entered_at AND r.entered_at <= ${plusDays(dialect, 'c.entered_at', fcrDays)})`;
}

/**
 * True when a later call of the same caller number within fcrDays days has a ticket of the same category:
 * `category` is the SQL of the category compared (one ticket category of `c`, for the category dimension), or null
 * for "any category of c's tickets" (the other dimensions).
 */
export function hasFcrRepeat(dialect: SqlDialect, fcrDays: number, category: string | null): string {
  const sameCategory = category === null ? 'rt.category_id IN (SELECT t2.category_id FROM tickets t2 WHERE t2.call_uuid = c.id)' : `rt.category_id = ${category}`;
  return `EXISTS (SELECT 1 FROM acd_queue_calls r JOIN tickets rt ON rt.call_uuid = r.id
          WHERE r.caller_number = c.caller_number AND r.entered_at > c.entered_at AND r.entered_at <= ${plusDays(dialect, 'c.entered_at', fcrDays)}
            AND ${sameCategory})`;
}

/**
 * The period index of `col` (0 .. ends.length) from the period ends (`ends`: the first instant after each period but
 * the last, ascending, as the column compares them); the caller's WHERE keeps col inside the report range. A balanced
 * tree of `CASE WHEN col < ? THEN ... ELSE ... END`: about log2(n) comparisons per row, where a flat CASE makes up to
 * n (744 for a month of hours, which made the hour reports ten times slower than the day reports).
 */
export function bucketCase(col: string, ends: readonly unknown[], firstIndex = 0): Statement {
  const params: unknown[] = [];
  // Periods lo..hi (inclusive); ends[i] separates period i from i + 1; firstIndex numbers the first period.
  const node = (lo: number, hi: number): string => {
    if (lo === hi) return String(lo + firstIndex);
    const mid = (lo + hi) >> 1;
    params.push(ends[mid]);
    const below = node(lo, mid);
    const above = node(mid + 1, hi);
    return `CASE WHEN ${col} < ? THEN ${below} ELSE ${above} END`;
  };
  const sql = node(0, ends.length);
  return { sql, params };
}
