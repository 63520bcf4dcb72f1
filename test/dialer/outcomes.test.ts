/**
 * What a dial ended as (from the originate's hangup cause) and what happens to its lead next: done, failed, or
 * retried after the outcome's delay until the attempts run out. Pure functions, so the tests pin exact times.
 */
import { campaignSettingsSchema, DEFAULT_RETRY, type CampaignSettings, type CampaignSettingsInput } from '../../src/dialer/campaign-settings';
import { DIAL_OUTCOMES, isLive, nextStep, outcomeOfCause, type DialOutcome } from '../../src/dialer/outcomes';

const settings = (over: CampaignSettingsInput = {}): Pick<CampaignSettings, 'retry' | 'max_attempts'> => campaignSettingsSchema.parse(over);
const now = new Date('2026-06-01T12:00:00.000Z');
const minutesLater = (min: number) => new Date(now.getTime() + min * 60_000);

describe('outcomeOfCause', () => {
  // Each family of FreeSWITCH hangup causes drives a different retry rule, so every listed cause is checked.
  it.each([
    ['USER_BUSY', 'busy'],
    ['CALL_REJECTED', 'busy'],
    ['NO_ANSWER', 'no_answer'],
    ['NO_USER_RESPONSE', 'no_answer'],
    ['ALLOTTED_TIMEOUT', 'no_answer'],
    ['ORIGINATOR_CANCEL', 'no_answer'],
    ['PROGRESS_TIMEOUT', 'no_answer'],
    ['RECOVERY_ON_TIMER_EXPIRE', 'no_answer'],
    ['UNALLOCATED_NUMBER', 'invalid'],
    ['NO_ROUTE_DESTINATION', 'invalid'],
    ['INVALID_NUMBER_FORMAT', 'invalid'],
    ['NUMBER_CHANGED', 'invalid'],
    ['INCOMPATIBLE_DESTINATION', 'invalid'],
  ] as const)('%s -> %s', (cause, outcome) => {
    expect(outcomeOfCause(cause)).toBe(outcome);
  });

  it('treats unknown, network and empty causes as failed (retried with the failed rule)', () => {
    for (const cause of ['NORMAL_TEMPORARY_FAILURE', 'GATEWAY_DOWN', 'DESTINATION_OUT_OF_ORDER', 'SOMETHING_NEW', '', '   ']) {
      expect(outcomeOfCause(cause)).toBe('failed');
    }
  });

  it('tolerates lower case and surrounding whitespace (causes come from several event headers)', () => {
    expect(outcomeOfCause('user_busy')).toBe('busy');
    expect(outcomeOfCause('  No_Answer\n')).toBe('no_answer');
    expect(outcomeOfCause('\tunallocated_number ')).toBe('invalid');
  });

  it('never returns a value outside DIAL_OUTCOMES', () => {
    for (const cause of ['USER_BUSY', 'NO_ANSWER', 'UNALLOCATED_NUMBER', 'x']) expect(DIAL_OUTCOMES).toContain(outcomeOfCause(cause));
  });
});

describe('isLive', () => {
  // The live outcomes are the denominator of the abandonment rate: a mistake here skews compliance.
  const live: DialOutcome[] = ['human', 'abandoned', 'hung_up', 'delivered', 'confirmed', 'transferred'];

  it('counts a person answering (connected, abandoned, hung up early, or an agentless message heard)', () => {
    for (const o of live) expect([o, isLive(o)]).toEqual([o, true]);
  });

  it('does not count machines, busy, no answer, invalid or failed dials', () => {
    for (const o of DIAL_OUTCOMES.filter((x) => !live.includes(x))) expect([o, isLive(o)]).toEqual([o, false]);
    expect(DIAL_OUTCOMES.filter((x) => !live.includes(x)).sort()).toEqual(['busy', 'failed', 'invalid', 'machine', 'message_left', 'no_answer']);
  });
});

