/**
 * What queued callers hear besides music on hold: position / estimated-wait announcements, the callback offer and
 * its confirmation. Everything becomes application calls through the command builders (playback of validated file
 * paths, `say` of numbers), played on the caller's channel between music-on-hold segments.
 */
import { apps, mediaPath, type AppInvocation, type MediaPath } from '../../freeswitch';

export interface AcdPrompts {
  /** "You are caller number" (then the position is said). */
  position: string[];
  /** "Your estimated wait time is" (then the time is said). */
  waitTime: string[];
  /** "Press <key> to be called back" (played after an announcement when the queue offers callbacks). */
  callbackOffer: string[];
  /** "Thank you, we will call you back", before hanging up. */
  callbackConfirmed: string[];
  /** Played before hanging up a caller the queue sends away (overflow to hangup). */
  goodbye: string[];
  /** Say module language (default en). */
  language: string;
}

const DIR = '/usr/share/freeswitch/sounds/switchboard';

export const DEFAULT_PROMPTS: AcdPrompts = {
  position: [`${DIR}/acd-you-are-caller.wav`],
  waitTime: [`${DIR}/acd-estimated-wait.wav`],
  callbackOffer: [`${DIR}/acd-press-for-callback.wav`],
  callbackConfirmed: [`${DIR}/acd-callback-confirmed.wav`],
  goodbye: [`${DIR}/goodbye.wav`],
  language: 'en',
};

function files(list: readonly string[]): AppInvocation[] {
  return list.map((p) => apps.playback(mediaPath(p, 'prompt')));
}

/** The applications of one announcement (empty when there is nothing to say). */
export function announcement(
  prompts: AcdPrompts,
  a: { position: number | null; ewtSec: number | null; callbackKey: string | null },
): AppInvocation[] {
  const out: AppInvocation[] = [];
  if (a.position !== null && Number.isSafeInteger(a.position) && a.position > 0) {
    out.push(...files(prompts.position));
    out.push(apps.say({ lang: prompts.language, type: 'NUMBER', method: 'pronounced', value: String(a.position) }));
  }
  if (a.ewtSec !== null && Number.isFinite(a.ewtSec) && a.ewtSec >= 0) {
    // Whole minutes, at least one: "about 3 minutes" is what callers can use.
    const seconds = Math.max(60, Math.ceil(a.ewtSec / 60) * 60);
    out.push(...files(prompts.waitTime));
    out.push(apps.say({ lang: prompts.language, type: 'TIME_MEASUREMENT', method: 'pronounced', value: String(seconds) }));
  }
  if (out.length && a.callbackKey) out.push(...files(prompts.callbackOffer));
  return out;
}

export function promptApps(list: readonly string[]): AppInvocation[] {
  return files(list);
}

export function mohPath(sound: string): MediaPath {
  return mediaPath(sound, 'mohSound');
}
