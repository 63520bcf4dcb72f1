import { zonedInstant } from '../../src/clock/wall-clock';
import { callingWindowOpen, localTime } from '../../src/dialer/leads/calling-window';
import { normalisePhone } from '../../src/dialer/leads/normalise';

const campaign = { timezone: 'Europe/London', window_start: '09:00', window_end: '21:00' };
const ny = { time_zones: ['America/New_York'] };
const at = (iso: string) => new Date(iso);

describe('calling windows', () => {
  it('opens at 09:00 local and closes at 21:00 local (end exclusive)', () => {
    expect(callingWindowOpen(ny, campaign, at('2026-06-01T12:59:00Z')).open).toBe(false); // 08:59 EDT
    expect(callingWindowOpen(ny, campaign, at('2026-06-01T13:00:00Z'))).toEqual({ open: true });
    expect(callingWindowOpen(ny, campaign, at('2026-06-02T00:59:00Z')).open).toBe(true); // 20:59 EDT
    const closed = callingWindowOpen(ny, campaign, at('2026-06-02T01:00:00Z')); // 21:00 EDT
    expect(closed.open).toBe(false);
    expect(closed.reason).toMatch(/America\/New_York 21:00/);
    expect(closed.nextOpenAt).toEqual(at('2026-06-02T13:00:00Z'));
  });

  it('follows the US spring-forward change (2026-03-08): 09:00 is 14:00Z the day before, 13:00Z that day', () => {
    expect(callingWindowOpen(ny, campaign, at('2026-03-07T13:30:00Z')).open).toBe(false); // 08:30 EST
    expect(callingWindowOpen(ny, campaign, at('2026-03-07T13:30:00Z')).nextOpenAt).toEqual(at('2026-03-07T14:00:00Z'));
    expect(callingWindowOpen(ny, campaign, at('2026-03-08T13:00:00Z')).open).toBe(true); // 09:00 EDT
    expect(callingWindowOpen(ny, campaign, at('2026-03-08T12:59:00Z')).nextOpenAt).toEqual(at('2026-03-08T13:00:00Z'));
    // Closed overnight before the change: next open is 09:00 EDT on the change day.
    expect(callingWindowOpen(ny, campaign, at('2026-03-08T05:00:00Z')).nextOpenAt).toEqual(at('2026-03-08T13:00:00Z'));
  });

  it('follows the US fall-back change (2026-11-01): 09:00 is 14:00Z that day', () => {
    expect(callingWindowOpen(ny, campaign, at('2026-10-31T13:00:00Z')).open).toBe(true); // 09:00 EDT
    expect(callingWindowOpen(ny, campaign, at('2026-11-01T13:30:00Z')).open).toBe(false); // 08:30 EST
    expect(callingWindowOpen(ny, campaign, at('2026-11-01T13:30:00Z')).nextOpenAt).toEqual(at('2026-11-01T14:00:00Z'));
    // 20:59 EST = 01:59Z next day is still open; 21:00 EST closed.
    expect(callingWindowOpen(ny, campaign, at('2026-11-02T01:59:00Z')).open).toBe(true);
    expect(callingWindowOpen(ny, campaign, at('2026-11-02T02:00:00Z')).open).toBe(false);
  });

  it('resolves skipped and repeated wall times', () => {
    expect(new Date(zonedInstant(2026, 3, 8, 150, 'America/New_York'))).toEqual(at('2026-03-08T07:30:00Z')); // 02:30 does not exist -> 03:30 EDT
    expect(new Date(zonedInstant(2026, 11, 1, 90, 'America/New_York'))).toEqual(at('2026-11-01T05:30:00Z')); // first 01:30 (EDT)
    expect(localTime('America/Los_Angeles', at('2026-03-08T09:59:00Z')).minutes).toBe(60 + 59); // 01:59 PST
    expect(localTime('America/Los_Angeles', at('2026-03-08T10:00:00Z')).minutes).toBe(3 * 60); // then straight to 03:00 PDT
  });

  it('applies the most restrictive window across ambiguous zones', () => {
    const both = { time_zones: ['America/New_York', 'America/Los_Angeles'] };
    const d = callingWindowOpen(both, campaign, at('2026-06-01T14:00:00Z')); // 10:00 EDT, 07:00 PDT
    expect(d.open).toBe(false);
    expect(d.reason).toMatch(/Los_Angeles 07:00/);
    expect(d.reason).not.toMatch(/New_York/);
    expect(d.nextOpenAt).toEqual(at('2026-06-01T16:00:00Z')); // 09:00 PDT
    expect(callingWindowOpen(both, campaign, at('2026-06-02T00:59:00Z')).open).toBe(true); // 20:59 EDT, 17:59 PDT
    expect(callingWindowOpen(both, campaign, at('2026-06-02T01:00:00Z')).open).toBe(false); // 21:00 EDT
  });

  it('finds the overlap of far-apart zones, or says there is none', () => {
    const tokyoLa = { time_zones: ['Asia/Tokyo', 'America/Los_Angeles'] };
    expect(callingWindowOpen(tokyoLa, campaign, at('2026-06-01T14:00:00Z')).nextOpenAt).toEqual(at('2026-06-02T00:00:00Z'));
    const narrow = { ...campaign, window_start: '09:00', window_end: '10:00' };
    const none = callingWindowOpen(tokyoLa, narrow, at('2026-06-01T14:00:00Z'));
    expect(none.open).toBe(false);
    expect(none.nextOpenAt).toBeUndefined();
    expect(none.reason).toMatch(/never opens/);
  });

  it("uses the campaign's zone when the lead has none, and reads the stored JSON text", () => {
    expect(callingWindowOpen({ time_zones: '[]' }, campaign, at('2026-06-01T08:00:00Z')).open).toBe(true); // 09:00 BST
    expect(callingWindowOpen({ time_zones: 'not json' }, campaign, at('2026-06-01T07:59:00Z')).open).toBe(false);
    expect(callingWindowOpen({ time_zones: '["Asia/Tokyo"]' }, campaign, at('2026-06-01T00:00:00Z')).open).toBe(true);
  });

  it('supports windows across midnight and rejects malformed ones', () => {
    const night = { ...campaign, window_start: '22:00', window_end: '02:00' };
    expect(callingWindowOpen({ time_zones: ['UTC'] }, night, at('2026-06-01T23:00:00Z')).open).toBe(true);
    expect(callingWindowOpen({ time_zones: ['UTC'] }, night, at('2026-06-01T01:59:00Z')).open).toBe(true);
    expect(callingWindowOpen({ time_zones: ['UTC'] }, night, at('2026-06-01T02:00:00Z')).nextOpenAt).toEqual(at('2026-06-01T22:00:00Z'));
    expect(callingWindowOpen(ny, { ...campaign, window_start: '9:00' }, at('2026-06-01T14:00:00Z'))).toEqual({ open: false, reason: expect.stringMatching(/malformed/) });
  });

  it('derives zones from the number: NANP area codes, single-zone countries, ambiguous fallbacks', () => {
    const zones = (raw: string, c = 'US') => {
      const p = normalisePhone(raw, c);
      return p.ok ? p.timeZones : p.reason;
    };
    expect(zones('(212) 555-0123')).toEqual(['America/New_York']);
    expect(zones('+1 415 555 0123')).toEqual(['America/Los_Angeles']);
    expect(zones('+1 850 555 0123')).toEqual(['America/New_York', 'America/Chicago']);
    expect(zones('+1 416 555 0123')).toEqual(['America/Toronto']);
    expect(zones('+44 20 7946 0958')).toEqual(['Europe/London']);
    expect(zones('01 42 68 53 00', 'FR')).toEqual(['Europe/Paris']);
    expect(zones('+61 2 9374 4000')).toContain('Australia/Perth');
    // A 213 LA number called in the NY morning is closed (LA is 3 hours behind).
    const p = normalisePhone('213-555-0123', 'US');
    expect(p.ok && callingWindowOpen({ time_zones: p.timeZones }, campaign, at('2026-06-01T14:00:00Z')).open).toBe(false);
  });
});