describe('nextStep', () => {
  describe('finished and unreachable leads', () => {
    it.each(['human', 'confirmed', 'delivered', 'transferred', 'message_left'] as const)('%s -> done, whatever the attempts', (outcome) => {
      for (const attempts of [1, 5, 50]) expect(nextStep(settings(), outcome, attempts, now)).toEqual({ status: 'done', reason: outcome });
    });

    it('invalid -> failed at once, even on the first attempt and with generous retry rules', () => {
      const generous = settings({ max_attempts: 50, retry: { failed: { delay_min: 1, max_attempts: 50 } } });
      expect(nextStep(generous, 'invalid', 1, now)).toEqual({ status: 'failed', reason: 'invalid number' });
      expect(nextStep(settings(), 'invalid', 0, now)).toEqual({ status: 'failed', reason: 'invalid number' });
    });
  });

  describe('retried outcomes with the default rules', () => {
    // hung_up is the person hanging up during the grace period: it waits like an abandon (Ofcom 72 h).
    const cases = [
      ['busy', DEFAULT_RETRY.busy],
      ['no_answer', DEFAULT_RETRY.no_answer],
      ['machine', DEFAULT_RETRY.machine],
      ['abandoned', DEFAULT_RETRY.abandoned],
      ['hung_up', DEFAULT_RETRY.abandoned],
      ['failed', DEFAULT_RETRY.failed],
    ] as const;

    it.each(cases)('%s is retried after its delay until its max attempts', (outcome, rule) => {
      const s = settings();
      const max = Math.min(rule.max_attempts, s.max_attempts);
      for (let attempts = 1; attempts < max; attempts++) {
        const step = nextStep(s, outcome, attempts, now);
        expect(step).toEqual({ status: 'scheduled', at: minutesLater(rule.delay_min), reason: `retry ${outcome} in ${rule.delay_min} min` });
      }
      for (const attempts of [max, max + 1]) {
        const step = nextStep(s, outcome, attempts, now);
        expect(step.status).toBe('failed');
        expect(step.reason).toMatch(/max attempts/);
        expect(step.reason).toContain(`${attempts} of ${max}`);
        expect(step.reason).toContain(outcome);
      }
    });

    it('pins the default delays: busy 10 min, no answer 1 h, machine 4 h, failed 30 min', () => {
      const s = settings();
      expect(nextStep(s, 'busy', 1, now)).toMatchObject({ at: minutesLater(10) });
      expect(nextStep(s, 'no_answer', 1, now)).toMatchObject({ at: minutesLater(60) });
      expect(nextStep(s, 'machine', 1, now)).toMatchObject({ at: minutesLater(240) });
      expect(nextStep(s, 'failed', 1, now)).toMatchObject({ at: minutesLater(30) });
    });

    it('waits 72 hours after an abandon (Ofcom), and after a hang-up in the grace period', () => {
      const s = settings();
      const in72h = new Date('2026-06-04T12:00:00.000Z');
      expect(nextStep(s, 'abandoned', 1, now)).toMatchObject({ status: 'scheduled', at: in72h });
      expect(nextStep(s, 'hung_up', 1, now)).toMatchObject({ status: 'scheduled', at: in72h });
    });
  });

  describe('campaign rules', () => {
    it('uses the campaign delay of the outcome and keeps the defaults of the others', () => {
      const s = settings({ retry: { busy: { delay_min: 3, max_attempts: 4 } } });
      expect(nextStep(s, 'busy', 1, now)).toEqual({ status: 'scheduled', at: minutesLater(3), reason: 'retry busy in 3 min' });
      expect(nextStep(s, 'no_answer', 1, now)).toMatchObject({ at: minutesLater(60) });
    });

    it('applies the abandoned rule to hung_up', () => {
      const s = settings({ retry: { abandoned: { delay_min: 2880, max_attempts: 2 } } });
      expect(nextStep(s, 'hung_up', 1, now)).toEqual({ status: 'scheduled', at: minutesLater(2880), reason: 'retry hung_up in 2880 min' });
      expect(nextStep(s, 'hung_up', 2, now)).toMatchObject({ status: 'failed' });
    });

    it('stops at the smaller of the rule max and the campaign max (attempts of all outcomes count)', () => {
      // Rule allows 10, campaign 3: the campaign wins.
      const campaignLower = settings({ max_attempts: 3, retry: { no_answer: { delay_min: 5, max_attempts: 10 } } });
      expect(nextStep(campaignLower, 'no_answer', 2, now).status).toBe('scheduled');
      expect(nextStep(campaignLower, 'no_answer', 3, now)).toEqual({ status: 'failed', reason: 'max attempts (3 of 3) after no_answer' });
      // Rule allows 2, campaign 20: the rule wins.
      const ruleLower = settings({ max_attempts: 20, retry: { no_answer: { delay_min: 5, max_attempts: 2 } } });
      expect(nextStep(ruleLower, 'no_answer', 1, now).status).toBe('scheduled');
      expect(nextStep(ruleLower, 'no_answer', 2, now)).toEqual({ status: 'failed', reason: 'max attempts (2 of 2) after no_answer' });
      // Default rule (busy: 4) against a campaign max of 2.
      expect(nextStep(settings({ max_attempts: 2 }), 'busy', 2, now)).toMatchObject({ status: 'failed' });
    });

    it('a campaign max of 1 fails every retryable outcome after the first attempt', () => {
      const s = settings({ max_attempts: 1 });
      for (const o of ['busy', 'no_answer', 'machine', 'abandoned', 'hung_up', 'failed'] as const) {
        expect(nextStep(s, o, 1, now)).toEqual({ status: 'failed', reason: `max attempts (1 of 1) after ${o}` });
      }
    });

    it('does not mutate `now`', () => {
      const t = new Date(now);
      nextStep(settings(), 'busy', 1, t);
      expect(t.getTime()).toBe(now.getTime());
    });
  });
});
