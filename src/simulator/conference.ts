import type { Channel } from './channel';
import type { CallEngine, DialplanApp } from './engine';
import type { CallSite } from './event-bus';
import type { SimHeader } from './event';
import type { AppFrame } from './frame';
import { apiArgv } from './fs-parse';
import type { AudioRoute } from './types';

/**
 * mod_conference as a call center uses it, and mod_dialplan_inline (how channels are sent into a conference with
 * `uuid_transfer <uuid> -both conference:<room>@<profile> inline`).
 *
 * - App `conference <name>[@<profile>][+flags{a|b}]`: answers the channel, makes it a member (creating the room),
 *   and blocks until the member leaves (hangup, transfer, kick, or the conference ending). Sendmsg apps run nested,
 *   as conference_loop parses queued messages.
 * - Every member hears every other member (a `deaf` member hears nobody, a `mute` one is heard by nobody); a member
 *   alone in the room hears the profile's moh-sound (`$${hold_music}`) unless it joined with `nomoh`.
 * - `endconf`: when that member leaves, the conference ends; `mintwo`: once such a member joined, the conference
 *   ends when fewer than two members remain. Ending kicks every member: their conference app returns and their
 *   extension continues (an inline extension then runs out, and FreeSWITCH hangs the channel up).
 * - CUSTOM conference::maintenance events with Action add-member / del-member (conference_add_event_data and
 *   conference_member_add_event_data headers, then the channel's data).
 * - API `conference list`, `conference <name> list`, `conference <name> hup|kick <member-id|all>`.
 */

interface Member {
  id: number;
  uuid: string;
  flags: Set<string>;
  frame: AppFrame;
}

interface Room {
  name: string;
  profile: string;
  uuid: string;
  members: Map<string, Member>;
  mintwo: boolean;
  ended: boolean;
}

class Conferences {
  readonly rooms = new Map<string, Room>();
  nextMemberId = 1;
}

const STATE = new WeakMap<CallEngine, Conferences>();
const SITE: CallSite = { file: 'mod_conference.c', func: 'conference_member_add_event_data', line: 2038 };

function state(e: CallEngine): Conferences {
  let s = STATE.get(e);
  if (!s) {
    s = new Conferences();
    STATE.set(e, s);
  }
  return s;
}

/** `name[@profile][+flags{a|b}]` as conference_function reads it (the `+` part may also hold a pin; not modelled). */
export function parseConferenceArg(data: string): { name: string; profile: string; flags: string[] } | null {
  let rest = data.trim();
  if (!rest) return null;
  let flags: string[] = [];
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    const m = /flags\{([^}]*)\}/.exec(rest.slice(plus));
    if (m) flags = m[1]!.split('|').filter(Boolean);
    rest = rest.slice(0, plus);
  }
  const at = rest.indexOf('@');
  const name = at >= 0 ? rest.slice(0, at) : rest;
  const profile = at >= 0 ? rest.slice(at + 1) || 'default' : 'default';
  if (!name) return null;
  return { name, profile, flags };
}

function fire(e: CallEngine, ch: Channel, room: Room, member: Member, action: string): void {
  const flag = (b: boolean): string => (b ? 'true' : 'false');
  const pre: SimHeader[] = [
    ['Conference-Name', room.name],
    ['Conference-Domain', 'default'],
    ['Conference-Size', String(room.members.size)],
    ['Conference-Ghosts', '0'],
    ['Conference-Profile-Name', room.profile],
    ['Conference-Unique-ID', room.uuid],
    ['Floor', flag(false)],
    ['Video', 'false'],
    ['Hear', flag(!member.flags.has('deaf'))],
    ['See', 'true'],
    ['Speak', flag(!member.flags.has('mute'))],
    ['Talking', 'false'],
    ['Mute-Detect', 'false'],
    ['Member-ID', String(member.id)],
    ['Member-Type', member.flags.has('moderator') ? 'moderator' : 'member'],
    ['Energy-Level', '100'],
  ];
  e.emit(ch, 'CUSTOM', SITE, { subclass: 'conference::maintenance', pre, post: [['Action', action]] });
}

/** Removes a member (idempotent); ends the room when endconf / mintwo say so, or when it is empty. */
function leave(e: CallEngine, room: Room, member: Member): void {
  if (room.members.get(member.uuid) !== member) return;
  room.members.delete(member.uuid);
  const ch = e.get(member.uuid);
  if (ch) {
    ch.vars.delete('conference_member_id');
    fire(e, ch, room, member, 'del-member');
  }
  const s = state(e);
  if (!room.members.size) {
    room.ended = true;
    if (s.rooms.get(room.name) === room) s.rooms.delete(room.name);
    return;
  }
  if (member.flags.has('endconf') || (room.mintwo && room.members.size < 2)) end(e, room);
}

/** The conference ends: every member is kicked out (its conference app returns). */
function end(e: CallEngine, room: Room): void {
  if (room.ended) return;
  room.ended = true;
  const s = state(e);
  if (s.rooms.get(room.name) === room) s.rooms.delete(room.name);
  for (const m of [...room.members.values()]) kick(e, room, m);
}

function kick(e: CallEngine, room: Room, m: Member): void {
  const ch = e.get(m.uuid);
  leave(e, room, m);
  if (ch?.isUp && !m.frame.finished) e.complete(ch, m.frame);
}

