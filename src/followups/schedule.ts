/**
 * When a follow-up call is placed (pure): the time asked for (minutes after now, or an instant), moved to the first
 * minute the follow-up campaign's calling window is open in every candidate zone of the caller's number (the
 * dialer's own calling-window code, src/dialer/leads/calling-window.ts), so the row shows when the call will really
 * be made. The dialer checks the window again at dial time (DST, an edited window).
 */
import { callingWindowOpen, type WindowCampaign, type WindowLead } from '../dialer/leads/calling-window';

export type FollowupWhen = { after_minutes: number } | { at: Date };

export function requestedAt(when: FollowupWhen, now: Date): Date {
  return 'at' in when ? when.at : new Date(now.getTime() + when.after_minutes * 60_000);
}

export type FollowupTime = { ok: true; at: Date; moved: boolean } | { ok: false; reason: string };

/** The first instant at or after `requested` inside the window for the lead (moved: it was outside). */
export function followupTime(requested: Date, lead: WindowLead, campaign: WindowCampaign): FollowupTime {
  const w = callingWindowOpen(lead, campaign, requested);
  if (w.open) return { ok: true, at: requested, moved: false };
  if (w.nextOpenAt) return { ok: true, at: w.nextOpenAt, moved: true };
  return { ok: false, reason: w.reason ?? 'the calling window never opens' };
}
