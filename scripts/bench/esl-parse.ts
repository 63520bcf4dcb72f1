/**
 * ESL event parsing throughput: FrameParser + decodeEvent against modesl's Parser (the popular Node client) and a
 * ceiling, on FreeSWITCH-serialised events fed in 64 KiB chunks as a socket would deliver them.
 *
 *   npx tsx scripts/bench/esl-parse.ts            (json and plain)
 *
 * - Events: the event frames of the real FreeSWITCH captures (../shared/freeswitch/transcripts), cycled, with every
 *   Unique-ID replaced by a fresh one of the same length (Content-Length stays true). A block of BLOCK events is
 *   built once and fed repeatedly up to `events` (default 200k).
 * - ceiling: a loop over the pre-known body offsets that only decodes the bytes and JSON.parse's them (json), or
 *   splits and URL-decodes the header lines (plain): the work no parser can avoid.
 * - Median of `runs` (default 5) runs each. One JSON line per format:
 *   {"bench":"esl-parse-json","value":N,"unit":"events/s","peer":"modesl","peer_value":N,"ceiling_value":N,"ratio_vs_peer":x,
 *    "share_of_ceiling":x,...}
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeEvent } from '../../src/esl/event-decoder';
import { FrameParser } from '../../src/esl/frame-parser';
import { header } from '../../src/esl/types';

const TRANSCRIPTS = path.resolve(__dirname, '../../../shared/freeswitch/transcripts');
const CHUNK = 64 * 1024;
const BLOCK = 10_000;

export interface EslParseBenchOptions {
  events?: number;
  runs?: number;
  /** Events for the modesl runs (it is much slower; the rate is what is compared). Default events / 4. */
  peerEvents?: number;
}

export interface EslParseBenchResult {
  bench: string;
  /** Our events/s (median). */
  value: number;
  unit: 'events/s';
  peer: 'modesl';
  peer_value: number;
  ceiling_value: number;
  ratio_vs_peer: number;
  share_of_ceiling: number;
  events: number;
  chunk_bytes: number;
  runs: number;
}

interface Block {
  bytes: Buffer;
  /** [start, end) of each event body inside `bytes`. */
  bodies: Array<[number, number]>;
}

