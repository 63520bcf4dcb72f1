/**
 * Condition evaluation for `condition` nodes: time of day, day of week and dates are read in the flow's time zone
 * with Intl (so DST changes are the tz database's, not ours); caller number and call variables as given.
 */
import { wallClock } from '../clock/wall-clock';
import type { Condition, DateSpec, DayOfWeek } from './flow-schema';

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: DayOfWeek;
  /** Minutes since local midnight. */
  minutes: number;
}

export interface ConditionScope {
  /** ms since the epoch. */
  now: number;
  timeZone: string;
  callerNumber: string;
  variables: Readonly<Record<string, string>>;
}

/** The wall-clock date and time at `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const l = wallClock(ms, timeZone);
  return { year: l.year, month: l.month, day: l.day, weekday: l.weekday, minutes: l.hour * 60 + l.minute };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** `from` inclusive, `to` exclusive; a range with `to` before `from` wraps midnight (22:00-06:00). */
export function inTimeRange(minutes: number, from: string, to: string): boolean {
  const f = toMinutes(from);
  const t = toMinutes(to);
  return f < t ? minutes >= f && minutes < t : minutes >= f || minutes < t;
}

function dateMatches(spec: DateSpec, t: LocalTime): boolean {
  if (typeof spec === 'string') {
    const [y, m, d] = spec.split('-').map(Number);
    return y === t.year && m === t.month && d === t.day;
  }
  return spec.month === t.month && spec.day === t.day;
}

// Caller numbers are short; the cut keeps a bad pattern from spending long on hostile input.
const MAX_MATCH_INPUT = 256;

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value.slice(0, MAX_MATCH_INPUT));
  } catch {
    return false;
  }
}

/** Evaluates a condition; time parts are computed once per call. */
export function evaluateCondition(cond: Condition, scope: ConditionScope): boolean {
  let local: LocalTime | undefined;
  const now = () => (local ??= localTime(scope.now, scope.timeZone));
  const has = (name: string) => Object.prototype.hasOwnProperty.call(scope.variables, name);
  const ev = (c: Condition): boolean => {
    if ('all' in c) return c.all.every(ev);
    if ('any' in c) return c.any.some(ev);
    if ('not' in c) return !ev(c.not);
    if ('timeOfDay' in c) return inTimeRange(now().minutes, c.timeOfDay.from, c.timeOfDay.to);
    if ('daysOfWeek' in c) return c.daysOfWeek.includes(now().weekday);
    if ('dateIn' in c) return c.dateIn.some((d) => dateMatches(d, now()));
    if ('callerNumber' in c) {
      const { pattern, prefix } = c.callerNumber;
      if (prefix !== undefined) return scope.callerNumber.startsWith(prefix);
      return pattern !== undefined && safeTest(pattern, scope.callerNumber);
    }
    const v = c.variable;
    const value = has(v.name) ? scope.variables[v.name] : undefined;
    if (v.exists !== undefined) return (value !== undefined && value !== '') === v.exists;
    if (v.equals !== undefined) return value === v.equals;
    if (v.matches !== undefined) return value !== undefined && safeTest(v.matches, value);
    return false;
  };
  return ev(cond);
}
