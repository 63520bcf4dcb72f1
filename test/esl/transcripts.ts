import fs from 'node:fs';
import path from 'node:path';
import { decodeEvent, FrameParser, type EslEvent, type EslFrame } from '../../src/esl';

/**
 * The FreeSWITCH byte captures (../shared from the repository root). Missing captures are an error, not a skip:
 * these tests are the client's ground truth.
 */
export const TRANSCRIPT_DIR = path.resolve(__dirname, '../../../shared/freeswitch/transcripts');

export interface Transcript {
  name: string;
  raw: Buffer;
  /** The TCP reads as captured (dir 'in'). */
  reads: Buffer[];
  /** What the client sent (dir 'out'). */
  sent: string[];
}

export function loadTranscripts(): Transcript[] {
  if (!fs.existsSync(TRANSCRIPT_DIR)) throw new Error(`FreeSWITCH transcripts not found at ${TRANSCRIPT_DIR}`);
  const names = fs
    .readdirSync(TRANSCRIPT_DIR)
    .filter((f) => f.endsWith('.in.raw'))
    .map((f) => f.slice(0, -'.in.raw'.length))
    .sort();
  if (names.length === 0) throw new Error(`no *.in.raw in ${TRANSCRIPT_DIR}`);
  return names.map((name) => {
    const raw = fs.readFileSync(path.join(TRANSCRIPT_DIR, `${name}.in.raw`));
    const lines = fs
      .readFileSync(path.join(TRANSCRIPT_DIR, `${name}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { t: number; dir: 'in' | 'out' | 'close'; data?: string });
    return {
      name,
      raw,
      reads: lines.filter((l) => l.dir === 'in').map((l) => Buffer.from(l.data ?? '', 'utf8')),
      sent: lines.filter((l) => l.dir === 'out').map((l) => l.data ?? ''),
    };
  });
}

/** Runs chunks through a fresh FrameParser. */
export function parseChunks(chunks: Buffer[]): { frames: EslFrame[]; errors: string[]; buffered: number } {
  const frames: EslFrame[] = [];
  const errors: string[] = [];
  const parser = new FrameParser((f) => frames.push(f), { onProtocolError: (r) => errors.push(r) });
  for (const c of chunks) parser.push(c);
  return { frames, errors, buffered: parser.buffered };
}

/** Cuts `buf` at the given offsets (sorted, deduplicated, in range). */
export function splitAt(buf: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points.filter((p) => p > 0 && p < buf.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

export const decodeAll = (frames: EslFrame[]): EslEvent[] =>
  frames.map(decodeEvent).filter((e): e is EslEvent => e !== undefined);

/** Plain objects for comparison (the parser builds null-prototype header objects). */
export const plainFrames = (frames: EslFrame[]): Array<{ headers: Record<string, string>; body: string }> =>
  frames.map((f) => ({ headers: { ...f.headers }, body: f.body }));

// ---- an independent oracle: the simplest possible reading of the captures, written from ESL.md ----------------

export function oracleFrames(buf: Buffer): Array<{ headers: Record<string, string>; body: string }> {
  const frames: Array<{ headers: Record<string, string>; body: string }> = [];
  let i = 0;
  while (i < buf.length) {
    const end = buf.indexOf('\n\n', i);
    if (end < 0) break;
    const headers: Record<string, string> = {};
    for (const line of buf.subarray(i, end).toString('utf8').split('\n')) {
      const c = line.indexOf(': ');
      headers[line.slice(0, c)] = line.slice(c + 2);
    }
    i = end + 2;
    const n = Number(headers['Content-Length'] ?? 0);
    frames.push({ headers, body: buf.subarray(i, i + n).toString('utf8') });
    i += n;
  }
  return frames;
}

const tryDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function oracleEvent(frame: { headers: Record<string, string>; body: string }):
  | { name: string; headers: Record<string, unknown>; body?: string }
  | undefined {
  const ct = frame.headers['Content-Type'];
  if (ct === 'text/event-json') {
    const obj = JSON.parse(frame.body) as Record<string, unknown>;
    const body = obj._body as string | undefined;
    delete obj._body;
    return { name: obj['Event-Name'] as string, headers: obj, body };
  }
  if (ct === 'text/event-plain') {
    const sep = frame.body.indexOf('\n\n');
    const headers: Record<string, string> = {};
    for (const line of frame.body.slice(0, sep).split('\n')) {
      const c = line.indexOf(': ');
      headers[line.slice(0, c)] = tryDecode(line.slice(c + 2));
    }
    const rest = Buffer.from(frame.body.slice(sep + 2), 'utf8');
    const body = rest.length ? rest.subarray(0, Number(headers['Content-Length'])).toString('utf8') : undefined;
    return { name: headers['Event-Name']!, headers, body };
  }
  if (ct === 'text/event-xml') {
    const hs = /<headers>([\s\S]*)<\/headers>/.exec(frame.body)![1]!;
    const headers: Record<string, string> = {};
    for (const m of hs.matchAll(/<([^>/]+)>([^<]*)<\/\1>/g)) headers[m[1]!] = tryDecode(m[2]!);
    const cl = /<Content-Length>(\d+)<\/Content-Length>/.exec(frame.body);
    let body: string | undefined;
    if (cl) {
      headers['Content-Length'] = cl[1]!;
      const raw = /<body>([\s\S]*)<\/body>/.exec(frame.body)![1]!;
      body = Buffer.from(raw, 'utf8').subarray(0, Number(cl[1])).toString('utf8');
    }
    return { name: headers['Event-Name']!, headers, body };
  }
  return undefined;
}
