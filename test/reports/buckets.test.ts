import { zonedInstant } from '../../src/clock/wall-clock';
import { isValidTimeZone, periodsOf } from '../../src/reports/buckets';

const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;

describe('period buckets in the center time zone', () => {
  it('America/New_York 2026-03-08: a 23-hour day', () => {
    const from = Date.parse('2026-03-07T05:00:00Z'); // local midnight EST
    const to = Date.parse('2026-03-10T04:00:00Z'); // local midnight EDT
    const days = periodsOf(from, to, 'day', 'America/New_York');
    expect(days.map((d) => d.label)).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(days.map((d) => (d.end - d.start) / H)).toEqual([24, 23, 24]);
    expect(iso(days[1]!.start)).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(days[1]!.end)).toBe('2026-03-09T04:00:00.000Z');
    // Hours of that day: 23 of them, 02:00 local never happens.
    const hours = periodsOf(days[1]!.start, days[1]!.end, 'hour', 'America/New_York');
    expect(hours).toHaveLength(23);
    expect(hours.map((h) => h.label)).not.toContain('2026-03-08T02:00');
    expect(hours[2]!.label).toBe('2026-03-08T03:00');
  });

  it('America/New_York 2026-11-01: a 25-hour day', () => {
    const days = periodsOf(Date.parse('2026-11-01T04:00:00Z'), Date.parse('2026-11-02T05:00:00Z'), 'day', 'America/New_York');
    expect(days).toHaveLength(1);
    expect(days[0]!.label).toBe('2026-11-01');
    expect((days[0]!.end - days[0]!.start) / H).toBe(25);
    const hours = periodsOf(days[0]!.start, days[0]!.end, 'hour', 'America/New_York');
    expect(hours).toHaveLength(25);
    expect(hours.filter((h) => h.label === '2026-11-01T01:00')).toHaveLength(2);
  });

  it('Europe/Berlin: March 2026 (DST on the 29th) is 31 days less one hour; the day buckets add up', () => {
    const months = periodsOf(Date.parse('2026-03-10T12:00:00Z'), Date.parse('2026-03-11T00:00:00Z'), 'month', 'Europe/Berlin');
    expect(months).toHaveLength(1);
    expect(months[0]!.label).toBe('2026-03');
    expect(iso(months[0]!.start)).toBe('2026-02-28T23:00:00.000Z');
    expect(iso(months[0]!.end)).toBe('2026-03-31T22:00:00.000Z');
    expect((months[0]!.end - months[0]!.start) / H).toBe(31 * 24 - 1);
    const days = periodsOf(months[0]!.start, months[0]!.end, 'day', 'Europe/Berlin');
    expect(days).toHaveLength(31);
    expect(days[0]!.start).toBe(months[0]!.start);
    expect(days[30]!.end).toBe(months[0]!.end);
    for (let i = 1; i < days.length; i++) expect(days[i]!.start).toBe(days[i - 1]!.end);
    expect(days.find((d) => d.label === '2026-03-29')!.end - days.find((d) => d.label === '2026-03-29')!.start).toBe(23 * H);
    // October: 25-hour day on the 25th, month of 31 days plus one hour.
    const oct = periodsOf(Date.parse('2026-10-15T00:00:00Z'), Date.parse('2026-10-16T00:00:00Z'), 'month', 'Europe/Berlin')[0]!;
    expect((oct.end - oct.start) / H).toBe(31 * 24 + 1);
  });

  it('weeks start on Monday at local midnight', () => {
    // 2026-03-11 is a Wednesday.
    const weeks = periodsOf(Date.parse('2026-03-11T15:00:00Z'), Date.parse('2026-03-20T00:00:00Z'), 'week', 'America/New_York');
    expect(weeks.map((w) => w.label)).toEqual(['2026-03-09', '2026-03-16']);
    expect(iso(weeks[0]!.start)).toBe('2026-03-09T04:00:00.000Z');
    expect(new Date(weeks[0]!.start - 4 * H).getUTCDay()).toBe(1);
    // The week holding the spring-forward change is 167 hours long.
    const dstWeek = periodsOf(Date.parse('2026-03-08T12:00:00Z'), Date.parse('2026-03-08T13:00:00Z'), 'week', 'America/New_York')[0]!;
    expect(dstWeek.label).toBe('2026-03-02');
    expect((dstWeek.end - dstWeek.start) / H).toBe(167);
    // A Sunday late evening local (Monday UTC) still belongs to the week before.
    const sunday = periodsOf(Date.parse('2026-03-16T02:00:00Z'), Date.parse('2026-03-16T03:00:00Z'), 'week', 'America/New_York')[0]!;
    expect(sunday.label).toBe('2026-03-09');
    // UTC weeks, and a year boundary.
    const utc = periodsOf(Date.parse('2026-12-30T00:00:00Z'), Date.parse('2027-01-05T00:00:00Z'), 'week', 'UTC');
    expect(utc.map((w) => w.label)).toEqual(['2026-12-28', '2027-01-04']);
  });

  it('a local midnight that does not exist starts the day at the change (America/Santiago, 2026-09-06)', () => {
    const t = zonedInstant(2026, 9, 6, 0, 'America/Santiago');
    expect(iso(t)).toBe('2026-09-06T04:00:00.000Z');
    const days = periodsOf(t, t + 1, 'day', 'America/Santiago');
    expect(days[0]!.label).toBe('2026-09-06');
    expect((days[0]!.end - days[0]!.start) / H).toBe(23);
  });

  it('validates zone names', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
