/**
 * MediaSpec -> FreeSWITCH application calls, through the command builders only. A flow's file paths and tone specs
 * were validated at save time; the builders check them again here, as does `say` for values rendered from caller
 * data (a value the say engine cannot take throws UnsafeValueError, which the runner reports as a failed action).
 */
import { channelVar, header, type EslEvent } from '../../esl/types';
import { apps, filePath, silenceStream, toneStream, type AppInvocation, type MediaPath } from '../../freeswitch';
import type { MediaSpec } from '../protocol';

/**
 * The CHANNEL_EXECUTE_COMPLETE of a playback whose file FreeSWITCH could not open: mod_dptools playback_function sets
 * current_application_response to `FILE NOT FOUND` (SWITCH_STATUS_NOTFOUND from switch_ivr_play_file).
 */
export function playbackNotFound(done: EslEvent): boolean {
  return (header(done, 'Application-Response') ?? channelVar(done, 'current_application_response')) === 'FILE NOT FOUND';
}

/** How a media item is named in a call's path. */
export function mediaLabel(media: MediaSpec): string {
  return media.kind === 'file' ? media.path : media.kind === 'tone' ? `tone_stream://${media.spec}` : `say ${media.type} ${media.value}`;
}

/** The application that plays one media item. */
export function playInvocation(media: MediaSpec): AppInvocation {
  switch (media.kind) {
    case 'file':
      return apps.playback(filePath(media.path, 'media.path'));
    case 'tone':
      return apps.playback(toneStream(media.spec, 'media.spec'));
    case 'say':
      return apps.say({
        lang: media.language ?? 'en',
        type: 'NUMBER',
        // "digits" reads 1234 as one-two-three-four; "number" as one thousand two hundred thirty-four.
        method: media.type === 'digits' ? 'iterated' : 'pronounced',
        value: media.value,
      });
  }
}

/** A media item play_and_get_digits can take as its prompt (a file or a tone stream), or undefined for `say`. */
export function promptPath(media: MediaSpec): MediaPath | undefined {
  if (media.kind === 'file') return filePath(media.path, 'prompt.path');
  if (media.kind === 'tone') return toneStream(media.spec, 'prompt.spec');
  return undefined;
}

/** What play_and_get_digits plays as its (unused, tries=1) invalid file and as a prompt stand-in after `say`. */
export const SHORT_SILENCE: MediaPath = silenceStream(200);
