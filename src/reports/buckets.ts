/**
 * Period boundaries in the center's time zone (CENTER_TIME_ZONE): pure, from Intl's zone data, no clock.
 *
 * A day is local midnight to local midnight, so it lasts 23 or 25 hours on a DST change day; a week starts on Monday
 * at local midnight; a month on the 1st at local midnight; an hour is 60 minutes of UTC time starting on a local hour
 * (exact for every zone whose offsets are whole hours, and for half-hour zones like Asia/Kolkata, which step by whole
 * hours; zones with a 30-minute DST step, Australia/Lord_Howe, get hours cut at UTC-aligned instants across the change).
 * When a local midnight does not exist (a zone that springs forward at 00:00), the period starts at the change.
 */

export type PeriodBucket = 'hour' | 'day' | 'week' | 'month';
export const PERIOD_BUCKETS = ['hour', 'day', 'week', 'month'] as const satisfies readonly PeriodBucket[];

export interface Period {
  /** First instant of the period (inclusive). */
  start: number;
  /** First instant after it (exclusive). */
  end: number;
  /** Local label: YYYY-MM-DD for day and week (the Monday), YYYY-MM for month, YYYY-MM-DDTHH:00 for hour. */
  label: string;
}

const HOUR = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export { isValidTimeZone } from '../dialer/leads/time-zones';

export interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time in the zone at an instant. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at an instant, in ms (local = utc + offset). */
export function offsetAt(ms: number, timeZone: string): number {
  const l = localTime(ms, timeZone);
  const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens. Ambiguous (the repeated hour of a fall-back): the first one. Missing
 * (the skipped hour of a spring-forward): the change itself (the first instant at or after that wall time).
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  const candidates = new Set<number>();
  for (const probe of [wall - 14 * HOUR, wall, wall + 14 * HOUR]) candidates.add(wall - offsetAt(probe, timeZone));
  candidates.add(wall - offsetAt(wall - offsetAt(wall, timeZone), timeZone));
  const valid = [...candidates].filter((t) => t + offsetAt(t, timeZone) === wall).sort((a, b) => a - b);
  if (valid.length) return valid[0]!;
  // A gap: the change instant is wall - (the offset before it), the latest of the candidates.
  return Math.max(...candidates);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Civil-date arithmetic on a proleptic Gregorian calendar (via UTC, which has no DST). */
function addDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function periodStartAt(ms: number, bucket: PeriodBucket, timeZone: string): { start: number; label: string; next: () => { start: number; label: string } } {
  const l = localTime(ms, timeZone);
  if (bucket === 'hour') {
    // Floor to the local hour: subtract the local minutes and seconds.
    const start = Math.floor(ms / 1000) * 1000 - (l.minute * 60 + l.second) * 1000;
    const label = (t: number) => {
      const x = localTime(t, timeZone);
      return `${x.year}-${pad(x.month)}-${pad(x.day)}T${pad(x.hour)}:00`;
    };
    return { start, label: label(start), next: () => ({ start: start + HOUR, label: label(start + HOUR) }) };
  }
  let date = { year: l.year, month: l.month, day: l.day };
  if (bucket === 'week') {
    const weekday = (new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay() + 6) % 7; // Monday 0
    date = addDays(date.year, date.month, date.day, -weekday);
  } else if (bucket === 'month') date = { year: l.year, month: l.month, day: 1 };
  const labelOf = (d: typeof date) => (bucket === 'month' ? `${d.year}-${pad(d.month)}` : `${d.year}-${pad(d.month)}-${pad(d.day)}`);
  const start = zonedInstant(date.year, date.month, date.day, 0, timeZone);
  const nextDate =
    bucket === 'day'
      ? addDays(date.year, date.month, date.day, 1)
      : bucket === 'week'
        ? addDays(date.year, date.month, date.day, 7)
        : date.month === 12
          ? { year: date.year + 1, month: 1, day: 1 }
          : { year: date.year, month: date.month + 1, day: 1 };
  return {
    start,
    label: labelOf(date),
    next: () => ({ start: zonedInstant(nextDate.year, nextDate.month, nextDate.day, 0, timeZone), label: labelOf(nextDate) }),
  };
}

/**
 * The periods covering [from, to): the first starts at or before `from` (its period's start), the last ends at or
 * after `to`. Callers count rows in [from, to) only, so partial first and last periods hold partial figures.
 */
export function periodsOf(from: number, to: number, bucket: PeriodBucket, timeZone: string): Period[] {
  if (!(to > from)) return [];
  const out: Period[] = [];
  let cur = periodStartAt(from, bucket, timeZone);
  for (;;) {
    const next = cur.next();
    out.push({ start: cur.start, end: next.start, label: cur.label });
    if (next.start >= to) break;
    cur = periodStartAt(next.start, bucket, timeZone);
  }
  return out;
}
