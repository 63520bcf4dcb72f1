/**
 * Time renderings FreeSWITCH uses. The simulated host runs on UTC, so "local" stamps equal GMT ones and runs are
 * reproducible on any machine.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-22 08:19:34` (Event-Date-Local, *_stamp variables). */
export function localStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(
    d.getUTCMinutes(),
  )}:${p2(d.getUTCSeconds())}`;
}

/** `Sun, 22 Nov 2026 08:19:34 GMT` (switch_rfc822_date). */
export function rfc822(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(
    d.getUTCHours(),
  )}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
}

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** `0 years, 0 days, 0 hours, 1 minute, 39 seconds, 556 milliseconds, 352 microseconds` (status, HEARTBEAT). */
export function uptimeText(us: number): string {
  let rest = Math.max(0, Math.floor(us));
  const micro = rest % 1000;
  rest = Math.floor(rest / 1000);
  const milli = rest % 1000;
  rest = Math.floor(rest / 1000);
  const sec = rest % 60;
  rest = Math.floor(rest / 60);
  const min = rest % 60;
  rest = Math.floor(rest / 60);
  const hours = rest % 24;
  rest = Math.floor(rest / 24);
  const days = rest % 365;
  const years = Math.floor(rest / 365);
  return [
    plural(years, 'year'),
    plural(days, 'day'),
    plural(hours, 'hour'),
    plural(min, 'minute'),
    plural(sec, 'second'),
    plural(milli, 'millisecond'),
    plural(micro, 'microsecond'),
  ].join(', ');
}
