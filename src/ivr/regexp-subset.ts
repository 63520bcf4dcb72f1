/**
 * Regexps in flows are compiled by JavaScript (dry-run, conditions) and, for `collect`, by FreeSWITCH's PCRE. This
 * checks a pattern stays inside the subset both read the same way.
 */

/** Longest pattern accepted anywhere in a flow. */
export const MAX_PATTERN_LENGTH = 256;

/**
 * Returns why `pattern` is not accepted, or undefined when it compiles in JavaScript and uses only the
 * JavaScript/PCRE common subset: no lookbehind, no named groups or `\k` backreferences, no `/u`-only escapes
 * (`\p{..}`, `\P{..}`, `\u{..}`), no `\u`/`\x` escapes (PCRE spells them differently), no flags.
 */
export function regexpProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'empty regexp';
  if (pattern.length > MAX_PATTERN_LENGTH) return `regexp longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern);
  } catch (e) {
    return `regexp does not compile: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === 'k') return 'named backreferences (\\k<name>) are not PCRE-compatible';
      if (n === 'p' || n === 'P') return 'Unicode property escapes (\\p, \\P) need the /u flag';
      if (n === 'u') return '\\u escapes are not PCRE-compatible';
      if (n === 'x') return '\\x escapes are not accepted (PCRE and JavaScript differ)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal in PCRE but ends an empty class in JavaScript.
      const first = pattern[i + 1] === '^' ? pattern[i + 2] : pattern[i + 1];
      if (first === ']') return 'a class starting with `]` reads differently in PCRE and JavaScript';
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const n = pattern[i + 2];
      if (n === '<') {
        const m = pattern[i + 3];
        if (m === '=' || m === '!') return 'lookbehind ((?<= and (?<!) is not accepted';
        return 'named groups ((?<name>...)) are not PCRE-compatible';
      }
      if (n !== ':' && n !== '=' && n !== '!') return `group modifier (?${n ?? ''} is not accepted`;
    }
  }
  return undefined;
}
