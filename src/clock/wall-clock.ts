/**
 * Wall-clock time in an IANA zone, the one implementation the IVR's time conditions, the dialer's calling windows and
 * the period reports share: the local date and time at an instant (Intl, cached formatter per zone), the zone's
 * offset, and the instant of a local date and time across DST changes.
 */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: Weekday;
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
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock date and time at `ms` in `timeZone` (throws a RangeError for an unknown zone). */
export function wallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: parts.weekday!.slice(0, 3).toLowerCase() as Weekday,
  };
}

/** The zone's offset from UTC at an instant, in ms (local = utc + offset). */
export function offsetAt(ms: number, timeZone: string): number {
  const l = wallClock(ms, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of wall-clock `minutes` after midnight of the local date (year, month, day) in `timeZone`. A wall time
 * that happens twice (the repeated hour of a fall-back): the first one. A wall time skipped by a spring-forward (02:30
 * in New York on its DST day): the instant it would be at the offset before the gap (03:30 after it), so the start
 * of a skipped hour, or of a day without a local midnight, is the change itself.
 */
export function zonedInstant(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const candidates = new Set<number>();
  for (const probe of [wall - 14 * HOUR, wall, wall + 14 * HOUR]) candidates.add(wall - offsetAt(probe, timeZone));
  candidates.add(wall - offsetAt(wall - offsetAt(wall, timeZone), timeZone));
  const valid = [...candidates].filter((t) => t + offsetAt(t, timeZone) === wall).sort((a, b) => a - b);
  if (valid.length) return valid[0]!;
  // A gap: the latest candidate is the wall time at the offset before the change.
  return Math.max(...candidates);
}
