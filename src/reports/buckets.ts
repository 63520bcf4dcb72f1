/**
 * Period boundaries in the center's time zone (CENTER_TIME_ZONE): pure, from Intl's zone data, no clock.
 *
 * A day is local midnight to local midnight, so it lasts 23 or 25 hours on a DST change day; a week starts on Monday
 * at local midnight; a month on the 1st at local midnight; an hour is 60 minutes of UTC time starting on a local hour
 * (exact for every zone whose offsets are whole hours, and for half-hour zones like Asia/Kolkata, which step by whole
 * hours; zones with a 30-minute DST step, Australia/Lord_Howe, get hours cut at UTC-aligned instants across the change).
 * When a local midnight does not exist (a zone that springs forward at 00:00), the period starts at the change.
 */
import { wallClock, zonedInstant } from '../clock/wall-clock';

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

export { isValidTimeZone } from '../dialer/leads/time-zones';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Civil-date arithmetic on a proleptic Gregorian calendar (via UTC, which has no DST). */
function addDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function periodStartAt(ms: number, bucket: PeriodBucket, timeZone: string): { start: number; label: string; next: () => { start: number; label: string } } {
  const l = wallClock(ms, timeZone);
  if (bucket === 'hour') {
    // Floor to the local hour: subtract the local minutes and seconds.
    const start = Math.floor(ms / 1000) * 1000 - (l.minute * 60 + l.second) * 1000;
    const label = (t: number) => {
      const x = wallClock(t, timeZone);
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
