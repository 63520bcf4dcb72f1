/**
 * The one way values reach a FreeSWITCH command. Every api/bgapi command and every dialplan application the service
 * sends is built here; the ESL client accepts only these branded types, so an unescaped string cannot reach the wire.
 *
 * Builders live beside this file (api.ts, apps.ts, dial.ts) and are re-exported from index.ts. The two constructors
 * below are internal to src/freeswitch (index.ts does not export them): they re-check the finished text, so even a
 * builder bug cannot put a line break or `${` on the wire. See escape.ts for what each layer needs.
 */
import { UnsafeValueError } from './errors';
import { assertNoControl } from './values';

declare const commandBrand: unique symbol;
declare const appBrand: unique symbol;

/** An api/bgapi command line (e.g. `uuid_kill 1234 NORMAL_CLEARING`), built and validated by this module. */
export type FsCommand = string & { readonly [commandBrand]: true };

/** A dialplan application call for sendmsg execute: the argument travels in the message body. */
export interface AppInvocation {
  readonly app: string;
  readonly arg: string;
  readonly [appBrand]: true;
}

/** Longest command line we ever build (FreeSWITCH accepts 10 MiB of header text; nothing legitimate comes close). */
export const MAX_COMMAND_LENGTH = 64 * 1024;

/** Applications the service may run through sendmsg execute or `&app(arg)`. */
export const ALLOWED_APPS: ReadonlySet<string> = new Set([
  'answer',
  'pre_answer',
  'park',
  'hangup',
  'sleep',
  'playback',
  'play_and_get_digits',
  'bridge',
  'eavesdrop',
  'record_session',
  'stop_record_session',
  'set',
  'export',
  'say',
  'transfer',
  'conference',
  // mod_amd: answering-machine detection on dialer calls (src/dialer)
  'amd',
  'avmd_start',
]);

/** Internal: the finished api command line, re-checked (one line, no control character, no `${`). */
export function toFsCommand(line: string): FsCommand {
  assertNoControl('command', line);
  if (!line.length || line.length > MAX_COMMAND_LENGTH) throw new UnsafeValueError('command', 'empty or too long', line);
  if (/^\s|\s$/.test(line)) throw new UnsafeValueError('command', 'leading or trailing whitespace', line);
  if (line.includes('${')) throw new UnsafeValueError('command', '`${` would be expanded by FreeSWITCH', line);
  return line as FsCommand;
}

/** Invocations made by toAppInvocation: the brand is type-only, this is its run-time counterpart. */
const BUILT_INVOCATIONS = new WeakSet<object>();

/** True when `value` came out of one of the app builders (not a look-alike object literal). */
export function isBuiltAppInvocation(value: unknown): value is AppInvocation {
  return typeof value === 'object' && value !== null && BUILT_INVOCATIONS.has(value);
}

/** Internal: a finished application call, re-checked (allow-listed app, argument one line without `${`). */
export function toAppInvocation(app: string, arg: string): AppInvocation {
  if (!ALLOWED_APPS.has(app)) throw new UnsafeValueError('app', 'not an allowed application', app);
  assertNoControl(`${app} argument`, arg);
  if (arg.length > MAX_COMMAND_LENGTH) throw new UnsafeValueError(`${app} argument`, 'too long', arg);
  if (arg.includes('${')) throw new UnsafeValueError(`${app} argument`, '`${` would be expanded by FreeSWITCH', arg);
  const inv = Object.freeze({ app, arg });
  BUILT_INVOCATIONS.add(inv);
  return inv as unknown as AppInvocation;
}
