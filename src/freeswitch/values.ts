/**
 * Validators for every kind of value the service puts into a FreeSWITCH command. Each returns the value (typed where
 * a brand helps) or throws UnsafeValueError naming the field and the reason.
 *
 * Two families:
 * - tokens (uuids, variable names, extensions, gateways, numbers, causes...) are whitelisted: they never need escaping
 *   anywhere, so they can sit in any position of any command;
 * - free text (variable values, caller id names) passes `safeText` and is then escaped for its exact position by
 *   src/freeswitch/escape.ts.
 */
import { isHangupCause, type HangupCause } from './causes';
import { UnsafeValueError } from './errors';

declare const uuidBrand: unique symbol;
declare const mediaBrand: unique symbol;

/** A channel uuid as FreeSWITCH prints it (or as we chose it with origination_uuid). */
export type Uuid = string & { readonly [uuidBrand]: true };

/**
 * Something FreeSWITCH can play or record to: an absolute file path, `tone_stream://`, `silence_stream://`,
 * `local_stream://` or (play only) `file_string://`. Only the constructors below make one.
 */
export type MediaPath = string & { readonly [mediaBrand]: true };

/** Longest free-text value accepted (caller id names, variable values). */
export const MAX_TEXT_LENGTH = 1024;

// C0 controls (CR, LF, NUL, TAB...), DEL, C1 controls, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function describeControl(s: string): string {
  const m = CONTROL.exec(s);
  const code = m ? m[0].charCodeAt(0) : 0;
  const names: Record<number, string> = { 0: 'NUL', 9: 'TAB', 10: 'LF', 13: 'CR' };
  return `control character ${names[code] ?? `U+${code.toString(16).toUpperCase().padStart(4, '0')}`} at index ${m?.index ?? 0}`;
}

/** The check every value of every builder passes first: a string, no control characters, well-formed UTF-16. */
export function assertNoControl(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new UnsafeValueError(field, `expected a string, got ${typeof value}`);
  if (CONTROL.test(value)) throw new UnsafeValueError(field, describeControl(value), value);
  if (LONE_SURROGATE.test(value)) throw new UnsafeValueError(field, 'malformed UTF-16 (lone surrogate)', value);
  return value;
}

/**
 * Free text: no control characters, no backslash, no `${` (FreeSWITCH expands `${...}` and `$${...}` recursively
 * wherever a variable is later used, and `${api(...)}` can run any API), bounded length, not empty.
 *
 * Backslash is refused rather than escaped: FreeSWITCH un-escapes `\\`, `\'`, `\s`, `\n`... at up to three layers
 * (api argument split, dial-string block split, `=` split) and variable expansion removes `\'` and halves `\\` again,
 * so no single encoding of a backslash is right in every position. Nothing in a call center needs one.
 */
export function safeText(field: string, value: unknown, opts: { maxLength?: number; allowEmpty?: boolean } = {}): string {
  const s = assertNoControl(field, value);
  const max = opts.maxLength ?? MAX_TEXT_LENGTH;
  if (!s.length && !opts.allowEmpty) throw new UnsafeValueError(field, 'empty value');
  if (s.length > max) throw new UnsafeValueError(field, `longer than ${max} characters`, s);
  if (s.includes('\\')) throw new UnsafeValueError(field, 'backslash is not accepted (FreeSWITCH un-escapes it)', s);
  if (s.includes('${')) throw new UnsafeValueError(field, '`${` would be expanded by FreeSWITCH', s);
  return s;
}

function token(field: string, value: unknown, re: RegExp, what: string): string {
  const s = assertNoControl(field, value);
  if (!re.test(s)) throw new UnsafeValueError(field, `not a valid ${what}`, s);
  return s;
}

/** FreeSWITCH uuids are RFC 4122 text; origination_uuid may be any id we choose. Letters, digits, `-`; 1-64 chars, not starting with `-`. */
export function uuid(value: unknown, field = 'uuid'): Uuid {
  return token(field, value, /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'uuid (letters, digits and -, 1-64 chars)') as Uuid;
}

export function hangupCause(value: unknown, field = 'cause'): HangupCause {
  const s = assertNoControl(field, value);
  if (!isHangupCause(s)) throw new UnsafeValueError(field, 'not a known hangup cause name', s);
  return s;
}

