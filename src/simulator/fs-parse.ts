/**
 * FreeSWITCH 1.10's own parsing functions, ported statement by statement, so the simulator reads api arguments,
 * dial strings, variable blocks and application arguments exactly as a real FreeSWITCH does. Each function names the
 * C function it mirrors:
 *   - switch_utils.c: unescape_char, cleanup_separated_string, separate_string_char_delim,
 *     separate_string_blank_delim, switch_separate_string, switch_find_end_paren, switch_strip_whitespace,
 *     switch_is_number;
 *   - switch_utils.h: switch_string_var_check_const, switch_string_has_escaped_data;
 *   - switch_event.c: switch_event_create_brackets;
 *   - switch_ivr_originate.c: the passes over a dial string before legs are created;
 *   - switch_loadable_module.c: switch_api_execute (argument whitespace strip);
 *   - switch_channel.c: switch_channel_set_variable_var_check;
 *   - mod_commands.c: originate, uuid_setvar, uuid_setvar_multi argument handling;
 *   - mod_dptools.c: base_set (set), export, record, record_session argument handling.
 * test/freeswitch checks the command builders (src/freeswitch) against these same functions.
 *
 * It works on UTF-16 code units: every byte these functions compare is ASCII, and UTF-8 continuation bytes never
 * equal an ASCII byte, so the result is the same as on bytes.
 */

/** unescape_char: the characters cleanup_separated_string turns `\x` into. */
function unescapeChar(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 's':
      return ' ';
    default:
      return c;
  }
}

/**
 * cleanup_separated_string(str, delim); delim '' stands for 0. Skips leading spaces, removes paired `'` (a `'` only
 * opens a quote when another `'` follows), turns `\'` `\"` `\\` `\<delim>` `\n` `\r` `\t` `\s` into the character,
 * keeps any other `\x` as is, and cuts trailing unquoted spaces.
 */
export function cleanup(str: string, delim: string): string {
  let i = 0;
  while (str[i] === ' ') i++;
  // Without a quote or a backslash there is nothing to remove but the spaces around: the text between, as one slice
  // (the loop below builds its result a character at a time, and most elements are plain).
  if (str.indexOf("'", i) < 0 && str.indexOf('\\', i) < 0) {
    let end = str.length;
    while (end > i && str[end - 1] === ' ') end--;
    return str.slice(i, end);
  }
  let dest = '';
  let end = -1;
  let inside = false;
  for (; i < str.length; i++) {
    let esc = false;
    if (str[i] === '\\') {
      const nxt = str[i + 1];
      if (nxt !== undefined) {
        const un = unescapeChar(nxt);
        if (nxt === "'" || nxt === '"' || (delim !== '' && nxt === delim) || nxt === '\\' || un !== nxt) {
          i++;
          dest += un;
          end = dest.length;
          esc = true;
        }
      }
    }
    if (!esc) {
      if (str[i] === "'" && (inside || str.indexOf("'", i + 1) >= 0)) {
        inside = !inside;
        if (inside) end = dest.length;
      } else {
        dest += str[i];
        if (str[i] !== ' ' || inside) end = dest.length;
      }
    }
  }
  return end >= 0 ? dest.slice(0, end) : dest;
}

function slices(buf: string, starts: number[], cuts: number[]): string[] {
  return starts.map((s) => {
    const cut = cuts.find((c) => c >= s);
    return buf.slice(s, cut === undefined ? buf.length : cut);
  });
}

/** separate_string_char_delim: `\` protects the next byte, `'...'` (when closed) protects the delimiter. */
function sepCharDelim(buf: string, delim: string, arraylen: number): string[] {
  const starts: number[] = [];
  const cuts: number[] = [];
  let start = true;
  let inside = false;
  let i = 0;
  while (i < buf.length && starts.length < arraylen) {
    if (start) {
      starts.push(i);
      start = false;
      continue;
    }
    const c = buf[i];
    if (c === '\\') i++;
    else if (c === "'" && (inside || buf.indexOf("'", i + 1) >= 0)) inside = !inside;
    else if (c === delim && !inside) {
      cuts.push(i);
      start = true;
    }
    i++;
  }
  return slices(buf, starts, cuts).map((e) => cleanup(e, delim));
}

