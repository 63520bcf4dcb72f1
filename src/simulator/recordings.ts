import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RecordingInfo } from './types';

/**
 * Recording files. A real recording is written at stop: a valid 16-bit PCM WAV at 8 kHz whose unmasked parts carry a
 * faint deterministic tone and whose masked parts are exact digital silence, so tests (and the service) can hash
 * the file and see where masking happened. Masked time is left out of the file and of record_ms / record_samples:
 * the real capture (call-lifecycle-json: 1.82 s recorded with a 0.52 s mask gives record_ms 1300, record_samples 10400
 * and a 20,844-byte file) shows FreeSWITCH 1.10 does so; where a mask was, the file carries a 20 ms digital-silence
 * marker so tests can see it. In stereo (RECORD_STEREO=true) the left
 * channel is what the channel reads (the caller's own voice) and the right one what it is sent (the agent): here a
 * 400 Hz tone on the left and 600 Hz on the right, so the two are told apart. Audio length is capped to keep
 * thousands of calls cheap.
 */
export const SAMPLE_RATE = 8000;

export interface ActiveRecording extends RecordingInfo {
  limitSec?: number;
}

/** ms of audio actually recorded (FS leaves masked time out of record_ms, as the capture shows). */
export function recordedMs(rec: ActiveRecording, stopAtMs: number): number {
  const total = Math.max(0, stopAtMs - rec.startedAt);
  let masked = 0;
  for (const m of rec.masks) {
    const from = Math.min(m.fromMs, total);
    const to = Math.min(m.toMs ?? total, total);
    masked += Math.max(0, to - from);
  }
  return Math.max(0, total - masked);
}

/** Builds the WAV bytes: header + samples; `maskedAt(ms)` says whether that instant was masked. */
export function buildWav(ms: number, channels: 1 | 2, capSeconds: number, maskedAt: (ms: number) => boolean): Buffer {
  const samples = Math.min(Math.round((ms * SAMPLE_RATE) / 1000), capSeconds * SAMPLE_RATE);
  const dataBytes = samples * 2 * channels;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(SAMPLE_RATE, 24);
  buf.writeUInt32LE(SAMPLE_RATE * 2 * channels, 28);
  buf.writeUInt16LE(2 * channels, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  let off = 44;
  // Amplitude 200: a quiet but non-silent, fully deterministic signal; 400 Hz left (read), 600 Hz right (write).
  for (let i = 0; i < samples; i++) {
    const masked = maskedAt((i * 1000) / SAMPLE_RATE);
    for (let c = 0; c < channels; c++) {
      const v = masked ? 0 : Math.round(200 * Math.sin((2 * Math.PI * (c === 0 ? 400 : 600) * i) / SAMPLE_RATE));
      buf.writeInt16LE(v, off);
      off += 2;
    }
  }
  return buf;
}

/** Writes the file for a stopped recording; returns its size in bytes (0 when the path cannot be written). */
export function writeRecording(rec: ActiveRecording, stopAtMs: number, capSeconds: number): number {
  const ms = recordedMs(rec, stopAtMs);
  // Map "recorded time" back to wall time to place the markers: masked spans are removed from the file's timeline.
  const markers: number[] = [];
  let removed = 0;
  for (const m of rec.masks) {
    markers.push(m.fromMs - removed);
    removed += Math.max(0, (m.toMs ?? stopAtMs - rec.startedAt) - m.fromMs);
  }
  const wav = buildWav(ms, rec.stereo ? 2 : 1, capSeconds, (t) => markers.some((x) => t >= x && t < x + 20));
  try {
    mkdirSync(dirname(rec.path), { recursive: true });
    writeFileSync(rec.path, wav);
    return wav.length;
  } catch {
    return 0;
  }
}
