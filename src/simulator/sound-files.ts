/**
 * Which sound files exist on the simulated switch. Real FreeSWITCH opens a file when it plays it: a missing one makes
 * switch_ivr_play_file return SWITCH_STATUS_NOTFOUND before any PLAYBACK_START, `playback` then completes with
 * `FILE NOT FOUND` (mod_dptools playback_function), and `file_exists` (mod_commands) answers `false`.
 *
 * The model: `null` (the default) means every file exists, so tests and scripts that never installed anything keep
 * playing whatever they name; otherwise a set of paths, each a file or a folder ending in `/` ("everything under").
 * Streams (tone_stream://, silence_stream://, local_stream://...) are generated, never missing. A file_string://
 * exists when any of its parts does (mod_dptools file_string_file_open skips the parts that do not open).
 */

/** What the switch has installed: null = everything. */
export type InstalledSounds = Set<string> | null;

const STREAM = /^(tone_stream|silence_stream|local_stream|shout|http_cache|https?):/;

/** The parts of a `file_string://a!b!c`, as mod_dptools splits them (at `!`, at most 128), or undefined. */
export function fileStringParts(path: string): string[] | undefined {
  if (!path.startsWith('file_string://')) return undefined;
  return path.slice('file_string://'.length).split('!').slice(0, 128).filter((p) => p !== '');
}

export function soundExists(installed: InstalledSounds, path: string): boolean {
  const parts = fileStringParts(path);
  if (parts) return parts.some((p) => soundExists(installed, p));
  if (installed === null || STREAM.test(path)) return true;
  if (installed.has(path)) return true;
  for (const entry of installed) if (entry.endsWith('/') && path.startsWith(entry)) return true;
  return false;
}
