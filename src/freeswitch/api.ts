/**
 * Builders for the api/bgapi commands the service sends. Each validates every input and returns an FsCommand
 * (the text after `api ` / `bgapi `); the ESL client adds the verb. Argument syntax is mod_commands' (FreeSWITCH 1.10).
 */
import { toFsCommand, type AppInvocation, type FsCommand } from './command';
import { appInvocationFrom } from './apps';
import { renderDialString, varValueText, type DialString, type VarValue } from './dial';
import { UnsafeValueError } from './errors';
import { apiText, quoteBlank, setvarMultiValue } from './escape';
import {
  channelVarName,
  contextName,
  destination,
  dialplanName,
  extension,
  filePath,
  hangupCause,
  integer,
  mediaPath,
  moduleName,
  phoneNumber,
  profileName,
  safeText,
  uuid,
  type MediaPath,
} from './values';
import type { HangupCause } from './causes';

/** Where an originated call goes once answered: an inline application, or a dialplan extension. */
export type OriginateTarget = AppInvocation | { app: string; arg: string } | { extension: string; dialplan?: string; context?: string };

export interface OriginateOptions {
  /** originate_timeout: seconds of ringing before NO_ANSWER (1-3600). */
  timeoutSec?: number;
  /** origination_caller_id_name. */
  callerIdName?: string;
  /** origination_caller_id_number: a phone number or an extension. */
  callerIdNumber?: string;
  /** origination_uuid: the uuid the new channel will have. */
  originateUuid?: string;
}

/** Variables the options own; passing them in `vars` is refused so that one value cannot be given twice. */
const OPTION_VARS = new Set(['origination_uuid', 'origination_caller_id_name', 'origination_caller_id_number', 'originate_timeout']);

/** mod_commands turns any argument spelled `undef` into "not given". */
function notUndef(field: string, v: string): string {
  if (v.toLowerCase() === 'undef') throw new UnsafeValueError(field, '`undef` means "absent" to originate', v);
  return v;
}

function dialTarget(field: string, d: string | undefined, c: string | undefined): string[] {
  if (d === undefined && c === undefined) return [];
  const dp = d === undefined ? 'XML' : notUndef(`${field}.dialplan`, dialplanName(d, `${field}.dialplan`));
  if (dp.toLowerCase() === 'inline') throw new UnsafeValueError(`${field}.dialplan`, 'inline dialplans are app calls: use an AppInvocation', dp);
  return c === undefined ? [dp] : [dp, notUndef(`${field}.context`, contextName(c, `${field}.context`))];
}

/**
 * `originate {origination_uuid=…,origination_caller_id_number=…,…}<endpoint> &app(arg)|<exten> [dialplan] [context]`.
 * Caller id and timeout travel as dial-string variables, never as the positional cid/timeout arguments (a space in a
 * name would shift them).
 */
