/**
 * Builders for dialplan applications run through `sendmsg <uuid>` (call-command: execute). The app name is from
 * ALLOWED_APPS; the argument is exactly the data the application receives. It travels in the sendmsg body, is
 * variable-expanded by FreeSWITCH when it holds `${` or an escape (never, by construction), then parsed by the app
 * (space-split with quote handling for play_and_get_digits and say; taken whole by playback, set, bridge...).
 */
import type { HangupCause } from './causes';
import { isBuiltAppInvocation, toAppInvocation, type AppInvocation } from './command';
import { assertDialString, renderDialString, varValueText, type DialString, type VarValue } from './dial';
import { UnsafeValueError } from './errors';
import { quoteBlank } from './escape';
import {
  channelVarName,
  contextName,
  destination,
  dialplanName,
  digitRegexp,
  hangupCause,
  integer,
  mediaPath,
  terminators,
  uuid,
  type MediaPath,
} from './values';

export function answer(): AppInvocation {
  return toAppInvocation('answer', '');
}

export function preAnswer(): AppInvocation {
  return toAppInvocation('pre_answer', '');
}

/** `amd` (mod_amd): listens to the answered leg, sets amd_result (HUMAN / MACHINE / NOTSURE) and amd_cause. */
export function amd(): AppInvocation {
  return toAppInvocation('amd', '');
}

/** `avmd_start` (mod_avmd): watches the leg for a voicemail beep and fires CUSTOM avmd::beep; returns at once. */
export function avmdStart(): AppInvocation {
  return toAppInvocation('avmd_start', '');
}

export function park(): AppInvocation {
  return toAppInvocation('park', '');
}

/** `hangup [cause]`. */
export function hangup(cause?: HangupCause): AppInvocation {
  return toAppInvocation('hangup', cause === undefined ? '' : hangupCause(cause));
}

/** `sleep <ms>`. */
export function sleep(ms: number): AppInvocation {
  return toAppInvocation('sleep', integer(ms, 'ms', 0, 3_600_000));
}

/** `playback <path>`: a file, tone_stream://, silence_stream:// or local_stream://. Taken whole, spaces are fine. */
export function playback(path: MediaPath): AppInvocation {
  return toAppInvocation('playback', mediaPath(path));
}

export interface PlayAndGetDigits {
  min: number;
  max: number;
  tries: number;
  timeoutMs: number;
  /** `#`, `*#`, `none`... */
  terminators: string;
  file: MediaPath;
  invalidFile: MediaPath;
  /** The channel variable that receives the digits (on CHANNEL_EXECUTE_COMPLETE as variable_<name>). */
  varName: string;
  /** e.g. `^[0-9]{4}$` or `\d+`. */
  regexp: string;
  digitTimeoutMs?: number;
  /** transfer_on_failure: `<exten> [dialplan] [context]`, taken when all tries fail. */
  transferOnFailure?: { extension: string; dialplan?: string; context?: string };
}

/**
 * `play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid_file> <var_name> <regexp>
 * [<digit_timeout>] [<transfer_on_failure>]` (mod_dptools, argv[11], space-split; paths with spaces are quoted).
 */
export function playAndGetDigits(p: PlayAndGetDigits): AppInvocation {
  const min = integer(p.min, 'min', 0, 128);
  const max = integer(p.max, 'max', 1, 128);
  if (Number(max) < Number(min)) throw new UnsafeValueError('max', 'smaller than min', max);
  const args = [
    min,
    max,
    integer(p.tries, 'tries', 1, 100),
    integer(p.timeoutMs, 'timeoutMs', 0, 3_600_000),
    terminators(p.terminators),
    quoteBlank('file', mediaPath(p.file, 'file')),
    quoteBlank('invalidFile', mediaPath(p.invalidFile, 'invalidFile')),
    channelVarName(p.varName, 'varName'),
    quoteBlank('regexp', digitRegexp(p.regexp)),
  ];
  if (p.digitTimeoutMs !== undefined || p.transferOnFailure !== undefined) {
    args.push(integer(p.digitTimeoutMs ?? p.timeoutMs, 'digitTimeoutMs', 0, 3_600_000));
  }
  if (p.transferOnFailure !== undefined) {
    // The last argument is the rest of the line: "<exten> <dialplan> <context>", split again by the app.
    const t = p.transferOnFailure;
    const parts = [destination(t.extension, 'transferOnFailure.extension')];
    if (t.dialplan !== undefined || t.context !== undefined) parts.push(dialplanName(t.dialplan ?? 'XML', 'transferOnFailure.dialplan'));
    if (t.context !== undefined) parts.push(contextName(t.context, 'transferOnFailure.context'));
    args.push(parts.join(' '));
  }
  return toAppInvocation('play_and_get_digits', args.join(' '));
}

/** `bridge <dial string>`, with optional `{...}` variables for the new leg. */
export function bridge(endpoint: DialString, vars: Readonly<Record<string, VarValue>> = {}): AppInvocation {
  if (vars === null || typeof vars !== 'object') throw new UnsafeValueError('vars', 'expected an object');
  return toAppInvocation('bridge', renderDialString(endpoint, Object.entries(vars)));
}

/** `eavesdrop <uuid>` (listen-only unless eavesdrop_* variables say otherwise). */
export function eavesdrop(target: string): AppInvocation {
  return toAppInvocation('eavesdrop', uuid(target, 'target'));
}

/** `record_session <path> [+<limit_sec>]` (the app reads a `+` as the start of the limit). */
export function recordSession(path: MediaPath, limitSec?: number): AppInvocation {
  const p = mediaPath(path);
  if (!p.startsWith('/')) throw new UnsafeValueError('path', 'record_session needs a file path', p);
  return toAppInvocation('record_session', limitSec === undefined ? p : `${p} +${integer(limitSec, 'limitSec', 1, 86_400)}`);
}

