/**
 * Builders for agent call control (hold, transfer, 3-way conference): the `conference` application, `uuid_transfer`
 * into an inline extension, and the park_after_bridge switch that keeps an agent's leg alive while its caller is
 * moved. Same rules as api.ts / apps.ts: every input is validated, the output is an FsCommand / AppInvocation.
 *
 * Wire facts these rely on (FreeSWITCH 1.10):
 * - mod_conference `conference <name>[@<profile>][+flags{a|b}]`: the name ends at `@` (or `+`), the profile at `+`;
 *   flags are `|`-separated inside `{}`. Names and profiles here are tokens (letters, digits, `_ . -`), so no
 *   position can be confused with another.
 * - mod_dialplan_inline (`uuid_transfer <uuid> [-bleg|-both] <app:arg,app:arg> inline`): the destination is one
 *   space-split api argument; the inline dialplan splits it at `,` (a leading `^^X` would change that delimiter) and
 *   each item at its first `:`. So an inline argument may not hold `,`, a space, `'` or a backslash.
 * - `uuid_setvar <uuid> park_after_bridge true`: when the channel's bridge ends it parks instead of hanging up
 *   (switch_ivr_bridge.c). The variable name is refused by channelVarName (it changes call flow), hence this
 *   dedicated builder with a boolean only.
 */
import { isBuiltAppInvocation, toAppInvocation, toFsCommand, type AppInvocation, type FsCommand } from './command';
import { UnsafeValueError } from './errors';
import type { TransferLeg } from './api';
import { integer, mediaPath, uuid, type MediaPath } from './values';

/** A conference room or profile name: letters, digits, `_ . -`, starting with a letter or digit, 1-64 chars. */
export function conferenceName(value: unknown, field = 'conference'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value)) {
    throw new UnsafeValueError(field, 'not a valid conference name (letters, digits, _ . -; 1-64)', typeof value === 'string' ? value : undefined);
  }
  return value;
}

/** Member flags of mod_conference that a call center uses. */
export const CONFERENCE_FLAGS = ['mute', 'deaf', 'moderator', 'endconf', 'mintwo', 'nomoh', 'ghost', 'join-only'] as const;
export type ConferenceFlag = (typeof CONFERENCE_FLAGS)[number];

export interface ConferenceOptions {
  /** Conference profile (conference.conf.xml), default `default`. */
  profile?: string;
  flags?: ConferenceFlag[];
}

/** `conference <name>@<profile>[+flags{a|b}]`: the channel joins (creating) the room. */
export function conference(name: string, opts: ConferenceOptions = {}): AppInvocation {
  const n = conferenceName(name, 'name');
  const p = conferenceName(opts.profile ?? 'default', 'profile');
  const flags = opts.flags ?? [];
  if (!Array.isArray(flags)) throw new UnsafeValueError('flags', 'expected an array');
  for (const f of flags) {
    if (!(CONFERENCE_FLAGS as readonly string[]).includes(f)) throw new UnsafeValueError('flags', 'not a known conference member flag', String(f));
  }
  const unique = [...new Set(flags)];
  return toAppInvocation('conference', unique.length ? `${n}@${p}+flags{${unique.join('|')}}` : `${n}@${p}`);
}

/** `conference <name> list`: the members, one `;`-separated line each. */
export function conferenceList(name: string): FsCommand {
  return toFsCommand(`conference ${conferenceName(name, 'name')} list`);
}

/** `conference <name> hup <member-id|all>`: hangs members up. */
export function conferenceHup(name: string, member: number | 'all'): FsCommand {
  const m = member === 'all' ? 'all' : memberId(member);
  return toFsCommand(`conference ${conferenceName(name, 'name')} hup ${m}`);
}

function memberId(value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 1_000_000_000) {
    throw new UnsafeValueError('member', 'expected a member id (positive integer)', String(value));
  }
  return String(value);
}

/** One item of an inline extension: `app` or `app:arg`. */
function inlineItem(inv: AppInvocation, i: number): string {
  const field = `apps.${i}`;
  if (!isBuiltAppInvocation(inv)) throw new UnsafeValueError(field, 'not built by an app builder (apps.*, conference)');
  const arg = inv.arg;
  const bad = /[, '"\\]/.exec(arg);
  if (bad) throw new UnsafeValueError(`${field}.arg`, `\`${bad[0] === ' ' ? 'space' : bad[0]}\` cannot be carried in an inline extension`, arg);
  return arg === '' ? inv.app : `${inv.app}:${arg}`;
}

/**
 * `uuid_transfer <uuid> [-bleg|-both] <app:arg,...> inline`: the channel (and/or its bridged peer) leaves what it
 * runs and executes these applications, one after another. `-both` moves both legs of a bridge together (neither
 * side applies hangup_after_bridge: both are being redirected).
 */
export function uuidTransferInline(id: string, appList: readonly AppInvocation[], leg: TransferLeg = 'aleg'): FsCommand {
  const u = uuid(id);
  if (leg !== 'aleg' && leg !== 'bleg' && leg !== 'both') throw new UnsafeValueError('leg', 'expected aleg, bleg or both', String(leg));
  if (!Array.isArray(appList) || appList.length === 0) throw new UnsafeValueError('apps', 'at least one application');
  if (appList.length > 16) throw new UnsafeValueError('apps', 'at most 16 applications');
  const dest = appList.map((a, i) => inlineItem(a, i)).join(',');
  if (dest.startsWith('^^')) throw new UnsafeValueError('apps', '`^^` at the start changes the inline delimiter', dest);
  return toFsCommand(['uuid_transfer', u, ...(leg === 'aleg' ? [] : [`-${leg}`]), dest, 'inline'].join(' '));
}

/**
 * `uuid_displace <uuid> start <media> <limit> mux`: plays `media` into the channel for at most `limitSec` seconds,
 * mixed with what it hears, as a media bug: a bridge goes on undisturbed (the nailed-up agent's beep). mod_commands
 * answers `+OK Success`.
 */
export function uuidDisplaceStart(id: string, media: MediaPath, limitSec: number): FsCommand {
  // The arguments are split at spaces (displace_function): a path with one would shift the limit and the flags.
  if (typeof media === 'string' && /\s/.test(media)) throw new UnsafeValueError('media', 'uuid_displace cannot take a path with a space', media);
  return toFsCommand(`uuid_displace ${uuid(id)} start ${mediaPath(media, 'media')} ${integer(limitSec, 'limitSec', 1, 60)} mux`);
}

/** `uuid_setvar <uuid> park_after_bridge true` (on) or `uuid_setvar <uuid> park_after_bridge` (unset). */
export function uuidParkAfterBridge(id: string, on: boolean): FsCommand {
  const u = uuid(id);
  if (typeof on !== 'boolean') throw new UnsafeValueError('on', 'expected a boolean', String(on));
  return toFsCommand(on ? `uuid_setvar ${u} park_after_bridge true` : `uuid_setvar ${u} park_after_bridge`);
}