export function originate(
  endpoint: DialString,
  target: OriginateTarget,
  vars: Readonly<Record<string, VarValue>> = {},
  opts: OriginateOptions = {},
): FsCommand {
  const pairs: Array<[string, VarValue]> = [];
  if (opts.originateUuid !== undefined) pairs.push(['origination_uuid', uuid(opts.originateUuid, 'originateUuid')]);
  if (opts.callerIdNumber !== undefined) {
    const n = opts.callerIdNumber;
    let ok: string;
    try {
      ok = phoneNumber(n, 'callerIdNumber');
    } catch {
      ok = extension(n, 'callerIdNumber');
    }
    pairs.push(['origination_caller_id_number', ok]);
  }
  if (opts.callerIdName !== undefined) {
    const name = safeText('callerIdName', opts.callerIdName, { maxLength: 80 });
    if (/[<>"]/.test(name)) throw new UnsafeValueError('callerIdName', '`<`, `>` and `"` are not accepted in a caller id name', name);
    pairs.push(['origination_caller_id_name', name]);
  }
  if (opts.timeoutSec !== undefined) pairs.push(['originate_timeout', integer(opts.timeoutSec, 'timeoutSec', 1, 3600)]);
  if (vars === null || typeof vars !== 'object') throw new UnsafeValueError('vars', 'expected an object');
  for (const [k, v] of Object.entries(vars)) {
    if (OPTION_VARS.has(k.toLowerCase())) throw new UnsafeValueError(`vars.${k}`, 'set it through the originate options');
    pairs.push([k, v]);
  }
  const dial = quoteBlank('endpoint', renderDialString(endpoint, pairs));

  let rest: string[];
  if (target === null || typeof target !== 'object') throw new UnsafeValueError('target', 'expected an app or an extension');
  if ('app' in target) {
    const inv = appInvocationFrom(target, 'target');
    // mod_commands cuts the app name at the first `(` and the argument at the FIRST `)`.
    if (inv.arg.includes(')')) throw new UnsafeValueError('target.arg', '`)` ends an &app(arg) argument early', inv.arg);
    rest = [quoteBlank('target', `&${inv.app}(${inv.arg})`)];
  } else {
    const exten = notUndef('target.extension', destination(target.extension, 'target.extension'));
    rest = [exten, ...dialTarget('target', target.dialplan, target.context)];
  }
  return toFsCommand(['originate', dial, ...rest].join(' '));
}

/** `uuid_kill <uuid> [cause]`. */
export function uuidKill(id: string, cause?: HangupCause): FsCommand {
  const u = uuid(id);
  return toFsCommand(cause === undefined ? `uuid_kill ${u}` : `uuid_kill ${u} ${hangupCause(cause)}`);
}

/** `uuid_bridge <a> <b>`. */
export function uuidBridge(a: string, b: string): FsCommand {
  const ua = uuid(a, 'uuid a');
  const ub = uuid(b, 'uuid b');
  if (ua === ub) throw new UnsafeValueError('uuid b', 'cannot bridge a channel to itself', ub);
  return toFsCommand(`uuid_bridge ${ua} ${ub}`);
}

export type TransferLeg = 'aleg' | 'bleg' | 'both';

/** `uuid_transfer <uuid> [-bleg|-both] <dest> [dialplan] [context]`. */
export function uuidTransfer(id: string, dest: string, opts: { dialplan?: string; context?: string; leg?: TransferLeg } = {}): FsCommand {
  const u = uuid(id);
  const leg = opts.leg ?? 'aleg';
  if (leg !== 'aleg' && leg !== 'bleg' && leg !== 'both') throw new UnsafeValueError('leg', 'expected aleg, bleg or both', String(leg));
  const d = notUndef('dest', destination(dest, 'dest'));
  const parts = ['uuid_transfer', u, ...(leg === 'aleg' ? [] : [`-${leg}`]), d, ...dialTarget('transfer', opts.dialplan, opts.context)];
  return toFsCommand(parts.join(' '));
}

/** `uuid_answer <uuid>`. */
export function uuidAnswer(id: string): FsCommand {
  return toFsCommand(`uuid_answer ${uuid(id)}`);
}

/** `uuid_hold [off|toggle] <uuid>` (mode `on` is the bare form). */
export function uuidHold(id: string, mode: 'on' | 'off' | 'toggle' = 'on'): FsCommand {
  const u = uuid(id);
  if (mode !== 'on' && mode !== 'off' && mode !== 'toggle') throw new UnsafeValueError('mode', 'expected on, off or toggle', String(mode));
  return toFsCommand(mode === 'on' ? `uuid_hold ${u}` : `uuid_hold ${mode} ${u}`);
}

/**
 * `uuid_audio <uuid> start read mute 1|0`: mutes (or unmutes) the audio FreeSWITCH reads from the channel's endpoint,
 * i.e. what that phone's user says; they still hear everyone. mod_commands' session_audio_function puts a media bug
 * on the channel (switch_ivr_session_audio) whose read frames are replaced by silence while `read_mute` is non-zero,
 * so `mute 0` unmutes while keeping the bug. Replies: `+OK`; an unknown uuid gets `-ERR No Such Channel!` (followed
 * by `+OK`, as the function falls through to its final write); bad arguments `-USAGE: ...`.
 */
export function uuidAudioMute(id: string, muted: boolean): FsCommand {
  const u = uuid(id);
  if (typeof muted !== 'boolean') throw new UnsafeValueError('muted', 'expected true or false', String(muted));
  return toFsCommand(`uuid_audio ${u} start read mute ${muted ? 1 : 0}`);
}

export type RecordAction = 'start' | 'stop' | 'mask' | 'unmask';

/**
 * `uuid_record <uuid> start|stop|mask|unmask <path> [limit]`. `stop` also takes `all`. The limit (seconds) is only
 * meaningful with start.
 */
export function uuidRecord(id: string, action: RecordAction, path: MediaPath | 'all', limitSec?: number): FsCommand {
  const u = uuid(id);
  if (!['start', 'stop', 'mask', 'unmask'].includes(action)) throw new UnsafeValueError('action', 'expected start, stop, mask or unmask', String(action));
  let p: string;
  if (path === 'all') {
    if (action !== 'stop') throw new UnsafeValueError('path', '`all` only works with stop');
    p = 'all';
  } else {
    const m = mediaPath(path, 'path');
    if (m.startsWith('file_string://')) throw new UnsafeValueError('path', 'file_string:// can only be played, not recorded to', m);
    p = quoteBlank('path', m);
  }
  if (limitSec !== undefined && action !== 'start') throw new UnsafeValueError('limitSec', 'a limit only applies to start');
  const limit = limitSec === undefined ? [] : [integer(limitSec, 'limitSec', 1, 86_400)];
  return toFsCommand(['uuid_record', u, action, p, ...limit].join(' '));
}

/** `uuid_broadcast <uuid> <path> [aleg|bleg|both]`. The path is a MediaPath, so never `app::args`. */
export function uuidBroadcast(id: string, path: MediaPath, leg: TransferLeg = 'aleg'): FsCommand {
  const u = uuid(id);
  if (leg !== 'aleg' && leg !== 'bleg' && leg !== 'both') throw new UnsafeValueError('leg', 'expected aleg, bleg or both', String(leg));
  const p = mediaPath(path, 'path');
  if (p.includes('::')) throw new UnsafeValueError('path', '`::` makes uuid_broadcast run an application', p);
  return toFsCommand(`uuid_broadcast ${u} ${quoteBlank('path', p)} ${leg}`);
}

/**
 * `uuid_setvar <uuid> <var> <value>`: the value is the rest of the line, cleaned by FreeSWITCH's argument splitter,
 * so it is written with apiText. An empty value is refused: use uuidUnsetVar.
 */
export function uuidSetVar(id: string, name: string, value: VarValue): FsCommand {
  const u = uuid(id);
  const n = channelVarName(name);
  const v = varValueText(`value of ${n}`, value);
  return toFsCommand(`uuid_setvar ${u} ${n} ${apiText(`value of ${n}`, v)}`);
}

/** `uuid_setvar <uuid> <var>` with no value: unsets the variable. */
export function uuidUnsetVar(id: string, name: string): FsCommand {
  return toFsCommand(`uuid_setvar ${uuid(id)} ${channelVarName(name)}`);
}

/** `uuid_setvar_multi <uuid> a=1;b=2`. */
export function uuidSetVarMulti(id: string, vars: Readonly<Record<string, VarValue>>): FsCommand {
  const u = uuid(id);
  if (vars === null || typeof vars !== 'object') throw new UnsafeValueError('vars', 'expected an object');
  const entries = Object.entries(vars);
  if (!entries.length) throw new UnsafeValueError('vars', 'no variables given');
  if (entries.length > 64) throw new UnsafeValueError('vars', 'uuid_setvar_multi takes at most 64 variables');
  const body = entries.map(([k, v]) => {
    const n = channelVarName(k, `vars.${k.slice(0, 64)}`);
    return `${n}=${setvarMultiValue(`vars.${n}`, varValueText(`vars.${n}`, v))}`;
  });
  return toFsCommand(`uuid_setvar_multi ${u} ${body.join(';')}`);
}

/** `uuid_getvar <uuid> <var>` (FreeSWITCH answers `_undef_` when unset). */
export function uuidGetVar(id: string, name: string): FsCommand {
  return toFsCommand(`uuid_getvar ${uuid(id)} ${channelVarName(name)}`);
}

/**
 * `uuid_dump <uuid> json`: the channel's headers and every variable (`variable_<name>`) as one JSON object; `-ERR No
 * such channel!` when it is gone. A standby taking over reads what the service set on each live channel with it.
 */
export function uuidDumpJson(id: string): FsCommand {
  return toFsCommand(`uuid_dump ${uuid(id)} json`);
}

/** `uuid_exists <uuid>` -> `true` / `false`. */
export function uuidExists(id: string): FsCommand {
  return toFsCommand(`uuid_exists ${uuid(id)}`);
}

/**
 * `file_exists <path>` (mod_commands): answers `true` or `false`. The argument is taken whole (no split, so spaces
 * need no quoting); only absolute file paths, never a stream or a file_string.
 */
export function fileExists(path: string): FsCommand {
  return toFsCommand(`file_exists ${filePath(path, 'path')}`);
}

/** `uuid_break <uuid> [all]`: stop what is playing (all: also what is queued). */
export function uuidBreak(id: string, all = false): FsCommand {
  return toFsCommand(all ? `uuid_break ${uuid(id)} all` : `uuid_break ${uuid(id)}`);
}

/** `uuid_park <uuid>`. */
export function uuidPark(id: string): FsCommand {
  return toFsCommand(`uuid_park ${uuid(id)}`);
}

export function showChannelsJson(): FsCommand {
  return toFsCommand('show channels as json');
}

export function showCallsJson(): FsCommand {
  return toFsCommand('show calls as json');
}

export function status(): FsCommand {
  return toFsCommand('status');
}

export function reloadXml(): FsCommand {
  return toFsCommand('reloadxml');
}

export function sofiaStatus(): FsCommand {
  return toFsCommand('sofia status');
}

/**
 * `fsctl api_expansion`: the live api-expansion setting (mod_commands ctl_function answers `+OK api_expansion is
 * on|off`). switch.conf.xml's value is read only when FreeSWITCH starts; reloadxml does not apply it.
 */
export function fsctlApiExpansion(): FsCommand {
  return toFsCommand('fsctl api_expansion');
}

/**
 * `fsctl shutdown restart`: FreeSWITCH hangs up every call (SYSTEM_SHUTDOWN), unloads its modules and starts again
 * (the fault drills' full restart). Every event socket connection dies with it, the sender's included: send it
 * with bgapi, on a test box only.
 */
export function fsctlShutdownRestart(): FsCommand {
  return toFsCommand('fsctl shutdown restart');
}

/** `module_exists <mod_name>` -> `true` / `false` (mod_commands). */
export function moduleExists(name: string): FsCommand {
  return toFsCommand(`module_exists ${moduleName(name)}`);
}

/**
 * `reload <mod_name>` (mod_commands): unloads and loads a module. `reload mod_event_socket` cuts every event socket
 * connection, the sender's included (the fault drills' ESL drop on a real switch): send it with bgapi.
 */
export function reloadModule(name: string): FsCommand {
  return toFsCommand(`reload ${moduleName(name)}`);
}

/** `global_getvar <name>`: one global variable (FreeSWITCH answers an empty body when it is unset). */
export function globalGetVar(name: string): FsCommand {
  return toFsCommand(`global_getvar ${channelVarName(name, 'name')}`);
}

/** `show registrations as json`: the core registrations table (every phone registered through mod_sofia). */
export function showRegistrationsJson(): FsCommand {
  return toFsCommand('show registrations as json');
}

/** `sofia status profile <profile> reg`: the registrations of one profile. */
export function sofiaStatusProfileReg(profile: string): FsCommand {
  return toFsCommand(`sofia status profile ${profileName(profile)} reg`);
}

