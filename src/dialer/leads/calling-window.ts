/**
 * Calling windows: may a lead be called at an instant? The window is the campaign's daily 'HH:MM'-'HH:MM' (start
 * inclusive, end exclusive; end < start spans midnight) in the lead's local time. A number whose zone is ambiguous
 * (several candidate zones) is callable only when the window is open in EVERY candidate zone (the most restrictive
 * reading); a number with no known zone uses the campaign's zone. Local times come from Intl, so DST is the tz
 * database's: on the US change days (2026-03-08, 2026-11-01) 09:00 local is a different UTC instant than the day before.
 */

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

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  minutes: number;
}

/** Wall-clock date and minute of the day of `at` in `zone`. */
export function localTime(zone: string, at: Date): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, minutes: (parts.hour % 24) * 60 + parts.minute };
}

/** Offset of `zone` from UTC at `at`, in ms. */
function offsetMs(zone: string, at: number): number {
  const l = localTime(zone, new Date(at));
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, 0, l.minutes);
  return asUtc - Math.floor(at / 60_000) * 60_000;
}

/**
 * The instant of wall-clock `minutes` on the local date (y, m, d) in `zone`. A wall time skipped by a DST change
 * (02:30 on a spring-forward day) resolves to the instant it would be at the offset before the gap (03:30 after it);
 * a wall time that occurs twice (fall back) resolves to its first occurrence.
 */
export function instantOf(zone: string, y: number, m: number, d: number, minutes: number): Date {
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  // The offsets in force half a day either side cover any one DST change on that date.
  const tries = [wall - offsetMs(zone, wall - 43_200_000), wall - offsetMs(zone, wall + 43_200_000)].sort((a, b) => a - b);
  const matching = tries.filter((t) => {
    const l = localTime(zone, new Date(t));
    return l.year === y && l.month === m && l.day === d && l.minutes === minutes;
  });
  // Repeated wall time (fall back): the first occurrence. Skipped wall time (spring forward): after the gap.
  return new Date(matching.length > 0 ? matching[0] : tries[tries.length - 1]);
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
      const t = instantOf(zone, l.year, l.month, l.day, start).getTime();
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