/** separate_string_blank_delim: runs of spaces split; here any `'` toggles quoting (closed or not). */
function sepBlankDelim(buf: string, arraylen: number): string[] {
  const starts: number[] = [];
  const cuts: number[] = [];
  let state: 'START' | 'SKIP_INITIAL' | 'FIND' | 'SKIP_END' = 'START';
  let inside = false;
  let i = 0;
  while (i < buf.length && starts.length < arraylen) {
    const c = buf[i];
    switch (state) {
      case 'START':
        starts.push(i);
        state = 'SKIP_INITIAL';
        break;
      case 'SKIP_INITIAL':
        if (c === ' ') i++;
        else state = 'FIND';
        break;
      case 'FIND':
        if (c === '\\') i++;
        else if (c === "'") inside = !inside;
        else if (c === ' ' && !inside) {
          cuts.push(i);
          state = 'SKIP_END';
        }
        i++;
        break;
      case 'SKIP_END':
        if (c === ' ') i++;
        else state = 'START';
        break;
    }
  }
  return slices(buf, starts, cuts).map((e) => cleanup(e, ''));
}

/**
 * switch_separate_string(buf, delim, array, arraylen): at most `arraylen` elements, the last one holding the rest of
 * the buffer. A buffer starting with `^^X` (and at least one more byte) uses X as the delimiter instead.
 */
export function separate(buf: string, delim: string, arraylen: number): string[] {
  if (buf.startsWith('^^') && buf.length >= 4) {
    delim = buf[2]!;
    buf = buf.slice(3);
  }
  return delim === ' ' ? sepBlankDelim(buf, arraylen) : sepCharDelim(buf, delim, arraylen);
}

/** switch_find_end_paren: index of the matching close, or -1. No quote or escape awareness. */
export function findEndParen(s: string, from: number, open: string, close: string): number {
  let i = from;
  while (s[i] === ' ') i++;
  if (s[i] !== open) return -1;
  let depth = 1;
  for (let e = i + 1; e < s.length; e++) {
    if (s[e] === open && open !== close) depth++;
    else if (s[e] === close) {
      depth--;
      if (!depth) return e;
    }
  }
  return -1;
}

export type Pair = [string, string];

/**
 * switch_event_create_brackets on one block at the start of `data` (`a` open, `b` close, `c` separator): the pairs
 * and the text after the block, or null when the block is not closed. Items are split with switch_separate_string at
 * `c` (or at X after a leading `^^X`), each item once at `=`; an item without `=` is ignored. (Its chained-block loop
 * starts at the closing byte, where switch_strchr_strict always fails, so only one block is read per call.)
 */
export function createBrackets(data: string, a: string, b: string, c: string): { pairs: Pair[]; rest: string } | null {
  const end = findEndParen(data, 0, a, b);
  if (end < 0) return null;
  let vdata = data.slice(1, end);
  if (vdata.startsWith('^^')) {
    c = vdata[2] ?? '';
    vdata = vdata.slice(3);
  }
  const pairs: Pair[] = [];
  for (const item of separate(vdata, c, 1024)) {
    const inner = separate(item, '=', 2);
    if (inner.length === 2) pairs.push([inner[0]!, inner[1]!]);
  }
  return { pairs, rest: data.slice(end + 1) };
}

export interface ParsedDial {
  /** `:_:` found: the string would go to switch_ivr_enterprise_originate instead. */
  enterprise: boolean;
  /** origination_nested_vars=true found anywhere: FS would stop refusing `${` in values. */
  nestedVars: boolean;
  /** `<...>` then `{...}` variables, in order. */
  vars: Pair[];
  /** Failover groups (`|`) of parallel legs (`,`), each leg's text as switch_ivr_originate sees it (see parseLeg). */
  legs: string[][];
}

