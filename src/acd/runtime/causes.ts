/**
 * FreeSWITCH hangup causes -> what the ACD engine is told about an offer, and the cause we hang a leg up with.
 *
 * The split that matters is whose fault a failed offer is. Only the phone's own answers (ring timeout, reject, busy,
 * an unexplained failure from the phone) count against the agent; a phone that is not registered is skipped until it
 * registers; a call FreeSWITCH could not even place is a configuration fault of the switch or of the service and must
 * never set agents not ready (on a stock install with api-expansion off, `user/` dialing fails this way for every
 * agent: CHAN_NOT_IMPLEMENTED).
 */
import type { HangupCause } from '../../freeswitch';
import type { OfferFailure } from '../contract';

const NO_ANSWER = new Set(['NO_ANSWER', 'NO_USER_RESPONSE', 'ORIGINATOR_CANCEL', 'ALLOTTED_TIMEOUT', 'PROGRESS_TIMEOUT', 'RECOVERY_ON_TIMER_EXPIRE']);

/**
 * The phone is not registered: user/ answers USER_NOT_REGISTERED (error/user_not_registered), sofia/<profile>/<u>%<d>
 * answers NO_ROUTE_DESTINATION ("Cannot locate registered user", mod_sofia.c sofia_outgoing_channel); a stale contact
 * gives DESTINATION_OUT_OF_ORDER or SUBSCRIBER_ABSENT (SIP 480/404 from a proxy).
 */
const UNREACHABLE = new Set(['USER_NOT_REGISTERED', 'NO_ROUTE_DESTINATION', 'DESTINATION_OUT_OF_ORDER', 'SUBSCRIBER_ABSENT', 'UNALLOCATED_NUMBER']);

/** FreeSWITCH could not create the leg: a wrong endpoint, gateway or dial-string, a permission, a full switch. */
const SWITCH_FAULT = new Set([
  'CHAN_NOT_IMPLEMENTED',
  'INVALID_GATEWAY',
  'GATEWAY_DOWN',
  'INVALID_URL',
  'INVALID_PROFILE',
  'FACILITY_NOT_IMPLEMENTED',
  'SERVICE_NOT_IMPLEMENTED',
  'MANDATORY_IE_MISSING',
  'INVALID_NUMBER_FORMAT',
  'SYSTEM_SHUTDOWN',
  'CRASH',
  'SWITCH_CONGESTION',
  'OUTGOING_CALL_BARRED',
]);

/**
 * The cause in an originate's `-ERR <CAUSE>` output (or a hangup event's Hangup-Cause); undefined when the reply is
 * an -ERR that names no cause (`-ERR permission denied`, `-ERR no reply`, a usage text): those come from the switch.
 */
export function causeOfJob(body: string): string | undefined {
  const m = /^-ERR\s+([A-Z][A-Z_0-9]*)\s*$/.exec(body.trim());
  return m ? m[1]! : undefined;
}

/** A cause (undefined: an -ERR without one) -> the engine's OfferFailure; see the sets above. */
export function offerFailureOf(cause: string | undefined): OfferFailure {
  if (cause === undefined || SWITCH_FAULT.has(cause)) return 'switch_error';
  if (NO_ANSWER.has(cause)) return 'no_answer';
  if (cause === 'CALL_REJECTED') return 'rejected';
  if (cause === 'USER_BUSY') return 'busy';
  if (UNREACHABLE.has(cause)) return 'unreachable';
  return 'error';
}

/** How a ringing agent leg is hung up when the engine cancels its offer. */
export function cancelCauseOf(reason: string): HangupCause {
  return reason === 'answered_elsewhere' ? 'LOSE_RACE' : 'ORIGINATOR_CANCEL';
}