/** `stop_record_session <path|all>`. */
export function stopRecordSession(path: MediaPath | 'all'): AppInvocation {
  return toAppInvocation('stop_record_session', path === 'all' ? 'all' : mediaPath(path));
}

function assignment(app: 'set' | 'export', name: string, value: VarValue): AppInvocation {
  const n = channelVarName(name);
  // set/export split at the first `=`; the value is taken whole (it may hold spaces, commas, `=`, quotes), and
  // the empty value unsets.
  const v = value === '' ? '' : varValueText(`value of ${n}`, value);
  return toAppInvocation(app, `${n}=${v}`);
}

/** `set <var>=<value>` on this channel. */
export function set(name: string, value: VarValue): AppInvocation {
  return assignment('set', name, value);
}

/** `export <var>=<value>`: on this channel and on legs it bridges to. */
export function exportVar(name: string, value: VarValue): AppInvocation {
  return assignment('export', name, value);
}

const SAY_TYPES = new Set([
  'NUMBER',
  'ITEMS',
  'PERSONS',
  'MESSAGES',
  'CURRENCY',
  'TIME_MEASUREMENT',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_DATE_TIME',
  'TELEPHONE_NUMBER',
  'TELEPHONE_EXTENSION',
  'URL',
  'IP_ADDRESS',
  'EMAIL_ADDRESS',
  'POSTAL_ADDRESS',
  'ACCOUNT_NUMBER',
  'NAME_SPELLED',
  'NAME_PHONETIC',
  'SHORT_DATE_TIME',
]);

export interface SayOptions {
  /** Say module language, e.g. `en`. */
  lang: string;
  /** NUMBER, CURRENCY, TELEPHONE_NUMBER... */
  type: string;
  method: 'pronounced' | 'iterated' | 'counted';
  gender?: 'masculine' | 'feminine' | 'neuter';
  /** What to say: letters, digits, `. , : + @ _ -` (no spaces). */
  value: string;
}

/** `say <lang> <type> <method> [<gender>] <value>` (mod_dptools, space-split). */
export function say(o: SayOptions): AppInvocation {
  if (typeof o.lang !== 'string' || !/^[a-z]{2,3}$/.test(o.lang)) throw new UnsafeValueError('lang', 'expected a language code like en', String(o.lang));
  const type = typeof o.type === 'string' ? o.type.toUpperCase() : '';
  if (!SAY_TYPES.has(type)) throw new UnsafeValueError('type', 'not a say type', String(o.type));
  if (!['pronounced', 'iterated', 'counted'].includes(o.method)) throw new UnsafeValueError('method', 'expected pronounced, iterated or counted', String(o.method));
  if (o.gender !== undefined && !['masculine', 'feminine', 'neuter'].includes(o.gender)) {
    throw new UnsafeValueError('gender', 'expected masculine, feminine or neuter', String(o.gender));
  }
  if (typeof o.value !== 'string' || !/^[A-Za-z0-9.,:+@_-]{1,64}$/.test(o.value)) {
    throw new UnsafeValueError('value', 'expected 1-64 letters, digits or . , : + @ _ -', typeof o.value === 'string' ? o.value : undefined);
  }
  const parts = [o.lang, type, o.method, ...(o.gender ? [o.gender] : []), o.value];
  return toAppInvocation('say', parts.join(' '));
}

/** `transfer <dest> [dialplan] [context]`. */
export function transfer(dest: string, dialplan?: string, context?: string): AppInvocation {
  const parts = [destination(dest, 'dest')];
  if (dialplan !== undefined || context !== undefined) parts.push(dialplanName(dialplan ?? 'XML'));
  if (context !== undefined) parts.push(contextName(context));
  if (parts[1]?.toLowerCase() === 'inline') throw new UnsafeValueError('dialplan', 'inline dialplans are app calls', parts[1]);
  return toAppInvocation('transfer', parts.join(' '));
}

/**
 * An application call given as a plain `{ app, arg }` (e.g. originate's `&app(arg)` target written inline): a builder's
 * own invocation passes as is; anything else is re-validated by the builder of that app, so a look-alike object
 * cannot carry `user/1001,sofia/gateway/evil/900` into bridge. Apps whose argument has structure beyond one value
 * (play_and_get_digits, say, set...) must come from their builders.
 */
export function appInvocationFrom(value: { app: string; arg: string } | AppInvocation, field = 'app'): AppInvocation {
  if (isBuiltAppInvocation(value)) return value;
  if (value === null || typeof value !== 'object') throw new UnsafeValueError(field, 'expected { app, arg }');
  const { app, arg } = value as { app: unknown; arg: unknown };
  if (typeof app !== 'string' || typeof arg !== 'string') throw new UnsafeValueError(field, 'app and arg must be strings');
  switch (app) {
    case 'answer':
    case 'pre_answer':
    case 'park':
      if (arg !== '') throw new UnsafeValueError(`${field}.arg`, `${app} takes no argument`, arg);
      return toAppInvocation(app, '');
    case 'hangup':
      return hangup(arg === '' ? undefined : hangupCause(arg, `${field}.arg`));
    case 'sleep':
      if (!/^[0-9]{1,7}$/.test(arg)) throw new UnsafeValueError(`${field}.arg`, 'sleep takes milliseconds', arg);
      return sleep(Number(arg));
    case 'playback':
      return playback(mediaPath(arg, `${field}.arg`));
    case 'bridge':
      return bridge(assertDialString(arg, `${field}.arg`));
    case 'eavesdrop':
      return eavesdrop(uuid(arg, `${field}.arg`));
    default:
      throw new UnsafeValueError(field, `use the ${app} builder (apps.*) for this application`, app);
  }
}
