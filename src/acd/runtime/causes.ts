/**
 * FreeSWITCH hangup causes -> what the ACD engine is told about an offer, and the cause we hang a leg up with.
 */
import type { HangupCause } from '../../freeswitch';
import type { OfferFailure } from '../contract';

const NO_ANSWER = new Set(['NO_ANSWER', 'NO_USER_RESPONSE', 'ORIGINATOR_CANCEL', 'ALLOTTED_TIMEOUT', 'PROGRESS_TIMEOUT', 'RECOVERY_ON_TIMER_EXPIRE']);

/** The cause in an originate's `-ERR <CAUSE>` output (or a hangup event's Hangup-Cause). */
export function causeOfJob(body: string): string {
  const m = /^-ERR\s+([A-Z_]+)/.exec(body.trim());
  return m ? m[1]! : 'NORMAL_TEMPORARY_FAILURE';
}

/** NO_ANSWER / ORIGINATOR_CANCEL (the ring timed out) -> no_answer, CALL_REJECTED -> rejected, USER_BUSY -> busy, else error. */
export function offerFailureOf(cause: string): OfferFailure {
  if (NO_ANSWER.has(cause)) return 'no_answer';
  if (cause === 'CALL_REJECTED') return 'rejected';
  if (cause === 'USER_BUSY') return 'busy';
  return 'error';
}

/** How a ringing agent leg is hung up when the engine cancels its offer. */
export function cancelCauseOf(reason: string): HangupCause {
  return reason === 'answered_elsewhere' ? 'LOSE_RACE' : 'ORIGINATOR_CANCEL';
}
