/**
 * Where a recording goes: `<RECORDINGS_DIR>/<YYYY>/<MM>/<DD>/<queue or "direct">/<call uuid>[-<n>].<format>`, the date
 * in UTC at the start of the recording. Every part is a token (the queue name is a QUEUE_NAME_PATTERN token, the call
 * uuid a FreeSWITCH uuid), and the whole path passes the command builder's filePath check, so nothing a caller or an
 * admin typed can bend it (no `..`, no spaces to split, no `${`).
 */
import path from 'node:path';
import { filePath, uuid, type MediaPath } from '../freeswitch';
import { UnsafeValueError } from '../freeswitch';

const FOLDER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const RECORDING_FORMATS = ['wav'] as const;
export type RecordingFormat = (typeof RECORDING_FORMATS)[number];

/** The folder for a queue: its name when it is a plain token, else `direct` (calls without a queue, odd names). */
export function folderFor(queue: string | null | undefined): string {
  return queue && FOLDER.test(queue) && !/^\.+$/.test(queue) ? queue : 'direct';
}

/**
 * The file of the `seq`-th recording (1-based) of a call. Throws UnsafeValueError when the directory cannot be carried
 * in a FreeSWITCH command (RECORDINGS_DIR is validated at start-up, so this means a misconfiguration).
 */
export function recordingPath(dir: string, at: number, queue: string | null | undefined, callUuid: string, seq = 1, format: RecordingFormat = 'wav'): MediaPath {
  if (!path.isAbsolute(dir)) throw new UnsafeValueError('recordings dir', 'must be an absolute path', dir);
  if (!(RECORDING_FORMATS as readonly string[]).includes(format)) throw new UnsafeValueError('format', 'not a recording format', String(format));
  if (!Number.isSafeInteger(seq) || seq < 1) throw new UnsafeValueError('seq', 'must be a positive integer', String(seq));
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw new UnsafeValueError('at', 'not a time');
  const yyyy = String(d.getUTCFullYear()).padStart(4, '0');
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  const u = uuid(callUuid, 'call uuid');
  const name = seq === 1 ? `${u}.${format}` : `${u}-${seq}.${format}`;
  const base = dir.replace(/\/+$/, '');
  if (base) filePath(base, 'recordings dir');
  return filePath(`${base}/${yyyy}/${mm}/${dd}/${folderFor(queue)}/${name}`, 'recording path');
}
