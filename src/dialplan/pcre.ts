/**
 * FreeSWITCH matches dialplan expressions with PCRE; Switchboard checks them by compiling them as JavaScript
 * RegExps. The two agree on the everyday syntax (anchors, classes, groups, lookarounds, lazy quantifiers,
 * backreferences), so a pattern passes only when it uses nothing that PCRE and JavaScript read differently or that
 * JavaScript lacks:
 * - possessive quantifiers `*+ ++ ?+ {n}+` (PCRE: no backtracking; JavaScript: a syntax error or a different match);
 * - atomic groups `(?>...)`, comments `(?#...)`, inline modifiers `(?i)`/`(?i:...)`, Python-style `(?P<n>...)`,
 *   `(?'n'...)`, branch reset `(?|...)`, recursion `(?R)`/`(?1)`, conditionals `(?(...)...)`;
 * - the escapes `\A \Z \z \G \K \R \X \h \H \V \N \C \Q \E \e \a \g`, `\p{..}`/`\P{..}`, `\x{..}`, `\k{..}` (PCRE
 *   meanings; non-unicode JavaScript reads most of them as the plain letter);
 * - POSIX classes `[[:digit:]]` and a `]` first in a class (PCRE: a literal `]`; JavaScript: an empty class).
 */

const PCRE_ONLY_ESCAPES = new Set(['A', 'Z', 'z', 'G', 'K', 'R', 'X', 'h', 'H', 'V', 'N', 'C', 'Q', 'E', 'e', 'a', 'g']);

const ESCAPE_NAMES: Record<string, string> = {
  A: 'the start-of-subject anchor \\A (use ^)',
  Z: 'the end-of-subject anchor \\Z (use $)',
  z: 'the end-of-subject anchor \\z (use $)',
  G: 'the \\G anchor',
  K: 'the match-reset \\K',
  R: 'the newline class \\R',
  X: 'the grapheme class \\X',
  h: 'the horizontal-space class \\h',
  H: 'the \\H class',
  V: 'the \\V class',
  N: 'the \\N class',
  C: 'the single-byte \\C',
  Q: 'literal quoting \\Q...\\E',
  E: 'literal quoting \\Q...\\E',
  e: 'the escape character \\e',
  a: 'the bell character \\a',
  g: 'the \\g backreference',
};

/** Returns why `expr` cannot be checked as a JavaScript RegExp (a PCRE-only construct, or a syntax error), or null. */
export function pcreProblem(expr: string): string | null {
  let inClass = false;
  let classStart = -1;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    const next = expr[i + 1];
    if (c === '\\') {
      if (next === undefined) return 'ends with a lone backslash';
      if (PCRE_ONLY_ESCAPES.has(next)) return `uses ${ESCAPE_NAMES[next]}, which JavaScript does not support the same way`;
      if ((next === 'p' || next === 'P') && expr[i + 2] === '{') return `uses the Unicode property \\${next}{...}, which is PCRE-only here`;
      if ((next === 'x' || next === 'o' || next === 'k') && expr[i + 2] === '{') return `uses \\${next}{...}, which is PCRE-only syntax`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && (next === ':' || next === '.' || next === '=')) return `uses a POSIX class "[${next}...${next}]", which JavaScript does not support`;
      if (c === ']' && i > classStart) inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      let first = i + 1;
      if (expr[first] === '^') first++;
      if (expr[first] === ']') return '`]` first in a character class is a literal in PCRE but ends an empty class in JavaScript; escape it as \\]';
      classStart = first;
      continue;
    }
    if (c === '(' && next === '?') {
      const t = expr[i + 2];
      const t2 = expr[i + 3];
      if (t === ':' || t === '=' || t === '!') continue;
      if (t === '<' && (t2 === '=' || t2 === '!')) continue;
      if (t === '<' && t2 !== undefined && /[A-Za-z_]/.test(t2)) continue;
      if (t === '>') return 'uses an atomic group (?>...), which JavaScript does not support';
      if (t === '#') return 'uses a comment group (?#...), which JavaScript does not support';
      if (t === 'P') return 'uses a Python-style group (?P...); use (?<name>...)';
      if (t === "'") return "uses a quoted group name (?'name'...); use (?<name>...)";
      if (t === '|') return 'uses a branch-reset group (?|...), which JavaScript does not support';
      if (t === '(') return 'uses a conditional group (?(...)...), which JavaScript does not support';
      if (t !== undefined && (/[0-9R+&]/.test(t) || (t === '-' && t2 !== undefined && /[0-9]/.test(t2))))
        return 'uses recursion or a subroutine call (?R)/(?1), which JavaScript does not support';
      if (t !== undefined && /[a-zA-Z^-]/.test(t)) return `uses inline modifiers (?${t}...), which JavaScript does not support; FreeSWITCH would apply them`;
      continue;
    }
    if ((c === '*' || c === '+' || c === '?') && next === '+' && isQuantifierPosition(expr, i)) {
      return `uses a possessive quantifier "${c}+", which JavaScript does not support`;
    }
    if (c === '}' && next === '+' && /\{\d+(,\d*)?\}$/.test(expr.slice(0, i + 1))) return 'uses a possessive quantifier "{n}+", which JavaScript does not support';
  }
  try {
    new RegExp(expr);
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  return null;
}

/** True when the `*`/`+`/`?` at `i` follows an atom (so `x?+` is possessive, while `(?+...)` is handled elsewhere). */
function isQuantifierPosition(expr: string, i: number): boolean {
  if (i === 0) return false;
  const prev = expr[i - 1];
  // `+?`/`*?` make a lazy quantifier; a `?` right after another quantifier is the lazy marker, so `+?+` is rare enough
  // to report as possessive too.
  return prev !== '(' && prev !== '|';
}
