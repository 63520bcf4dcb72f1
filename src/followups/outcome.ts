/**
 * How a follow-up call ended, for its ticket (pure). From the dialer: the lead's final state (a live answer is
 * `reached`; no answer, busy, a machine, retries exhausted, DNC are `unreached`). From the survey: a score of 4 or 5
 * is `satisfied`, 1 or 2 `reopened` (the ticket is reopened), 3 just `reached`. From a preview call: the agent's
 * disposition (one of the reopen dispositions: `reopened`, any other: `reached`).
 */
import type { FollowupOutcome } from '../db/entities/followups';
import { isLive } from '../dialer/outcomes';

/** Scores at or above this are satisfied; at or below REOPEN_AT_OR_BELOW reopen the ticket. */
export const SATISFIED_AT_OR_ABOVE = 4;
export const REOPEN_AT_OR_BELOW = 2;

export function outcomeOfLead(lead: { status: 'done' | 'failed'; outcome?: string }): FollowupOutcome {
  return lead.status === 'done' && lead.outcome !== undefined && isLive(lead.outcome) ? 'reached' : 'unreached';
}

export function outcomeOfScore(score: number): FollowupOutcome {
  if (score >= SATISFIED_AT_OR_ABOVE) return 'satisfied';
  if (score <= REOPEN_AT_OR_BELOW) return 'reopened';
  return 'reached';
}

export function outcomeOfDisposition(disposition: string, reopenDispositions: readonly string[]): FollowupOutcome {
  return reopenDispositions.includes(disposition) ? 'reopened' : 'reached';
}

/**
 * Whether a new outcome replaces the one recorded: what the caller said (satisfied, reopened) is final; the
 * dialer's reached/unreached only fills an empty outcome (the survey answer may come before the call's hangup).
 */
export function replaces(current: FollowupOutcome | null, next: FollowupOutcome): boolean {
  if (current === null) return true;
  if (current === 'satisfied' || current === 'reopened') return false;
  return next === 'satisfied' || next === 'reopened' || (current === 'unreached' && next === 'reached');
}