/** Event frames (outer headers + body) of the captures in one format. */
function templates(format: 'json' | 'plain'): string[] {
  if (!fs.existsSync(TRANSCRIPTS)) throw new Error(`transcripts not found at ${TRANSCRIPTS}`);
  const out: string[] = [];
  for (const f of fs.readdirSync(TRANSCRIPTS).filter((n) => n.endsWith('.in.raw'))) {
    const raw = fs.readFileSync(path.join(TRANSCRIPTS, f));
    let i = 0;
    while (i < raw.length) {
      const end = raw.indexOf('\n\n', i);
      if (end < 0) break;
      const head = raw.toString('utf8', i, end);
      const cl = /Content-Length: (\d+)/.exec(head);
      const next = end + 2 + (cl ? Number(cl[1]) : 0);
      if (head.includes(`Content-Type: text/event-${format}`)) out.push(raw.toString('utf8', i, next));
      i = next;
    }
  }
  if (out.length === 0) throw new Error(`no ${format} events in the captures`);
  return out;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function buildBlock(format: 'json' | 'plain'): Block {
  const tpl = templates(format);
  const parts: Buffer[] = [];
  const bodies: Array<[number, number]> = [];
  let off = 0;
  for (let n = 0; n < BLOCK; n++) {
    const t = tpl[n % tpl.length]!;
    // Fresh uuids per call (same length), as a busy switch would send.
    const fresh = new Map<string, string>();
    const text = t.replace(UUID, (u) => {
      let v = fresh.get(u);
      if (!v) fresh.set(u, (v = randomUUID()));
      return v;
    });
    const buf = Buffer.from(text, 'utf8');
    const bodyStart = buf.indexOf('\n\n') + 2;
    bodies.push([off + bodyStart, off + buf.length]);
    parts.push(buf);
    off += buf.length;
  }
  return { bytes: Buffer.concat(parts), bodies };
}

function chunksOf(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Events per second of `run(reps)`, where one rep is one pass over the block. */
function rate(reps: number, run: (reps: number) => number): number {
  const started = performance.now();
  const seen = run(reps);
  const secs = (performance.now() - started) / 1000;
  if (seen !== reps * BLOCK) throw new Error(`expected ${reps * BLOCK} events, saw ${seen}`);
  return seen / secs;
}

/** Sum of the header lengths `ours` reads: a module-level store the optimiser cannot drop. */
let touched = 0;

function ours(chunks: Buffer[]): (reps: number) => number {
  return (reps) => {
    let n = 0;
    const parser = new FrameParser((f) => {
      const e = decodeEvent(f);
      if (!e) return;
      n++;
      // What every consumer does first (the client routes on these): json headers are checked when read, so the
      // bench pays for the reads a lazy decoder defers; the ceiling reads nothing.
      touched += e.name.length + (header(e, 'Unique-ID')?.length ?? 0) + (header(e, 'Job-UUID')?.length ?? 0);
    });
    for (let r = 0; r < reps; r++) for (const c of chunks) parser.push(c);
    return n;
  };
}

function modesl(chunks: Buffer[]): (reps: number) => number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Parser = require('modesl/lib/esl/Parser') as new (socket: EventEmitter) => EventEmitter;
  return (reps) => {
    let n = 0;
    const socket = new EventEmitter();
    const parser = new Parser(socket);
    parser.on('esl::event', () => n++);
    for (let r = 0; r < reps; r++) for (const c of chunks) socket.emit('data', c);
    return n;
  };
}

function ceiling(block: Block, format: 'json' | 'plain'): (reps: number) => number {
  const { bytes, bodies } = block;
  return (reps) => {
    let n = 0;
    for (let r = 0; r < reps; r++) {
      for (const [s, e] of bodies) {
        const text = bytes.toString('utf8', s, e);
        if (format === 'json') {
          if (JSON.parse(text)) n++;
        } else {
          const h: Record<string, string> = {};
          const sep = text.indexOf('\n\n');
          for (const line of text.slice(0, sep).split('\n')) {
            const c = line.indexOf(': ');
            const v = line.slice(c + 2);
            h[line.slice(0, c)] = v.includes('%') ? decodeURIComponent(v) : v;
          }
          if (h['Event-Name']) n++;
        }
      }
    }
    return n;
  };
}

export async function runEslParseBench(
  format: 'json' | 'plain',
  opts: EslParseBenchOptions = {},
): Promise<EslParseBenchResult> {
  const events = opts.events ?? 200_000;
  const runs = opts.runs ?? 5;
  const reps = Math.max(1, Math.round(events / BLOCK));
  const peerReps = Math.max(1, Math.round((opts.peerEvents ?? events / 4) / BLOCK));
  const block = buildBlock(format);
  const chunks = chunksOf(block.bytes);
  // Rounds interleave the three contenders, so a noisy moment on the machine hits all of them alike.
  const contenders = [
    { run: ours(chunks), reps },
    { run: modesl(chunks), reps: peerReps },
    { run: ceiling(block, format), reps },
  ];
  for (const c of contenders) c.run(1); // warm-up (JIT)
  const samples: number[][] = contenders.map(() => []);
  for (let i = 0; i < runs; i++) contenders.forEach((c, k) => samples[k]!.push(rate(c.reps, c.run)));
  const [ourRate, peerRate, ceilRate] = samples.map(median) as [number, number, number];
  const round = (x: number, d = 3): number => Number(x.toFixed(d));
  return {
    bench: `esl-parse-${format}`,
    value: Math.round(ourRate),
    unit: 'events/s',
    peer: 'modesl',
    peer_value: Math.round(peerRate),
    ceiling_value: Math.round(ceilRate),
    ratio_vs_peer: round(ourRate / peerRate, 2),
    share_of_ceiling: round(ourRate / ceilRate),
    events: reps * BLOCK,
    chunk_bytes: CHUNK,
    runs,
  };
}

if (require.main === module) {
  (async () => {
    for (const format of ['json', 'plain'] as const) {
      process.stdout.write(`${JSON.stringify(await runEslParseBench(format))}\n`);
    }
  })().catch((err: unknown) => {
    process.stderr.write(`esl-parse bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
