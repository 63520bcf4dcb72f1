/**
 * Position-exact escaping, and the wire description ("toWire") of every layer a value crosses.
 *
 * Layer 0, the ESL frame (src/esl sends it, src/freeswitch builds what goes in it):
 *   - `api <line>` / `bgapi <line>`: the command is header text. FreeSWITCH reads it byte by byte, ignores CR, and a LF
 *     ends the line (`\n\n` ends the command and starts the next one: `1001\n\nbgapi system ...` would be a second
 *     command). So an FsCommand is ONE line with no control character at all; every builder refuses C0/C1 controls in
 *     every input and `toFsCommand` re-checks the final line.
 *   - `sendmsg <uuid>`: headers `call-command: execute`, `execute-app-name: <app>`; the same one-line rule holds for
 *     the header values (uuid and app name are tokens). The app argument travels as a `text/plain` body with an exact
 *     Content-Length, so it cannot end the frame, but FreeSWITCH hands it to the app as one C string and the apps read
 *     it as one line: it follows the same no-control rule.
 *
 * Layer 1, api argument split. mod_commands splits most arguments with `switch_separate_string(arg, ' ', ...)`
 * (switch_utils.c separate_string_blank_delim + cleanup_separated_string(.., 0)):
 *   - a space splits, except inside `'...'`; a `\` makes the splitter skip the next byte;
 *   - then each argument is cleaned: leading/trailing spaces trimmed, paired `'` removed, and `\'` `\"` `\\` become
 *     `'` `"` `\`, `\n` `\r` `\t` `\s` become LF CR TAB SPACE; any other `\x` stays as the two bytes `\x`;
 *   - a buffer starting with `^^X` switches the delimiter to X.
 *   The last argument of a command with a fixed argv (uuid_setvar's value) is "the rest of the line", cleaned the same.
 *   `apiText` encodes free text for this layer; `quoteBlank` encodes a token that may contain spaces.
 *
 * Layer 2, dial-string blocks `{a=b,c=d}` (switch_event_create_brackets): the block ends at the first unbalanced `}`
 * (switch_find_end_paren knows no quotes or escapes), is split at `,` (char-delim split: `\,` and `'...'` protect,
 * cleanup(.., ',') un-escapes and trims), each pair is split once at `=` and the value is cleaned AGAIN
 * (cleanup(.., '=')). A value therefore meets cleanup twice (three times through the api line). Before any of this,
 * switch_ivr_originate looks for `:_:` (enterprise originate) and `origination_nested_vars=true` (turns its `${` check
 * off) anywhere in the string. `dialVarValue` keeps values to what survives all of these exactly: no quotes, no
 * braces, no backslash, no leading/trailing space, and `,` written `\,` (which no later layer, including variable
 * expansion on the bridge app's argument, touches).
 *
 * Layer 3, variable expansion. Application arguments (sendmsg execute, `&app(arg)`, dialplan) are expanded before
 * the app runs when they contain `${`/`$${` or an escape (`\\` `\'` `\s` `\n` `\t`): `${...}` is substituted
 * recursively (and `${api(...)}` can run APIs), `\'` is deleted, `\\` halved. Values stored in channel variables are
 * expanded again wherever they are later referenced. Hence: `${` is refused in every value, backslashes are refused
 * in free text, and app arguments never carry `\'` or `\\` (so expansion, if it runs, cannot change them).
 */
import { UnsafeValueError } from './errors';

/** Characters after `\` that cleanup_separated_string rewrites (besides the active delimiter). */
const CLEANUP_ESCAPES = new Set(["'", '"', '\\', 'n', 'r', 't', 's']);

/**
 * A token for a space-split position that may hold spaces: wrapped in `'...'` when it does. It must not hold `'`;
 * a backslash is allowed only before a character that layer 1 keeps as-is (the caller vouches it is meant).
 */
export function quoteBlank(field: string, tokenText: string): string {
  if (!tokenText.length) throw new UnsafeValueError(field, 'empty argument (FreeSWITCH would drop it)');
  if (tokenText.includes("'")) throw new UnsafeValueError(field, "a quote (') cannot be carried in this position", tokenText);
  if (tokenText.startsWith('^^')) throw new UnsafeValueError(field, '`^^` at the start changes FreeSWITCH delimiters', tokenText);
  for (let i = tokenText.indexOf('\\'); i >= 0; i = tokenText.indexOf('\\', i + 2)) {
    const next = tokenText[i + 1];
    if (next === undefined || CLEANUP_ESCAPES.has(next) || next === ' ') {
      throw new UnsafeValueError(field, 'backslash escape that FreeSWITCH would rewrite', tokenText);
    }
  }
  return tokenText.includes(' ') ? `'${tokenText}'` : tokenText;
}

/**
 * Free text (already checked by `safeText`) as one api argument, layer 1 only (api commands are not expanded).
 * Without `'`: quoted when it holds spaces. With `'`: every `'` written `\'` and every space `\s`.
 */
export function apiText(field: string, text: string): string {
  if (!text.includes("'")) return quoteBlank(field, text);
  if (text.startsWith('^^')) throw new UnsafeValueError(field, '`^^` at the start changes FreeSWITCH delimiters', text);
  return text.replace(/'/g, "\\'").replace(/ /g, '\\s');
}

/**
 * A value for `uuid_setvar_multi <uuid> a=1;b=2`: the part after the first space is split at `;`
 * (char-delim split + cleanup(.., ';')), then each pair at its first `=`. `'` -> `\'`, `;` -> `\;`, space -> `\s`.
 */
export function setvarMultiValue(field: string, text: string): string {
  if (!text.length) throw new UnsafeValueError(field, 'empty value (uuid_setvar_multi would unset the variable)');
  return text.replace(/'/g, "\\'").replace(/;/g, '\\;').replace(/ /g, '\\s');
}

/**
 * A channel variable value inside a dial-string `{...}` block (layer 2), checked and encoded.
 * Refused: `'` and `"` (quote handling differs between layers), `{` `}` (the block ends at the first `}`, escapes
 * notwithstanding), `:_:`, `origination_nested_vars`, leading/trailing whitespace (trimmed by two cleanups), empty
 * (a pair without value is ignored). Encoded: `,` -> `\,`.
 */
export function dialVarValue(field: string, text: string): string {
  if (!text.length) throw new UnsafeValueError(field, 'empty value (FreeSWITCH ignores `name=` in a dial string)');
  const bad = /['"{}]/.exec(text);
  if (bad) throw new UnsafeValueError(field, `\`${bad[0]}\` cannot be carried in a dial-string variable`, text);
  if (text.includes(':_:')) throw new UnsafeValueError(field, '`:_:` splits an enterprise originate', text);
  if (/origination_nested_vars/i.test(text)) throw new UnsafeValueError(field, 'mentions origination_nested_vars', text);
  if (/^\s|\s$/.test(text)) throw new UnsafeValueError(field, 'leading or trailing whitespace is trimmed by FreeSWITCH', text);
  return text.replace(/,/g, '\\,');
}