/** switch_ivr_originate.c QUOTED_ESC_COMMA / UNQUOTED_ESC_COMMA: what commas inside `[...]` become before the leg split. */
const QUOTED_ESC_COMMA = '\u0001';
const UNQUOTED_ESC_COMMA = '\u0002';

/**
 * switch_ivr_originate's scan of one failover group before it is split into legs: a `,` inside a `[...]` block (and
 * not right after a `\`) is replaced by QUOTED_ESC_COMMA when inside `'...'` or in a `[^^X...]` block, else by
 * UNQUOTED_ESC_COMMA, so per-leg blocks can hold several variables.
 */
function protectLegBlockCommas(group: string): string {
  const p = group.split('');
  let end = -1;
  let q = false;
  let alt = false;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '[') {
      end = findEndParen(group, i, '[', ']');
      alt = p[i + 1] === '^' && p[i + 2] === '^';
      q = false;
    }
    if (p[i] === "'") q = !q;
    if (end >= 0 && i < end && p[i] === ',' && p[i - 1] !== '\\') p[i] = q || alt ? QUOTED_ESC_COMMA : UNQUOTED_ESC_COMMA;
    // switch_strchr_strict(p, '[', " ") from the closing `]` itself never matches.
    if (i === end) end = -1;
  }
  return p.join('');
}

/** switch_ivr_originate's passes over a dial string, up to the endpoints. Null on "Parse Error!" or no endpoint. */
export function parseDialString(bridgeto: string): ParsedDial | null {
  let data = bridgeto.replace(/^ +/, '');
  const enterprise = bridgeto.includes(':_:');
  const nestedVars = /origination_nested_vars=true/i.test(data);
  const vars: Pair[] = [];
  for (const [open, close] of [
    ['<', '>'],
    ['{', '}'],
  ] as const) {
    while (data.startsWith(open)) {
      const r = createBrackets(data, open, close, ',');
      if (!r) return null;
      vars.push(...r.pairs);
      data = r.rest;
    }
  }
  data = data.replace(/^ +/, '');
  if (!data) return null;
  const legs = separate(data, '|', 128).map((g) => separate(protectLegBlockCommas(g), ',', 128).map((l) => l.replace(/^ +/, '')));
  return { enterprise, nestedVars, vars, legs };
}

/**
 * One leg of a dial string as switch_ivr_originate reads it: leading spaces skipped, then any `[...]` blocks of
 * per-leg variables (protected commas restored, then switch_event_create_brackets split at UNQUOTED_ESC_COMMA),
 * leading spaces skipped again. Null on "Parse Error!" (an unclosed block).
 */
export function parseLeg(leg: string): { vars: Pair[]; endpoint: string } | null {
  let chan = leg.replace(/^ +/, '');
  const vars: Pair[] = [];
  while (chan.startsWith('[')) {
    const bend = findEndParen(chan, 0, '[', ']');
    if (bend < 0) return null;
    chan = chan.slice(0, bend).split(QUOTED_ESC_COMMA).join(',') + chan.slice(bend);
    const r = createBrackets(chan, '[', ']', UNQUOTED_ESC_COMMA);
    if (!r) return null;
    vars.push(...r.pairs);
    chan = r.rest;
  }
  return { vars, endpoint: chan.replace(/^ +/, '') };
}

/** switch_strip_whitespace (CR, LF, TAB, space, VT at both ends), applied by switch_api_execute to command and argument. */
export function stripWhitespace(s: string | undefined): string {
  return (s ?? '').replace(/^[\r\n\t \v]+|[\r\n\t \v]+$/g, '');
}

/** `api <cmd> <arg>` as mod_event_socket (split at the first space) + switch_api_execute (strip) see it. */
export function splitApiLine(line: string): { cmd: string; arg: string } {
  const sp = line.indexOf(' ');
  return sp < 0 ? { cmd: stripWhitespace(line), arg: '' } : { cmd: stripWhitespace(line.slice(0, sp)), arg: stripWhitespace(line.slice(sp + 1)) };
}

