/**
 * Every prompt the service plays, with its text: the example IVR flows, the ACD (position, wait time, callback), the
 * dialer (machine, abandon and agentless messages), and the number words that say positions and minutes without
 * FreeSWITCH's language sound packs (a source install has no `digits/*` or `time/*`, which mod_say needs).
 *
 * `scripts/prompts.ts` turns this list into `sounds/switchboard/<name>.wav` (espeak-ng + sox, 8 kHz mono 16-bit PCM)
 * and installs them into PROMPTS_DIR on the FreeSWITCH host. Pure data and pure functions: no I/O here.
 */
import path from 'node:path';

/** Where FreeSWITCH reads the shipped prompts unless PROMPTS_DIR says otherwise. */
export const DEFAULT_PROMPTS_DIR = '/usr/share/freeswitch/sounds/switchboard';

export type PromptGroup = 'ivr' | 'acd' | 'dialer' | 'number';

export interface PromptEntry {
  /** File name without `.wav`: letters, digits and `-`. */
  name: string;
  /** What the recording says (espeak-ng reads it as is). */
  text: string;
  group: PromptGroup;
}

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS: Record<number, string> = { 20: 'twenty', 30: 'thirty', 40: 'forty', 50: 'fifty', 60: 'sixty', 70: 'seventy', 80: 'eighty', 90: 'ninety' };

const NUMBER_WORDS: PromptEntry[] = [
  ...ONES.map((text, n) => ({ name: `num-${n}`, text, group: 'number' as const })),
  ...Object.entries(TENS).map(([n, text]) => ({ name: `num-${n}`, text, group: 'number' as const })),
  { name: 'num-hundred', text: 'hundred', group: 'number' },
  { name: 'num-thousand', text: 'thousand', group: 'number' },
  { name: 'num-million', text: 'million', group: 'number' },
  { name: 'minute', text: 'minute', group: 'number' },
  { name: 'minutes', text: 'minutes', group: 'number' },
  { name: 'key-star', text: 'star', group: 'number' },
  { name: 'key-pound', text: 'pound', group: 'number' },
];

export const PROMPTS: readonly PromptEntry[] = [
  // The example IVR flows (src/ivr/examples/*.json).
  { name: 'welcome', text: 'Thank you for calling.', group: 'ivr' },
  { name: 'main-menu', text: 'For sales, press 1. For support, press 2. To speak to an operator, press 0.', group: 'ivr' },
  { name: 'invalid-option', text: 'Sorry, that is not a valid option.', group: 'ivr' },
  { name: 'no-input', text: 'Sorry, we did not hear your choice.', group: 'ivr' },
  { name: 'closed', text: 'Our office is closed. Please leave a message after the tone.', group: 'ivr' },
  { name: 'goodbye', text: 'Thank you for calling. Goodbye.', group: 'ivr' },
  {
    name: 'support-menu',
    text: 'For billing, press 1. For technical support, press 2. To go back, press 9. For the main menu, press star. For an operator, press 0.',
    group: 'ivr',
  },
  { name: 'enter-account', text: 'Please enter your account number, then press pound.', group: 'ivr' },
  { name: 'invalid-account', text: 'Sorry, that account number is not valid.', group: 'ivr' },
  // The post-call CSAT survey (src/ivr/examples/csat-survey.json, the survey node).
  { name: 'csat-question', text: 'Please rate the service you received today, from 1 for very poor to 5 for excellent.', group: 'ivr' },
  { name: 'csat-invalid', text: 'Sorry, please press a key from 1 to 5.', group: 'ivr' },
  { name: 'csat-comment-offer', text: 'To leave a comment, press 1. Otherwise, you may hang up.', group: 'ivr' },
  { name: 'csat-comment-greeting', text: 'Please leave your comment after the tone.', group: 'ivr' },
  { name: 'csat-thanks', text: 'Thank you for your feedback. Goodbye.', group: 'ivr' },
  // The ACD's announcements (src/acd/runtime/prompts.ts); `goodbye` above ends an overflow to hangup.
  { name: 'acd-you-are-caller', text: 'You are caller number', group: 'acd' },
  { name: 'acd-estimated-wait', text: 'Your estimated wait time is about', group: 'acd' },
  { name: 'acd-press-for-callback', text: 'To keep your place in line and be called back, press', group: 'acd' },
  { name: 'acd-callback-confirmed', text: 'Thank you. We will call you back as soon as an agent is free. Goodbye.', group: 'acd' },
  // The dialer's default messages (src/dialer/campaign-settings.ts): stand-ins for a site's own recordings.
  { name: 'dialer-machine-message', text: 'Hello, this is a message from our customer service team. Please call us back at your convenience. Thank you.', group: 'dialer' },
  {
    name: 'dialer-abandon',
    text: 'This call was from our customer service team. We are sorry that nobody was free to speak with you. We will call again, or you can call us back.',
    group: 'dialer',
  },
  { name: 'dialer-message', text: 'Hello, this is an automated message from our customer service team. Thank you for listening.', group: 'dialer' },
  ...NUMBER_WORDS,
];