/**
 * Channel variables whose value FreeSWITCH executes or which switch its safety checks off. They are refused as names
 * so that a name taken from data (CSV columns, CRM fields) can never schedule an API or app call.
 */
const HOOK_VARIABLE = /^(execute_on_|api_on_|api_hangup_hook|api_reporting_hook|api_after_bridge|exec_after_bridge_|bridge_pre_execute_|session_in_hangup_hook|origination_nested_vars|hangup_after_bridge_app|transfer_after_bridge|park_after_bridge|system_on_|spawn_)/i;

/** A channel variable name: `[A-Za-z_][A-Za-z0-9_]*`, at most 128 chars, and not a hook that runs commands. */
export function channelVarName(value: unknown, field = 'variable name'): string {
  const s = token(field, value, /^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'channel variable name ([A-Za-z_][A-Za-z0-9_]*)');
  if (HOOK_VARIABLE.test(s)) throw new UnsafeValueError(field, 'this variable makes FreeSWITCH run commands; use a dedicated builder', s);
  return s;
}

/** A directory user / extension: letters, digits, `_ . -`, starting with a letter or digit, 1-64 chars. */
export function extension(value: unknown, field = 'extension'): string {
  return token(field, value, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'extension (letters, digits, _ . -)');
}

/** A dialplan destination for transfer/originate: an extension or a phone number (`+`, `*`, `#` allowed). */
export function destination(value: unknown, field = 'destination'): string {
  return token(field, value, /^(?:\+?[0-9*#]{1,32}|[A-Za-z0-9][A-Za-z0-9_.*#-]{0,63})$/, 'dialplan destination');
}

/** A domain name or IPv4 address (no IPv6: `:` has meanings in dial strings). */
export function domain(value: unknown, field = 'domain'): string {
  const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  return token(field, value, new RegExp(`^(?=.{1,253}$)${label}(?:\\.${label})*$`), 'domain name');
}

/** A FreeSWITCH module name (`mod_sofia`). */
export function moduleName(value: unknown, field = 'module'): string {
  return token(field, value, /^mod_[a-z0-9_]{1,60}$/, 'module name (mod_ and lower-case letters, digits, _)');
}

/** A sofia gateway name. */
export function gatewayName(value: unknown, field = 'gateway'): string {
  return token(field, value, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'gateway name (letters, digits, _ . -)');
}

/** A sofia profile name. */
export function profileName(value: unknown, field = 'profile'): string {
  return token(field, value, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'sofia profile name');
}

/** A phone number for a dial string or caller id: optional leading `+`, then digits, `*`, `#`; 1-32 digits. */
export function phoneNumber(value: unknown, field = 'number'): string {
  return token(field, value, /^\+?[0-9*#]{1,32}$/, 'phone number (+, digits, * and #)');
}

/** A dialplan name (XML, inline, enum...). */
export function dialplanName(value: unknown, field = 'dialplan'): string {
  return token(field, value, /^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'dialplan name');
}

/** A dialplan context. */
export function contextName(value: unknown, field = 'context'): string {
  return token(field, value, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'dialplan context');
}

/** A non-negative integer within bounds, as text. */
export function integer(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new UnsafeValueError(field, 'expected an integer');
  if (value < min || value > max) throw new UnsafeValueError(field, `must be between ${min} and ${max}`, String(value));
  return String(value);
}

/** DTMF terminators for read/play_and_get_digits: `none`, or some of `0-9 * # A-D`. */
export function terminators(value: unknown, field = 'terminators'): string {
  return token(field, value, /^(?:none|[0-9*#A-Da-d]{1,16})$/, 'terminator set (digits, * #, or none)');
}

/**
 * A digit regexp for play_and_get_digits. It is one space-split argument of the app and passes variable expansion,
 * so: no spaces, no quotes, no `${`; a backslash only before a regexp metacharacter or class letter that neither
 * expansion nor the argument splitter rewrites (`\d`, `\w`, `\.`...; never `\s`, `\n`, `\t`, `\r`, `\\`, `\'`).
 */
export function digitRegexp(value: unknown, field = 'regexp'): string {
  const s = token(field, value, /^(?:[A-Za-z0-9^$.*+?()[\]{}|,:=!<>#_-]|\\[dDwWbB.*+?()[\]{}|^$#-])+$/, 'digit regexp (no spaces or quotes)');
  if (s.length > 256) throw new UnsafeValueError(field, 'longer than 256 characters', s);
  if (s.includes('${')) throw new UnsafeValueError(field, '`${` would be expanded by FreeSWITCH', s);
  try {
    new RegExp(s);
  } catch {
    throw new UnsafeValueError(field, 'not a valid regular expression', s);
  }
  return s;
}

/**
 * An absolute file path for playback/record. Paths are built by the service, yet still checked: letters, digits,
 * `_ . - /` and spaces, no `..` segment, no `//`, at most 1024 chars. Spaces are quoted where an argument is split.
 * (`+` is refused: record_session reads `+N` as a time limit; `:` is refused: `app::arg` makes uuid_broadcast run an
 * app; `{`, `!`, `'` have meanings in FreeSWITCH file strings.)
 */
export function filePath(value: unknown, field = 'path'): MediaPath {
  const s = token(field, value, /^\/[A-Za-z0-9_.\/ -]*[A-Za-z0-9_.-]$/, 'absolute file path (letters, digits, _ . - / and spaces)');
  if (s.length > 1024) throw new UnsafeValueError(field, 'longer than 1024 characters', s);
  if (s.split('/').some((seg) => seg === '..' || seg === '.')) throw new UnsafeValueError(field, '`.` or `..` path segment', s);
  if (s.includes('//')) throw new UnsafeValueError(field, 'empty path segment', s);
  if (/(^|\/) | (\/|$)/.test(s)) throw new UnsafeValueError(field, 'path segment starts or ends with a space', s);
  return s as MediaPath;
}

/** `tone_stream://<spec>`, e.g. `%(2000,4000,440,480);loops=-1`. No spaces, quotes, `:`, `{`, `!`. */
export function toneStream(spec: unknown, field = 'tone'): MediaPath {
  const s = token(field, spec, /^[A-Za-z0-9%(),;=.+-]{1,512}$/, 'tone_stream spec');
  return `tone_stream://${s}` as MediaPath;
}

/** `silence_stream://<ms>`. */
export function silenceStream(ms: number, field = 'silence'): MediaPath {
  return `silence_stream://${integer(ms, field, 0, 3_600_000)}` as MediaPath;
}

/** `local_stream://<name>` (music on hold). */
export function localStream(name: unknown, field = 'stream'): MediaPath {
  return `local_stream://${token(field, name, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'local stream name')}` as MediaPath;
}

/** Most files one file_string:// plays (mod_dptools' file_string_context_t keeps `char *argv[128]`). */
export const MAX_FILE_STRING_PARTS = 128;

/**
 * `file_string://<file>!<file>!...`: FreeSWITCH's file_string format (mod_dptools, file_string_file_open) splits the
 * rest at `!` (switch_separate_string, at most 128 parts) and plays the files one after the other as one playback;
 * a part that does not open is skipped (next_file's `goto top`), and only when none opens does the playback fail
 * (FILE NOT FOUND). Parts are absolute paths (filePath refuses `!`, so no part can split into two).
 */
export function fileString(paths: readonly unknown[], field = 'files'): MediaPath {
  if (!Array.isArray(paths) || paths.length === 0) throw new UnsafeValueError(field, 'file_string needs at least one file');
  if (paths.length > MAX_FILE_STRING_PARTS) throw new UnsafeValueError(field, `file_string plays at most ${MAX_FILE_STRING_PARTS} files`);
  const parts = paths.map((p, i) => filePath(p, `${field}.${i}`));
  const s = `file_string://${parts.join('!')}`;
  if (s.length > 4096) throw new UnsafeValueError(field, 'longer than 4096 characters', s);
  return s as MediaPath;
}

/** Checks that a value claiming to be a MediaPath really is one (a cast cannot smuggle text in). */
export function mediaPath(value: unknown, field = 'path'): MediaPath {
  const s = assertNoControl(field, value);
  if (s.startsWith('tone_stream://')) return toneStream(s.slice('tone_stream://'.length), field);
  if (s.startsWith('local_stream://')) return localStream(s.slice('local_stream://'.length), field);
  if (s.startsWith('file_string://')) return fileString(s.slice('file_string://'.length).split('!'), field);
  if (s.startsWith('silence_stream://')) {
    const ms = s.slice('silence_stream://'.length);
    if (!/^[0-9]{1,7}$/.test(ms)) throw new UnsafeValueError(field, 'not a valid silence_stream', s);
    return silenceStream(Number(ms), field);
  }
  return filePath(s, field);
}