/** An api argument split as most mod_commands functions do: switch_separate_string(arg, ' ', argv, arraylen). */
export function apiArgv(arg: string, arraylen: number): string[] {
  return arg ? separate(arg, ' ', arraylen) : [];
}

/** C atoi: optional leading whitespace and sign, then digits; 0 when there are none. */
export function atoi(s: string | undefined): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s ?? '');
  if (!m) return 0;
  const n = parseInt(m[1]!, 10);
  return Math.max(-2147483648, Math.min(2147483647, n));
}

/** switch_atoui: atoi, negative values become 0. */
export function atoui(s: string | undefined): number {
  return Math.max(0, atoi(s));
}

/** switch_is_number: an optional sign, then only digits and dots. */
export function isNumber(s: string): boolean {
  return /^[+-]?[0-9.]*$/.test(s);
}

/** `&app(arg)` as originate_function cuts it: the name ends at the first `(`, the argument at the FIRST `)`. */
export function parseAppTarget(exten: string): { name: string; arg: string } | null {
  if (!exten.startsWith('&') || exten.length < 2) return null;
  let name = exten.slice(1);
  const e = name.indexOf(')');
  if (e >= 0) name = name.slice(0, e);
  const p = name.indexOf('(');
  let arg = '';
  if (p >= 0) {
    arg = name.slice(p + 1);
    name = name.slice(0, p);
  }
  return { name, arg };
}

export interface OriginateArgs {
  /** argc of the space split (originate answers -USAGE outside 2..7). */
  argc: number;
  /** argv after `undef` became null. */
  argv: Array<string | null>;
}

/** mod_commands originate_function's split: switch_separate_string(arg, ' ', argv[10]), `undef` (any case) -> absent. */
export function originateArgs(arg: string): OriginateArgs {
  const argv: Array<string | null> = apiArgv(arg, 10);
  for (let i = 0; i < argv.length && argv[i] !== null; i++) if (argv[i]!.toLowerCase() === 'undef') argv[i] = null;
  return { argc: argv.length, argv };
}

export interface ParsedOriginate {
  dial: ParsedDial | null;
  /** `&app(arg)` target, or null for an extension target. */
  app: { name: string; arg: string } | null;
  exten: string | null;
  dialplan: string | null;
  context: string | null;
  argc: number;
}

/** A whole `originate ...` line as mod_commands originate_function reads it. */
export function parseOriginate(line: string): ParsedOriginate {
  const { cmd, arg } = splitApiLine(line);
  if (cmd !== 'originate') throw new Error(`not an originate: ${cmd}`);
  const { argc, argv } = originateArgs(arg);
  const exten = argv[1] ?? null;
  const app = exten ? parseAppTarget(exten) : null;
  return {
    dial: argv[0] ? parseDialString(argv[0]) : null,
    app,
    exten: app ? null : exten,
    dialplan: argv[2] ?? null,
    context: argv[3] ?? null,
    argc,
  };
}

/**
 * Whether switch_channel_expand_variables would touch an application argument at all
 * (switch_string_var_check_const || switch_string_has_escaped_data).
 */
export function expansionRuns(data: string): boolean {
  if (data.includes('${')) return true;
  for (let i = data.indexOf('\\'); i >= 0; i = data.indexOf('\\', i + 1)) {
    if (['\\', 'n', 's', 't', "'"].includes(data[i + 1] ?? '')) return true;
  }
  return false;
}

/** mod_commands uuid_setvar_function on its argument: [uuid, name, value?] (argv[3], so the value is the rest). */
export function uuidSetvarArgs(arg: string): string[] {
  return apiArgv(arg, 3);
}

/** uuid_setvar on a whole line. */
export function parseUuidSetvar(line: string): string[] {
  const { cmd, arg } = splitApiLine(line);
  if (cmd !== 'uuid_setvar') throw new Error(`not uuid_setvar: ${cmd}`);
  return uuidSetvarArgs(arg);
}

/**
 * mod_commands uuid_setvar_multi_function on its argument: the uuid is everything before the first space (null when
 * there is none); the rest is split at `;` (argv[64]) and each item at its first `=` (no `=`: value null, i.e. unset).
 */
