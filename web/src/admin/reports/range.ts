/** Report ranges: whole UTC days picked in date fields, the default span per bucket size, bucket labels. */
import type { Bucket } from './types';

const DAY = 86_400_000;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The default range of a bucket size, ending today (UTC): 2 days of hours, 14 days, 12 weeks. */
export function defaultRange(bucket: Bucket, now = Date.now()): { from: string; to: string } {
  const days = bucket === 'hour' ? 1 : bucket === 'day' ? 13 : 83;
  return { from: utcDay(now - days * DAY), to: utcDay(now) };
}

/** The API's from/to (ISO, `to` exclusive) for the days from..to inclusive. */
export function rangeQuery(from: string, to: string): { from: string; to: string } {
  const end = Date.parse(`${to}T00:00:00Z`) + DAY;
  return { from: `${from}T00:00:00Z`, to: Number.isNaN(end) ? `${to}T00:00:00Z` : new Date(end).toISOString() };
}

/** A bucket's start in UTC, as short as the bucket size allows. */
export function bucketLabel(iso: string, bucket: Bucket): string {
  const d = iso.slice(0, 10);
  if (bucket === 'hour') return `${d} ${iso.slice(11, 16)} UTC`;
  return bucket === 'week' ? `week of ${d}` : d;
}

const HOUR = 3_600_000;
const LENGTH: Record<Bucket, number> = { hour: HOUR, day: DAY, week: 7 * DAY };

/** The start of the bucket holding `ms`, as the API buckets (UTC hours, UTC days, ISO weeks from Monday). */
export function bucketStart(ms: number, bucket: Bucket): number {
  if (bucket === 'hour') return Math.floor(ms / HOUR) * HOUR;
  const day = Math.floor(ms / DAY) * DAY;
  if (bucket === 'day') return day;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}

/**
 * Every bucket start (seconds) of [from, to): the API leaves out buckets without calls, the chart shows them as 0
 * so its time axis is the range asked for. Capped, so a long hourly range cannot build a huge array.
 */
export function bucketsOf(fromIso: string, toIso: string, bucket: Bucket, max = 2000): number[] {
  const out: number[] = [];
  const to = Date.parse(toIso);
  for (let b = bucketStart(Date.parse(fromIso), bucket); b < to && out.length < max; b += LENGTH[bucket]) out.push(b / 1000);
  return out;
}