function conferenceApp(e: CallEngine, ch: Channel, f: AppFrame): void {
  const spec = parseConferenceArg(f.data);
  if (!spec) {
    e.complete(ch, f);
    return;
  }
  if (!ch.answered) e.answer(ch);
  f.nests = true;
  const s = state(e);
  let room = s.rooms.get(spec.name);
  if (!room || room.ended) {
    room = { name: spec.name, profile: spec.profile, uuid: e.newUuid(), members: new Map(), mintwo: false, ended: false };
    s.rooms.set(spec.name, room);
  }
  const member: Member = { id: s.nextMemberId++, uuid: ch.uuid, flags: new Set(spec.flags), frame: f };
  if (member.flags.has('mintwo')) room.mintwo = true;
  room.members.set(ch.uuid, member);
  ch.vars.set('conference_name', room.name);
  ch.vars.set('conference_uuid', room.uuid);
  ch.vars.set('conference_member_id', String(member.id));
  fire(e, ch, room, member, 'add-member');
  const joined = room;
  f.stop = () => leave(e, joined, member);
}

/** Who hears whom inside the conferences. */
function conferenceRoutes(e: CallEngine): AudioRoute[] {
  const out: AudioRoute[] = [];
  for (const room of state(e).rooms.values()) {
    const members = [...room.members.values()].filter((m) => e.get(m.uuid)?.isUp);
    for (const listener of members) {
      if (listener.flags.has('deaf')) continue;
      const others = members.filter((m) => m !== listener);
      if (!others.length && !listener.flags.has('nomoh')) out.push({ listener: listener.uuid, source: 'moh', kind: 'moh' });
      for (const src of others) {
        if (!src.flags.has('mute')) out.push({ listener: listener.uuid, source: src.uuid, kind: 'conference' });
      }
    }
  }
  return out;
}

function memberLine(e: CallEngine, m: Member): string {
  const ch = e.get(m.uuid);
  const flags = [...(m.flags.has('deaf') ? [] : ['hear']), ...(m.flags.has('mute') ? [] : ['speak']), ...(m.flags.has('moderator') ? ['moderator'] : [])];
  return [m.id, ch?.name ?? '', m.uuid, ch?.profile.callerIdName ?? '', ch?.profile.callerIdNumber ?? '', flags.join('|'), 0, 0, 100].join(';');
}

/** The `conference` API (the parts a control plane uses). */
export function conferenceApi(e: CallEngine, args: string): string {
  const argv = apiArgv(args, 8);
  const s = state(e);
  if (!argv.length) return '-USAGE: conference <name> list|kick|hup ...\n';
  if (argv[0]!.toLowerCase() === 'list') {
    let out = '';
    for (const room of s.rooms.values()) {
      out += `+OK Conference ${room.name} (${room.members.size} member${room.members.size === 1 ? '' : 's'} rate: 8000 flags: running|answered|dynamic)\n`;
      for (const m of room.members.values()) out += `${memberLine(e, m)}\n`;
    }
    return out || 'No active conferences.\n';
  }
  const room = s.rooms.get(argv[0]!);
  if (!room) return `-ERR Conference ${argv[0]} not found\n`;
  const cmd = (argv[1] ?? '').toLowerCase();
  if (cmd === 'list') return [...room.members.values()].map((m) => `${memberLine(e, m)}\n`).join('');
  if (cmd === 'hup' || cmd === 'kick') {
    const which = argv[2] ?? '';
    const targets = which === 'all' ? [...room.members.values()] : [...room.members.values()].filter((m) => String(m.id) === which);
    if (!targets.length) return `-ERR Non-Existant ID ${which}\n`;
    for (const m of targets) {
      if (cmd === 'hup') {
        const ch = e.get(m.uuid);
        if (ch) e.requestHangup(ch, 'NORMAL_CLEARING');
      } else {
        kick(e, room, m);
      }
    }
    return `+OK ${cmd} ${which}\n`;
  }
  return `-ERR Unknown command ${argv[1] ?? ''}\n`;
}

/** Rooms and their member uuids (tests, the control surface). */
export function conferenceRooms(e: CallEngine): Record<string, string[]> {
  return Object.fromEntries([...state(e).rooms.values()].map((r) => [r.name, [...r.members.keys()]]));
}

/**
 * mod_dialplan_inline: for a channel whose dialplan is `inline`, the destination is `app:arg,app:arg` (a leading
 * `^^X` makes X the separator; each item splits at its first `:`). Other channels go to `fallback`.
 */
export function inlineDialplan(ch: Channel, fallback: () => DialplanApp[] | undefined): DialplanApp[] | undefined {
  if ((ch.profile.dialplan || '').toLowerCase() !== 'inline') return fallback();
  let target = ch.profile.destinationNumber;
  let delim = ',';
  if (target.startsWith('^^') && target.length > 2) {
    delim = target[2]!;
    target = target.slice(3);
  }
  const apps: DialplanApp[] = [];
  for (const item of target.split(delim)) {
    const it = item.trim();
    if (!it) continue;
    const c = it.indexOf(':');
    apps.push(c < 0 ? { app: it, data: '' } : { app: it.slice(0, c), data: it.slice(c + 1) });
  }
  return apps.length ? apps : undefined;
}

export function registerConference(engine: CallEngine): void {
  engine.apps.set('conference', conferenceApp);
  engine.audioRouteSources.push(() => conferenceRoutes(engine));
}
