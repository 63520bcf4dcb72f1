import type { CallEngine } from './engine';
import type { AppFrame } from './frame';
import type { Channel } from './channel';
import { startPlayback } from './apps';
import { separate } from './fs-parse';

/**
 * mod_say's `say` application: `<module>[:<lang>] <type> <method> [<gender>] <text>`, e.g. `en number pronounced 42`.
 * FreeSWITCH plays the language pack's files one after the other (PLAYBACK_START/STOP for each); this models the
 * English rules for numbers (digits/<n>.wav, digits/hundred.wav, digits/thousand.wav, digits/million.wav) with the
 * `pronounced` method, TIME_MEASUREMENT (… time/minutes.wav …), and one digits/<c>.wav per character for `iterated`:
 * what queue position and wait-time announcements use.
 */
export function sayFiles(data: string): string[] {
  const argv = separate(data, ' ', 5);
  if (argv.length < 4) return [];
  const type = argv[1]!.toUpperCase();
  const method = argv[2]!.toLowerCase();
  const text = argv.slice(argv.length === 5 ? 4 : 3).join(' ');
  if (type === 'TIME_MEASUREMENT' && /^\d{1,7}$/.test(text)) return duration(Number(text));
  if (method === 'iterated' || !/^\d{1,9}$/.test(text)) {
    return [...text].filter((c) => /[0-9a-z*#]/i.test(c)).map((c) => `digits/${c === '*' ? 'star' : c === '#' ? 'pound' : c.toLowerCase()}.wav`);
  }
  return pronounce(Number(text));
}

/** TIME_MEASUREMENT: hours, minutes and seconds, each with its unit file (time/hours.wav ...), as mod_say_en. */
function duration(seconds: number): string[] {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const out: string[] = [];
  if (h) out.push(...pronounce(h), h === 1 ? 'time/hour.wav' : 'time/hours.wav');
  if (m) out.push(...pronounce(m), m === 1 ? 'time/minute.wav' : 'time/minutes.wav');
  if (s || out.length === 0) out.push(...pronounce(s), s === 1 ? 'time/second.wav' : 'time/seconds.wav');
  return out;
}

function pronounce(n: number): string[] {
  if (n === 0) return ['digits/0.wav'];
  const out: string[] = [];
  const groups: Array<[number, string | null]> = [
    [1_000_000, 'digits/million.wav'],
    [1_000, 'digits/thousand.wav'],
    [1, null],
  ];
  for (const [size, word] of groups) {
    const g = Math.floor(n / size) % 1000;
    if (g === 0) continue;
    out.push(...belowThousand(g));
    if (word) out.push(word);
  }
  return out;
}

function belowThousand(n: number): string[] {
  const out: string[] = [];
  if (n >= 100) out.push(`digits/${Math.floor(n / 100)}.wav`, 'digits/hundred.wav');
  const rest = n % 100;
  if (rest === 0) return out;
  if (rest < 20) out.push(`digits/${rest}.wav`);
  else {
    out.push(`digits/${rest - (rest % 10)}.wav`);
    if (rest % 10) out.push(`digits/${rest % 10}.wav`);
  }
  return out;
}

/** The app: plays the files in turn; DTMF or a break stops it, as switch_ivr_say does. */
export function sayApp(e: CallEngine, ch: Channel, f: AppFrame): void {
  f.readsDtmf = true;
  const files = sayFiles(f.data);
  let current: { stop(how: 'break' | 'hangup'): void } | undefined;
  let stopped = false;
  const next = (i: number): void => {
    if (stopped || i >= files.length) {
      e.complete(ch, f);
      return;
    }
    // mod_say_en's say_file returns on the first file that does not play: a missing digits/* ends the say.
    current = startPlayback(e, ch, f, files[i]!, (how) => {
      if (how === 'done') next(i + 1);
      else {
        stopped = true;
        e.complete(ch, f);
      }
    });
  };
  f.stop = (reason) => {
    stopped = true;
    current?.stop(reason === 'hangup' ? 'hangup' : 'break');
  };
  next(0);
}
