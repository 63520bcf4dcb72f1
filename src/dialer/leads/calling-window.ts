/**
 * Calling windows: may a lead be called at an instant? The window is the campaign's daily 'HH:MM'-'HH:MM' (start
 * inclusive, end exclusive; end < start spans midnight) in the lead's local time. A number whose zone is ambiguous
 * (several candidate zones) is callable only when the window is open in EVERY candidate zone (the most restrictive
 * reading); a number with no known zone uses the campaign's zone. Local times come from Intl, so DST is the tz
 * database's: on the US change days (2026-03-08, 2026-11-01) 09:00 local is a different UTC instant than the day before.
 */
import { wallClock, zonedInstant } from '../../clock/wall-clock';

export interface WindowCampaign {
  timezone: string;
  window_start: string;
  window_end: string;
}

export interface WindowLead {
  /** Candidate zones: an array, or the JSON text stored in leads.time_zones. */
  time_zones: readonly string[] | string;
}

export interface WindowDecision {
  open: boolean;
  reason?: string;
  /** When closed: the earliest instant (to the minute) at which the window is open in every zone, if within 8 days. */
  nextOpenAt?: Date;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of 'HH:MM', or null when malformed. */
export function parseHhmm(value: string): number | null {
  const m = HHMM.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Wall-clock date and minute of the day of `at` in `zone`. */
export function localTime(zone: string, at: Date): { year: number; month: number; day: number; minutes: number } {
  const l = wallClock(at.getTime(), zone);
  return { year: l.year, month: l.month, day: l.day, minutes: l.hour * 60 + l.minute };
}

function openAtMinutes(minutes: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

function zonesOf(lead: WindowLead, campaign: WindowCampaign): string[] {
  let zones: unknown = lead.time_zones;
  if (typeof zones === 'string') {
    try {
      zones = JSON.parse(zones);
    } catch {
      zones = [];
    }
  }
  const list = Array.isArray(zones) ? zones.filter((z): z is string => typeof z === 'string') : [];
  return list.length > 0 ? list : [campaign.timezone];
}

/** Is the campaign's calling window open for the lead at `at` (in every candidate zone of the lead)? */
export function callingWindowOpen(lead: WindowLead, campaign: WindowCampaign, at: Date): WindowDecision {
  const start = parseHhmm(campaign.window_start);
  const end = parseHhmm(campaign.window_end);
  if (start === null || end === null) return { open: false, reason: `campaign window ${campaign.window_start}-${campaign.window_end} is malformed` };
  if (start === end) return { open: false, reason: 'campaign window is empty' };
  const zones = zonesOf(lead, campaign);
  const closedIn = zones.filter((z) => !openAtMinutes(localTime(z, at).minutes, start, end));
  if (closedIn.length === 0) return { open: true };

  // The intersection of the zones' windows opens at one zone's window start: try those starts in time order.
  const candidates: number[] = [];
  for (const zone of zones) {
    for (let dayOffset = 0; dayOffset <= 8; dayOffset++) {
      const l = localTime(zone, new Date(at.getTime() + dayOffset * 86_400_000));
      const t = zonedInstant(l.year, l.month, l.day, start, zone);
      if (t > at.getTime()) candidates.push(t);
    }
  }
  candidates.sort((a, b) => a - b);
  const nextOpen = candidates.find((t) => zones.every((z) => openAtMinutes(localTime(z, new Date(t)).minutes, start, end)));
  const local = closedIn.map((z) => `${z} ${fmt(localTime(z, at).minutes)}`).join(', ');
  const reason = `outside calling window ${campaign.window_start}-${campaign.window_end} (local time ${local})`;
  return nextOpen === undefined ? { open: false, reason: `${reason}; the window never opens in all of ${zones.join(', ')} at once` } : { open: false, reason, nextOpenAt: new Date(nextOpen) };
}

function fmt(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
