/**
 * What queued callers hear besides music on hold: position / estimated-wait announcements, the callback offer and
 * its confirmation. Numbers (the position, the minutes, the callback key) are said with the shipped number words
 * (src/prompts/catalog.ts) rather than mod_say, which needs FreeSWITCH's language sound packs (`digits/*`, `time/*`)
 * that a source install lacks. One announcement is one `playback` of a file_string:// (the prompt and its words in
 * turn), built by the command builders and played on the caller's channel between music-on-hold segments.
 */
import { apps, fileString, mediaPath, type AppInvocation, type MediaPath } from '../../freeswitch';
import { DEFAULT_PROMPTS_DIR, keyPrompt, PROMPTS, MAX_SAYABLE, minutesPrompts, numberPrompts, promptPath } from '../../prompts/catalog';

export interface AcdPrompts {
  /** "You are caller number" (then the position is said). */
  position: string[];
  /** "Your estimated wait time is about" (then the minutes are said). */
  waitTime: string[];
  /** "To be called back, press" (then the queue's callback key is said; after an announcement). */
  callbackOffer: string[];
  /** "Thank you, we will call you back", before hanging up. */
  callbackConfirmed: string[];
  /** Played before hanging up a caller the queue sends away (overflow to hangup). */
  goodbye: string[];
  /** The folder of the shipped number words (num-*.wav, minute(s).wav, key-*.wav): PROMPTS_DIR. */
  numbersDir: string;
}

/** The shipped prompts in `dir` (PROMPTS_DIR). */
export function defaultAcdPrompts(dir: string): AcdPrompts {
  return {
    position: [promptPath(dir, 'acd-you-are-caller')],
    waitTime: [promptPath(dir, 'acd-estimated-wait')],
    callbackOffer: [promptPath(dir, 'acd-press-for-callback')],
    callbackConfirmed: [promptPath(dir, 'acd-callback-confirmed')],
    goodbye: [promptPath(dir, 'goodbye')],
    numbersDir: dir,
  };
}

export const DEFAULT_PROMPTS: AcdPrompts = defaultAcdPrompts(DEFAULT_PROMPTS_DIR);

const isFile = (p: string): boolean => p.startsWith('/');

/**
 * Plays `list` in order: runs of absolute files as one file_string:// each (a single file as itself), anything else
 * (tone_stream://, silence_stream://) as its own playback.
 */
function sequence(list: readonly string[]): AppInvocation[] {
  const out: AppInvocation[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length === 1) out.push(apps.playback(mediaPath(run[0], 'prompt')));
    else if (run.length > 1) out.push(apps.playback(fileString(run, 'prompt')));
    run = [];
  };
  for (const p of list) {
    if (isFile(p)) run.push(p);
    else {
      flush();
      out.push(apps.playback(mediaPath(p, 'prompt')));
    }
  }
  flush();
  return out;
}

/** Every file an announcement may play (the start-up check asks FreeSWITCH for each). */
export function announcementFiles(prompts: AcdPrompts): string[] {
  const words = PROMPTS.filter((p) => p.group === 'number').map((p) => p.name);
  const own = [...prompts.position, ...prompts.waitTime, ...prompts.callbackOffer, ...prompts.callbackConfirmed, ...prompts.goodbye];
  return [...own.filter(isFile), ...words.map((w) => promptPath(prompts.numbersDir, w))];
}

/** The applications of one announcement (empty when there is nothing to say). */
export function announcement(
  prompts: AcdPrompts,
  a: { position: number | null; ewtSec: number | null; callbackKey: string | null },
): AppInvocation[] {
  const words = (names: string[]): string[] => names.map((n) => promptPath(prompts.numbersDir, n));
  const list: string[] = [];
  if (a.position !== null && Number.isSafeInteger(a.position) && a.position > 0 && a.position <= MAX_SAYABLE) {
    list.push(...prompts.position, ...words(numberPrompts(a.position)));
  }
  if (a.ewtSec !== null && Number.isFinite(a.ewtSec) && a.ewtSec >= 0 && a.ewtSec <= MAX_SAYABLE) {
    // Whole minutes, at least one: "about 3 minutes" is what callers can use.
    list.push(...prompts.waitTime, ...words(minutesPrompts(Math.max(1, Math.ceil(a.ewtSec / 60)))));
  }
  if (list.length && a.callbackKey) {
    let key: string[] = [];
    try {
      key = words([keyPrompt(a.callbackKey)]);
    } catch {
      // A key the words do not cover: the offer plays without it.
    }
    list.push(...prompts.callbackOffer, ...key);
  }
  return sequence(list);
}

export function promptApps(list: readonly string[]): AppInvocation[] {
  return sequence(list);
}

export function mohPath(sound: string): MediaPath {
  return mediaPath(sound, 'mohSound');
}