const BY_NAME = new Map(PROMPTS.map((p) => [p.name, p]));

/** The entry of a name; an unknown name is a programming error (a typo), so it throws. */
export function promptEntry(name: string): PromptEntry {
  const p = BY_NAME.get(name);
  if (!p) throw new Error(`no prompt named ${JSON.stringify(name)} in the catalogue`);
  return p;
}

/** The absolute path FreeSWITCH plays a catalogue prompt from. */
export function promptPath(dir: string, name: string): string {
  return path.posix.join(dir, `${promptEntry(name).name}.wav`);
}

/** Largest number `numberPrompts` says (999,999,999: positions and minutes never come near it). */
export const MAX_SAYABLE = 999_999_999;

function belowThousand(n: number): string[] {
  const out: string[] = [];
  if (n >= 100) out.push(`num-${Math.floor(n / 100)}`, 'num-hundred');
  const rest = n % 100;
  if (rest === 0) return out;
  if (rest < 20) out.push(`num-${rest}`);
  else {
    out.push(`num-${rest - (rest % 10)}`);
    if (rest % 10) out.push(`num-${rest % 10}`);
  }
  return out;
}

/**
 * The prompt names that say a whole number in English, as mod_say_en pronounces it ("one hundred five", "two
 * thousand forty"): 0-999,999,999. Anything else (negative, fractional, too big, not a number) throws.
 */
export function numberPrompts(n: number): string[] {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SAYABLE) throw new RangeError(`cannot say ${String(n)}: a whole number 0-${MAX_SAYABLE} is needed`);
  if (n === 0) return ['num-0'];
  const out: string[] = [];
  const millions = Math.floor(n / 1_000_000);
  const thousands = Math.floor(n / 1000) % 1000;
  const ones = n % 1000;
  if (millions) out.push(...belowThousand(millions), 'num-million');
  if (thousands) out.push(...belowThousand(thousands), 'num-thousand');
  if (ones) out.push(...belowThousand(ones));
  return out;
}

/** "<n> minute(s)". */
export function minutesPrompts(minutes: number): string[] {
  return [...numberPrompts(minutes), minutes === 1 ? 'minute' : 'minutes'];
}

/** The word for a DTMF key (0-9, `*`, `#`). */
export function keyPrompt(key: string): string {
  if (/^[0-9]$/.test(key)) return `num-${key}`;
  if (key === '*') return 'key-star';
  if (key === '#') return 'key-pound';
  throw new RangeError(`cannot say the key ${JSON.stringify(key)}`);
}

/** A number as absolute paths of the shipped number words in `dir` (what a file_string:// plays in turn). */
export function numberFiles(dir: string, n: number): string[] {
  return numberPrompts(n).map((name) => promptPath(dir, name));
}
