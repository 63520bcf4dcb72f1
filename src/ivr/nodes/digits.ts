/** Digit checks shared by menu and collect (and the dry-run, which answers `valid` the way the runtime would). */

/** Keys a caller can press (A-D exist on some phones). */
const DTMF = /^[0-9*#A-D]*$/;

export interface DigitRules {
  minDigits: number;
  maxDigits: number;
  regexp?: string;
}

/** Why `digits` do not satisfy the rules, or undefined when they do. `''` is a timeout, not a validity question. */
export function digitsProblem(digits: string, rules: DigitRules): string | undefined {
  if (!DTMF.test(digits)) return 'not DTMF digits';
  if (digits.length < rules.minDigits) return `fewer than ${rules.minDigits} digits`;
  if (digits.length > rules.maxDigits) return `more than ${rules.maxDigits} digits`;
  if (rules.regexp !== undefined) {
    let ok = false;
    try {
      ok = new RegExp(rules.regexp).test(digits);
    } catch {
      ok = false;
    }
    if (!ok) return 'does not match the regexp';
  }
  return undefined;
}
