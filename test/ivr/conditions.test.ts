/** Conditions read the flow's time zone: DST shifts, other zones, midnight-wrapping ranges, holidays. */
import { evaluateCondition, inTimeRange, localTime } from '../../src/ivr/conditions';
import type { Condition } from '../../src/ivr/flow-schema';
import { flow, session } from './helpers';
import { VirtualClock } from '../../src/clock/clock';

const at = (iso: string) => Date.parse(iso);
const scope = (now: number, timeZone = 'America/New_York', extra: Partial<{ callerNumber: string; variables: Record<string, string> }> = {}) => ({
  now,
  timeZone,
  callerNumber: extra.callerNumber ?? '+15551230000',
  variables: extra.variables ?? {},
});

const businessHours: Condition = {
  all: [{ daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'] }, { timeOfDay: { from: '08:00', to: '18:00' } }, { not: { dateIn: [{ month: 12, day: 25 }, '2026-11-26'] } }],
};

describe('localTime', () => {
  test('New York across the March 2026 DST change (EST -5 -> EDT -4)', () => {
    // Friday 2026-03-06 12:30Z is 07:30 EST; Monday 2026-03-09 12:30Z is 08:30 EDT.
    expect(localTime(at('2026-03-06T12:30:00Z'), 'America/New_York')).toEqual({ year: 2026, month: 3, day: 6, weekday: 'fri', minutes: 7 * 60 + 30 });
    expect(localTime(at('2026-03-09T12:30:00Z'), 'America/New_York')).toEqual({ year: 2026, month: 3, day: 9, weekday: 'mon', minutes: 8 * 60 + 30 });
  });

  test('midnight is 0, not 24', () => {
    expect(localTime(at('2026-01-01T05:00:00Z'), 'America/New_York').minutes).toBe(0);
  });

  test('the same instant is a different day in Tokyo and Los Angeles', () => {
    const t = at('2026-06-01T02:00:00Z');
    expect(localTime(t, 'Asia/Tokyo')).toMatchObject({ day: 1, weekday: 'mon', minutes: 11 * 60 });
    expect(localTime(t, 'America/Los_Angeles')).toMatchObject({ day: 31, month: 5, weekday: 'sun', minutes: 19 * 60 });
  });
});

describe('business hours in New York', () => {
  test.each([
    ['Fri before DST, 12:30Z = 07:30 EST', '2026-03-06T12:30:00Z', false],
    ['Fri before DST, 13:00Z = 08:00 EST', '2026-03-06T13:00:00Z', true],
    ['Mon after DST, 12:30Z = 08:30 EDT', '2026-03-09T12:30:00Z', true],
    ['Mon after DST, 12:00Z = 08:00 EDT', '2026-03-09T12:00:00Z', true],
    ['Mon after DST, 11:59Z = 07:59 EDT', '2026-03-09T11:59:00Z', false],
    ['Mon after DST, 21:59Z = 17:59 EDT', '2026-03-09T21:59:00Z', true],
    ['Mon after DST, 22:00Z = 18:00 EDT', '2026-03-09T22:00:00Z', false],
    ['Nov after DST ends, 22:30Z = 17:30 EST', '2026-11-02T22:30:00Z', true],
    ['Saturday', '2026-03-07T15:00:00Z', false],
    ['Christmas (recurring) on a Friday', '2026-12-25T15:00:00Z', false],
    ['Christmas eve', '2026-12-24T15:00:00Z', true],
    ['Thanksgiving 2026 (dated)', '2026-11-26T15:00:00Z', false],
    ['Thanksgiving date in 2027 is not a holiday', '2027-11-26T15:00:00Z', true],
    ['Fri 23:30 EST is still Friday in New York, Saturday in UTC', '2026-03-07T04:30:00Z', false],
  ])('%s', (_name, iso, open) => {
    expect(evaluateCondition(businessHours, scope(at(iso)))).toBe(open);
  });

  test('the same condition in another zone', () => {
    // 15:00Z on a Tuesday: 16:00 in Paris (open), 00:00 Wednesday in Tokyo (closed).
    const t = at('2026-03-10T15:00:00Z');
    expect(evaluateCondition(businessHours, scope(t, 'Europe/Paris'))).toBe(true);
    expect(evaluateCondition(businessHours, scope(t, 'Asia/Tokyo'))).toBe(false);
  });
});

describe('other conditions', () => {
  test('time ranges wrap midnight', () => {
    expect(inTimeRange(23 * 60, '22:00', '06:00')).toBe(true);
    expect(inTimeRange(5 * 60 + 59, '22:00', '06:00')).toBe(true);
    expect(inTimeRange(6 * 60, '22:00', '06:00')).toBe(false);
    expect(inTimeRange(12 * 60, '22:00', '06:00')).toBe(false);
    expect(inTimeRange(23 * 60 + 59, '18:00', '24:00')).toBe(true);
  });

  test('caller number by prefix and pattern, variables', () => {
    const s = scope(0, 'UTC', { callerNumber: '+33123456789', variables: { vip: 'yes', empty: '' } });
    expect(evaluateCondition({ callerNumber: { prefix: '+33' } }, s)).toBe(true);
    expect(evaluateCondition({ callerNumber: { prefix: '+1' } }, s)).toBe(false);
    expect(evaluateCondition({ callerNumber: { pattern: '^\\+33[1-5]' } }, s)).toBe(true);
    expect(evaluateCondition({ variable: { name: 'vip', equals: 'yes' } }, s)).toBe(true);
    expect(evaluateCondition({ variable: { name: 'vip', matches: '^n' } }, s)).toBe(false);
    expect(evaluateCondition({ variable: { name: 'vip', exists: true } }, s)).toBe(true);
    expect(evaluateCondition({ variable: { name: 'empty', exists: true } }, s)).toBe(false);
    expect(evaluateCondition({ variable: { name: 'nope', exists: false } }, s)).toBe(true);
    expect(evaluateCondition({ any: [{ variable: { name: 'nope', exists: true } }, { not: { callerNumber: { prefix: '+1' } } }] }, s)).toBe(true);
  });
});

describe('condition node in a session', () => {
  const doc = flow({
    name: 'hours',
    timeZone: 'America/New_York',
    start: 'check',
    nodes: {
      check: { type: 'condition', branches: [{ when: businessHours, next: 'open' }], else: 'closed' },
      open: { type: 'queue', queue: 'sales' },
      closed: { type: 'hangup' },
    },
  });

  test('routes by the clock, and records which branch matched', () => {
    const { s } = session([doc], { clock: new VirtualClock(at('2026-03-09T12:30:00Z')) });
    expect(s.next()).toEqual({ kind: 'queue', queue: 'sales', priority: 0, skills: [] });
    expect(s.path.find((p) => p.event === 'matched')?.detail).toBe('branch 1');
    const late = session([doc], { clock: new VirtualClock(at('2026-03-06T12:30:00Z')) }).s;
    expect(late.next()).toEqual({ kind: 'hangup', cause: 'NORMAL_CLEARING' });
    expect(late.path.find((p) => p.event === 'matched')?.detail).toBe('else');
  });
});
