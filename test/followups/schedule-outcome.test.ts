import { followupTime, requestedAt } from '../../src/followups/schedule';
import { outcomeOfDisposition, outcomeOfLead, outcomeOfScore, replaces } from '../../src/followups/outcome';

const campaign = { timezone: 'UTC', window_start: '09:00', window_end: '20:00' };

describe('follow-up time', () => {
  it('is the requested time when the window is open for the caller', () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const at = requestedAt({ after_minutes: 30 }, now);
    expect(at.toISOString()).toBe('2026-06-01T12:30:00.000Z');
    // 12:30 UTC is 08:30 in New York in June (EDT): before the window, moved to 09:00 EDT = 13:00 UTC.
    expect(followupTime(at, { time_zones: ['America/New_York'] }, campaign)).toEqual({ ok: true, at: new Date('2026-06-01T13:00:00Z'), moved: true });
    // The same instant in Paris (CEST, 14:30) is inside the window.
    expect(followupTime(at, { time_zones: ['Europe/Paris'] }, campaign)).toEqual({ ok: true, at, moved: false });
  });

  it('a resolve late in the evening calls the next morning in the caller zone, across a DST change', () => {
    // 2026-11-01 is the US fall-back day: 09:00 EST is 14:00 UTC (it was 13:00 UTC the day before).
    const at = requestedAt({ at: new Date('2026-11-01T02:00:00Z') }, new Date('2026-10-31T23:00:00Z'));
    const t = followupTime(at, { time_zones: JSON.stringify(['America/New_York']) }, campaign);
    expect(t).toEqual({ ok: true, at: new Date('2026-11-01T14:00:00Z'), moved: true });
  });

  it('an ambiguous number waits until the window is open in every candidate zone', () => {
    const at = new Date('2026-06-01T13:30:00Z'); // 09:30 New York, 06:30 Los Angeles
    expect(followupTime(at, { time_zones: ['America/New_York', 'America/Los_Angeles'] }, campaign)).toEqual({ ok: true, at: new Date('2026-06-01T16:00:00Z'), moved: true });
  });

  it('a window that never opens is an error, not a time', () => {
    expect(followupTime(new Date('2026-06-01T12:00:00Z'), { time_zones: [] }, { ...campaign, window_end: '09:00' })).toMatchObject({ ok: false });
  });
});

describe('follow-up outcomes', () => {
  it('maps the dialer lead final state', () => {
    expect(outcomeOfLead({ status: 'done', outcome: 'delivered' })).toBe('reached');
    expect(outcomeOfLead({ status: 'done', outcome: 'human' })).toBe('reached');
    expect(outcomeOfLead({ status: 'done', outcome: 'machine' })).toBe('unreached');
    expect(outcomeOfLead({ status: 'failed', outcome: 'no_answer' })).toBe('unreached');
    expect(outcomeOfLead({ status: 'failed', outcome: 'dnc' })).toBe('unreached');
  });

  it('maps the survey score: 4-5 satisfied, 3 reached, 1-2 reopened', () => {
    expect([1, 2, 3, 4, 5].map(outcomeOfScore)).toEqual(['reopened', 'reopened', 'reached', 'satisfied', 'satisfied']);
  });

  it('maps a preview disposition', () => {
    expect(outcomeOfDisposition('not_fixed', ['not_fixed'])).toBe('reopened');
    expect(outcomeOfDisposition('ok', ['not_fixed'])).toBe('reached');
  });

  it("keeps what the caller said over the dialer's later reached/unreached", () => {
    expect(replaces(null, 'unreached')).toBe(true);
    expect(replaces('reached', 'satisfied')).toBe(true);
    expect(replaces('satisfied', 'reached')).toBe(false);
    expect(replaces('reopened', 'unreached')).toBe(false);
    expect(replaces('unreached', 'reached')).toBe(true);
    expect(replaces('reached', 'unreached')).toBe(false);
  });
});
