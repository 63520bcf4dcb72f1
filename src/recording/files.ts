/**
 * Reading recording files safely. A file path only ever comes from a recordings row; it is still checked on every
 * read: absolute, lexically inside RECORDINGS_DIR, and inside it again after symlinks are resolved (realpath), so a
 * tampered row or a symlink planted in the directory cannot make the service read anything else.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock/clock';

export type FileProblem = 'missing' | 'outside';

export class RecordingFileError extends Error {
  constructor(
    readonly problem: FileProblem,
    message: string,
  ) {
    super(message);
    this.name = 'RecordingFileError';
  }
}

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !path.isAbsolute(rel) && !rel.split(path.sep).includes('..');
}

/** The real path of a recording file, or RecordingFileError ('outside' for anything not under dir, 'missing'). */
export async function resolveRecordingFile(dir: string, file: string): Promise<string> {
  if (typeof file !== 'string' || !path.isAbsolute(file) || file.includes('\0')) throw new RecordingFileError('outside', 'recording path is not an absolute path');
  const lexDir = path.resolve(dir);
  const lexFile = path.resolve(file);
  if (!inside(lexDir, lexFile)) throw new RecordingFileError('outside', 'recording path is outside the recordings directory');
  let realDir: string;
  try {
    realDir = await fs.promises.realpath(lexDir);
  } catch {
    throw new RecordingFileError('missing', 'recordings directory missing');
  }
  let real: string;
  try {
    real = await fs.promises.realpath(lexFile);
  } catch {
    throw new RecordingFileError('missing', 'recording file missing');
  }
  if (!inside(realDir, real)) throw new RecordingFileError('outside', 'recording path leads outside the recordings directory');
  const st = await fs.promises.stat(real).catch(() => undefined);
  if (!st) throw new RecordingFileError('missing', 'recording file missing');
  if (!st.isFile()) throw new RecordingFileError('outside', 'recording path is not a regular file');
  return real;
}

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export interface WavInfo {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
  durationMs: number;
}

/** The fmt/data chunks of a PCM WAV (RIFF) header, or undefined when the bytes are not one. */
export function wavInfo(head: Buffer): WavInfo | undefined {
  if (head.length < 44 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let fmt: { channels: number; sampleRate: number; bits: number } | undefined;
  while (off + 8 <= head.length) {
    const id = head.toString('ascii', off, off + 4);
    const size = head.readUInt32LE(off + 4);
    if (id === 'fmt ' && off + 24 <= head.length) {
      fmt = { channels: head.readUInt16LE(off + 10), sampleRate: head.readUInt32LE(off + 12), bits: head.readUInt16LE(off + 22) };
    } else if (id === 'data' && fmt) {
      const frame = fmt.channels * (fmt.bits / 8);
      const durationMs = frame > 0 && fmt.sampleRate > 0 ? Math.round((size / frame / fmt.sampleRate) * 1000) : 0;
      return { channels: fmt.channels, sampleRate: fmt.sampleRate, bitsPerSample: fmt.bits, dataBytes: size, durationMs };
    }
    off += 8 + size + (size % 2);
  }
  return undefined;
}

export interface FinishedFile {
  real: string;
  sha256: string;
  bytes: number;
  wav?: WavInfo;
}

/**
 * Hashes a just-finished recording. FreeSWITCH closes the file when it sends RECORD_STOP, but shared storage (NFS)
 * may show it a little later: while it is missing or shorter than a WAV header, retry every `delayMs`, `tries` times.
 * Resolves undefined when it never became readable.
 */
export async function readFinishedFile(
  dir: string,
  file: string,
  opts: { tries: number; delayMs: number; clock: Clock },
): Promise<FinishedFile | undefined> {
  for (let i = 0; i < Math.max(1, opts.tries); i++) {
    if (i > 0) await new Promise<void>((r) => opts.clock.setTimeout(r, opts.delayMs));
    try {
      const real = await resolveRecordingFile(dir, file);
      const { sha256, bytes } = await sha256File(real);
      if (bytes < 44) continue;
      const fd = await fs.promises.open(real, 'r');
      let head: Buffer;
      try {
        head = Buffer.alloc(Math.min(bytes, 4096));
        await fd.read(head, 0, head.length, 0);
      } finally {
        await fd.close();
      }
      return { real, sha256, bytes, wav: wavInfo(head) };
    } catch (err) {
      if (err instanceof RecordingFileError && err.problem === 'outside') return undefined;
    }
  }
  return undefined;
}
