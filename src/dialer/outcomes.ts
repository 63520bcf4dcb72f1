/**
 * What a dial ended as, and what happens to its lead next. Pure: the runtime records the outcome in the ledger and
 * applies the step to the lead row.
 */
import type { CampaignSettings, RetryOutcome } from './campaign-settings';
import { retryRuleFor } from './campaign-settings';

export type DialOutcome =
  /** A live person connected to an agent. */
  | 'human'
  /** An answering machine (hung up on, or left the machine message: see `message_left`). */
  | 'machine'
  | 'message_left'
  | 'busy'
  | 'no_answer'
  /** The number does not exist / cannot be routed: never retried. */
  | 'invalid'
  /** Network or gateway failure. */
  | 'failed'
  /** A live person no agent took within the grace period (the abandon message played). */
  | 'abandoned'
  /** The person hung up before an agent was connected (inside the grace period: not the dialer's abandon). */
  | 'hung_up'
  /** Agentless: the message played (no key asked, or none pressed). */
  | 'delivered'
  | 'confirmed'
  /** Agentless: pressed the transfer key and reached an agent. */
  | 'transferred';

export const DIAL_OUTCOMES: readonly DialOutcome[] = [
  'human',
  'machine',
  'message_left',
  'busy',
  'no_answer',
  'invalid',
  'failed',
  'abandoned',
  'hung_up',
  'delivered',
  'confirmed',
  'transferred',
];

/** Outcomes that mean a live person answered (the denominator of the abandonment rate). */
export const LIVE_OUTCOMES: readonly DialOutcome[] = ['human', 'abandoned', 'hung_up', 'delivered', 'confirmed', 'transferred'];

export function isLive(outcome: string): boolean {
  return (LIVE_OUTCOMES as readonly string[]).includes(outcome);
}

/** The outcome of an originate that did not answer, from its hangup cause. */
export function outcomeOfCause(cause: string): DialOutcome {
  switch (cause.trim().toUpperCase()) {
    case 'USER_BUSY':
    case 'CALL_REJECTED':
      return 'busy';
    case 'NO_ANSWER':
    case 'NO_USER_RESPONSE':
    case 'ALLOTTED_TIMEOUT':
    case 'ORIGINATOR_CANCEL':
    case 'PROGRESS_TIMEOUT':
    case 'RECOVERY_ON_TIMER_EXPIRE':
      return 'no_answer';
    case 'UNALLOCATED_NUMBER':
    case 'NO_ROUTE_DESTINATION':
    case 'INVALID_NUMBER_FORMAT':
    case 'NUMBER_CHANGED':
    case 'INCOMPATIBLE_DESTINATION':
      return 'invalid';
    default:
      return 'failed';
  }
}

const RETRY_OF: Partial<Record<DialOutcome, RetryOutcome>> = {
  busy: 'busy',
  no_answer: 'no_answer',
  machine: 'machine',
  abandoned: 'abandoned',
  hung_up: 'abandoned',
  failed: 'failed',
};

export type LeadStep =
  | { status: 'done'; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'scheduled'; at: Date; reason: string };

/** After attempt number `attempts` ended with `outcome`: the lead is done, failed, or retried at a time. */
export function nextStep(settings: Pick<CampaignSettings, 'retry' | 'max_attempts'>, outcome: DialOutcome, attempts: number, now: Date): LeadStep {
  const retry = RETRY_OF[outcome];
  if (outcome === 'invalid') return { status: 'failed', reason: 'invalid number' };
  if (!retry) return { status: 'done', reason: outcome };
  const rule = retryRuleFor(settings, retry);
  const max = Math.min(rule.max_attempts, settings.max_attempts);
  if (attempts >= max) return { status: 'failed', reason: `max attempts (${attempts} of ${max}) after ${outcome}` };
  return { status: 'scheduled', at: new Date(now.getTime() + rule.delay_min * 60_000), reason: `retry ${outcome} in ${rule.delay_min} min` };
}