export function uuidSetvarMultiArgs(arg: string): { uuid: string; pairs: Array<[string, string | null]> } | null {
  const sp = arg.indexOf(' ');
  if (sp < 0) return null;
  const pairs = separate(arg.slice(sp + 1), ';', 64).map((item): [string, string | null] => {
    const eq = item.indexOf('=');
    return eq < 0 ? [item, null] : [item.slice(0, eq), item.slice(eq + 1)];
  });
  return { uuid: arg.slice(0, sp), pairs };
}

/** uuid_setvar_multi on a whole line. */
export function parseUuidSetvarMulti(line: string): { uuid: string; pairs: Array<[string, string | null]> } {
  const { cmd, arg } = splitApiLine(line);
  if (cmd !== 'uuid_setvar_multi') throw new Error(`not uuid_setvar_multi: ${cmd}`);
  return uuidSetvarMultiArgs(arg) ?? { uuid: arg, pairs: [] };
}

/** A generic api command: its verb and the argv mod_commands' blank split gives. */
export function parseApiArgs(line: string, arraylen = 32): { cmd: string; argv: string[] } {
  const { cmd, arg } = splitApiLine(line);
  return { cmd, argv: apiArgv(arg, arraylen) };
}

/** What setChannelVariable needs of a channel's variables. */
export interface VariableStore {
  set(name: string, value: string): unknown;
  delete(name: string): unknown;
}

/**
 * switch_channel_set_variable_var_check: the variable is removed, then set again unless the value is empty; with
 * var_check (switch_channel_set_variable, used by uuid_setvar and uuid_setvar_multi) a value holding `${` is refused
 * (switch_string_var_check_const) and the variable stays removed.
 */
export function setChannelVariable(vars: VariableStore, name: string, value: string | null | undefined, varCheck: boolean): void {
  if (!name) return;
  vars.delete(name);
  if (!value) return;
  if (varCheck && value.includes('${')) return;
  vars.set(name, value);
}

/**
 * mod_dptools base_set (set, push, unshift): the name ends at the first `=`, or when there is none at the first `,`;
 * an empty value means unset (null). The name is not trimmed.
 */
export function setAppArgs(data: string): { name: string; value: string | null } | null {
  if (!data) return null;
  let cut = data.indexOf('=');
  if (cut < 0) cut = data.indexOf(',');
  if (cut < 0) return { name: data, value: null };
  const value = data.slice(cut + 1);
  return { name: data.slice(0, cut), value: value || null };
}

/** mod_dptools export_function: the name ends at the first `=` (no `,` fallback); an empty value means unset. */
export function exportAppArgs(data: string): { name: string; value: string | null } | null {
  if (!data) return null;
  const eq = data.indexOf('=');
  if (eq < 0) return { name: data, value: null };
  const value = data.slice(eq + 1);
  return { name: data.slice(0, eq), value: value || null };
}

/**
 * mod_dptools record_session_function: a limit is read only from a last `+` that follows a space and is followed by a
 * number (switch_is_number); then the spaces before the `+` are cut. Otherwise the whole argument is the path.
 */
export function recordSessionArgs(data: string): { path: string; limitSec: number } {
  const plus = data.lastIndexOf('+');
  if (plus > 0 && data[plus - 1] === ' ') {
    const limit = data.slice(plus + 1);
    if (limit !== '' && isNumber(limit)) {
      let end = plus - 1;
      while (end > 0 && data[end] === ' ') end--;
      return { path: data.slice(0, end + 1), limitSec: atoi(limit) };
    }
  }
  return { path: data, limitSec: 0 };
}

/** mod_dptools record_function: switch_separate_string(data, ' ', argv[4]); the limit may start with `+`. */
export function recordAppArgs(data: string): { path: string | undefined; limitSec: number } {
  const argv = separate(data, ' ', 4);
  let l = argv[1];
  if (l !== undefined && l.startsWith('+')) l = l.slice(1);
  return { path: argv[0], limitSec: l !== undefined ? atoui(l) : 0 };
}
