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
 * - `runs` (default 5) runs; in each, ours and the ceiling alternate pass by pass over the block (`events` each) and
 *   modesl's passes (`peerEvents`) are spread among them. Rates are events per second of process CPU time; ratios
 *   are taken within each run (same moments of the machine) and the medians over runs reported. One JSON line per
 *   format:
 *   {"bench":"esl-parse-json","value":N,"unit":"events/s","clock":"process-cpu","peer":"modesl","peer_value":N,
 *    "ceiling_value":N,"ratio_vs_peer":x,"share_of_ceiling":x,"share_of_ceiling_runs":[...],"wall_share_of_ceiling":x,...}
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
  /** Our events/s (median over runs). */
  value: number;
  unit: 'events/s';
  peer: 'modesl';
  peer_value: number;
  ceiling_value: number;
  /** Rates are events per second of process CPU time (see charge()). */
  clock: 'process-cpu';
  ratio_vs_peer: number;
  share_of_ceiling: number;
  /** Each run's share (ours / ceiling, same run), to show the spread. */
  share_of_ceiling_runs: number[];
  /** The share by wall time (same passes): higher spread on a loaded machine. */
  wall_share_of_ceiling: number;
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

/** One contender: a pass over the block, and what its passes in the current run cost. */
interface Contender {
  pass: () => number;
  /** Seconds of process CPU time (user + system) and of wall time spent in passes this run. */
  cpu: number;
  wall: number;
  events: number;
}

/**
 * `reps` passes of `c`, charged to it. CPU time, not wall time, is what is compared: on a shared machine a
 * contender's wall time counts the moments it waited for a core, which swung the share of the ceiling by +-0.1
 * between runs of the same code; the CPU time a pass needs does not depend on who else wanted the cores.
 */
function charge(c: Contender, reps: number): void {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  let seen = 0;
  for (let r = 0; r < reps; r++) seen += c.pass();
  const used = process.cpuUsage(cpu);
  c.cpu += (used.user + used.system) / 1e6;
  c.wall += (performance.now() - wall) / 1000;
  c.events += seen;
  if (seen !== reps * BLOCK) throw new Error(`expected ${reps * BLOCK} events, saw ${seen}`);
}

/** Sum of the header lengths `ours` reads: a module-level store the optimiser cannot drop. */
let touched = 0;

function ours(chunks: Buffer[]): () => number {
  let n = 0;
  const parser = new FrameParser((f) => {
    const e = decodeEvent(f);
    if (!e) return;
    n++;
    // What every consumer does first (the client routes on these): json headers are checked when read, so the
    // bench pays for the reads a lazy decoder defers; the ceiling reads nothing.
    touched += e.name.length + (header(e, 'Unique-ID')?.length ?? 0) + (header(e, 'Job-UUID')?.length ?? 0);
  });
  return () => {
    n = 0;
    for (const c of chunks) parser.push(c);
    return n;
  };
}

function modesl(chunks: Buffer[]): () => number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Parser = require('modesl/lib/esl/Parser') as new (socket: EventEmitter) => EventEmitter;
  let n = 0;
  const socket = new EventEmitter();
  const parser = new Parser(socket);
  parser.on('esl::event', () => n++);
  return () => {
    n = 0;
    for (const c of chunks) socket.emit('data', c);
    return n;
  };
}

function ceiling(block: Block, format: 'json' | 'plain'): () => number {
  const { bytes, bodies } = block;
  return () => {
    let n = 0;
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
  const contender = (pass: () => number): Contender => ({ pass, cpu: 0, wall: 0, events: 0 });
  const our = contender(ours(chunks));
  const peer = contender(modesl(chunks));
  const ceil = contender(ceiling(block, format));
  for (const c of [our, peer, ceil]) charge(c, 1); // warm-up (JIT)
  // Each run interleaves the contenders pass by pass (one block each, ~0.1 s; the order flips every step), so a
  // noisy moment hits them alike; modesl's fewer passes are spread over the run.
  const samples = { our: [] as number[], peer: [] as number[], ceil: [] as number[], share: [] as number[], vsPeer: [] as number[], wallShare: [] as number[] };
  const stride = Math.max(1, Math.floor(reps / peerReps));
  for (let i = 0; i < runs; i++) {
    for (const c of [our, peer, ceil]) Object.assign(c, { cpu: 0, wall: 0, events: 0 });
    for (let r = 0; r < reps; r++) {
      const pair = r % 2 ? [ceil, our] : [our, ceil];
      for (const c of pair) charge(c, 1);
      if (r % stride === stride - 1 && peer.events < peerReps * BLOCK) charge(peer, 1);
    }
    while (peer.events < peerReps * BLOCK) charge(peer, 1);
    const [o, p, c] = [our, peer, ceil].map((x) => x.events / x.cpu) as [number, number, number];
    samples.our.push(o);
    samples.peer.push(p);
    samples.ceil.push(c);
    samples.share.push(o / c);
    samples.vsPeer.push(o / p);
    samples.wallShare.push(our.events / our.wall / (ceil.events / ceil.wall));
  }
  const round = (x: number, d = 3): number => Number(x.toFixed(d));
  return {
    bench: `esl-parse-${format}`,
    value: Math.round(median(samples.our)),
    unit: 'events/s',
    clock: 'process-cpu',
    peer: 'modesl',
    peer_value: Math.round(median(samples.peer)),
    ceiling_value: Math.round(median(samples.ceil)),
    ratio_vs_peer: round(median(samples.vsPeer), 2),
    share_of_ceiling: round(median(samples.share)),
    share_of_ceiling_runs: samples.share.map((x) => round(x)),
    wall_share_of_ceiling: round(median(samples.wallShare)),
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
