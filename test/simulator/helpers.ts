import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { VirtualClock } from '../../src/clock/clock';
import type { Simulator } from '../../src/simulator';

/**
 * Test-local ESL framing and transcript tools (independent of src/esl on purpose: the simulator is checked against
 * the captures with the simplest possible parser).
 */

export const TRANSCRIPTS = '/work/shared/freeswitch/transcripts';

export interface Frame {
  headers: Array<[string, string]>;
  body: string;
}

export interface ParsedEvent {
  name: string;
  headers: Array<[string, string | string[]]>;
  body?: string;
  format: 'json' | 'plain' | 'xml';
}

export const hdr = (f: Frame, name: string): string | undefined => f.headers.find(([k]) => k === name)?.[1];

/** Splits a byte stream into ESL frames (outer headers + Content-Length body). */
export function parseFrames(buf: Buffer): Frame[] {
  const frames: Frame[] = [];
  let i = 0;
  while (i < buf.length) {
    const end = buf.indexOf('\n\n', i);
    if (end < 0) break;
    const head = buf.subarray(i, end).toString('utf8');
    const headers: Array<[string, string]> = head.split('\n').map((l) => {
      const c = l.indexOf(': ');
      return c >= 0 ? [l.slice(0, c), l.slice(c + 2)] : [l, ''];
    });
    i = end + 2;
    const cl = headers.find(([k]) => k === 'Content-Length');
    let body = '';
    if (cl) {
      const n = Number(cl[1]);
      body = buf.subarray(i, i + n).toString('utf8');
      i += n;
    }
    frames.push({ headers, body });
  }
  return frames;
}

/** A flat-object JSON parser that keeps key order and duplicate keys (FS json events have both). */
export function parseJsonPairs(text: string): Array<[string, string | string[]]> {
  let i = 0;
  const ws = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const str = (): string => {
    if (text[i] !== '"') throw new Error(`expected string at ${i}`);
    let end = i + 1;
    while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    const s = JSON.parse(text.slice(i, end + 1)) as string;
    i = end + 1;
    return s;
  };
  const out: Array<[string, string | string[]]> = [];
  ws();
  if (text[i++] !== '{') throw new Error('expected {');
  ws();
  while (text[i] !== '}') {
    const k = str();
    ws();
    i++; // :
    ws();
    let v: string | string[];
    if (text[i] === '[') {
      i++;
      v = [];
      ws();
      while (text[i] !== ']') {
        v.push(str());
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else v = str();
    out.push([k, v]);
    ws();
    if (text[i] === ',') i++;
    ws();
  }
  return out;
}

const lenientDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function parseEvent(f: Frame): ParsedEvent | undefined {
  const ct = hdr(f, 'Content-Type');
  if (ct === 'text/event-json') {
    const pairs = parseJsonPairs(f.body);
    const body = pairs.find(([k]) => k === '_body')?.[1] as string | undefined;
    const name = pairs.find(([k]) => k === 'Event-Name')?.[1] as string;
    return { name, headers: pairs.filter(([k]) => k !== '_body'), body, format: 'json' };
  }
  if (ct === 'text/event-plain') {
    const sep = f.body.indexOf('\n\n');
    const head = sep >= 0 ? f.body.slice(0, sep) : f.body;
    const headers: Array<[string, string]> = head.split('\n').map((l) => {
      const c = l.indexOf(': ');
      return [l.slice(0, c), lenientDecode(l.slice(c + 2))];
    });
    const body = sep >= 0 && f.body.length > sep + 2 ? f.body.slice(sep + 2) : undefined;
    const name = headers.find(([k]) => k === 'Event-Name')?.[1] as string;
    return { name, headers, body, format: 'plain' };
  }
  if (ct === 'text/event-xml') {
    const hs = /<headers>([\s\S]*)<\/headers>/.exec(f.body)?.[1] ?? '';
    const headers: Array<[string, string]> = [...hs.matchAll(/<([^>/]+)>([^<]*)<\/\1>/g)].map((m) => [m[1]!, lenientDecode(m[2]!)]);
    const name = headers.find(([k]) => k === 'Event-Name')?.[1] as string;
    return { name, headers, format: 'xml' };
  }
  return undefined;
}

export interface TranscriptLine {
  t: number;
  dir: 'in' | 'out' | 'close';
  data?: string;
}

export function loadTranscript(name: string): { lines: TranscriptLine[]; raw: Buffer } {
  const lines = readFileSync(join(TRANSCRIPTS, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TranscriptLine);
  return { lines, raw: readFileSync(join(TRANSCRIPTS, `${name}.in.raw`)) };
}

export const sleepReal = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A raw socket that records everything the simulator sends. */
export class RawClient {
  readonly socket: Socket;
  private chunks: Buffer[] = [];
  private lastData = Date.now();
  closed = false;

  constructor(port: number, host = '127.0.0.1') {
    this.socket = connect(port, host);
    this.socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.lastData = Date.now();
    });
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => (this.closed = true));
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  frames(): Frame[] {
    return parseFrames(this.bytes);
  }

  events(): ParsedEvent[] {
    return this.frames()
      .map(parseEvent)
      .filter((e): e is ParsedEvent => !!e);
  }

  write(s: string): void {
    this.socket.write(s);
  }

  /** Waits until nothing has arrived for `quietMs` (bounded by maxMs). */
  async settle(quietMs = 15, maxMs = 2000): Promise<void> {
    const start = Date.now();
    await sleepReal(2);
    while (Date.now() - this.lastData < quietMs && Date.now() - start < maxMs) await sleepReal(3);
  }

  async waitFor(pred: (c: RawClient) => boolean, maxMs = 3000): Promise<void> {
    const start = Date.now();
    while (!pred(this)) {
      if (Date.now() - start > maxMs) throw new Error('timed out waiting for the simulator');
      await sleepReal(3);
    }
  }

  async waitClosed(maxMs = 2000): Promise<void> {
    await this.waitFor((c) => c.closed, maxMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Opens a connection and authenticates. */
export async function authed(sim: Simulator, password = 'ClueCon'): Promise<RawClient> {
  const c = new RawClient(sim.port);
  await c.waitFor((x) => x.bytes.length > 0);
  c.write(`auth ${password}\n\n`);
  await c.waitFor((x) => x.frames().length >= 2);
  return c;
}

/**
 * Replays a transcript's client side in virtual time: before each command the clock moves by the gap the capture
 * shows (plus `extraBefore[i]` for command i, when the model's timing needs a little more room).
 */
export async function replay(
  sim: Simulator,
  clock: VirtualClock,
  name: string,
  extraBefore: Record<number, number> = {},
): Promise<{ client: RawClient; capture: Buffer }> {
  const { lines, raw } = loadTranscript(name);
  const captured = parseFrames(raw).filter((f) => hdr(f, 'Content-Type') === 'api/response');
  const client = new RawClient(sim.port);
  await client.waitFor((c) => c.bytes.length > 0);
  // uuids FreeSWITCH generated (e.g. a loopback -b leg) differ in the simulator: learn them from paired api
  // responses and rewrite later commands, as a real client would use what it was told.
  const uuidMap = new Map<string, string>();
  const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  const learn = (): void => {
    const ours = client.frames().filter((f) => hdr(f, 'Content-Type') === 'api/response');
    ours.forEach((f, k) => {
      const theirs = captured[k]?.body.match(UUID) ?? [];
      const mine = f.body.match(UUID) ?? [];
      theirs.forEach((u, j) => {
        if (mine[j] && mine[j] !== u) uuidMap.set(u, mine[j]!);
      });
    });
  };
  let prevT = 0;
  let i = 0;
  for (const line of lines) {
    if (line.dir !== 'out') continue;
    const gap = Math.max(0, line.t - prevT) + (extraBefore[i] ?? 0);
    prevT = line.t;
    if (gap) {
      clock.advance(gap);
      await client.settle();
    }
    learn();
    let data = line.data!;
    for (const [from, to] of uuidMap) data = data.split(from).join(to);
    client.write(data);
    await client.settle();
    i++;
  }
  await client.waitClosed().catch(() => undefined);
  return { client, capture: raw };
}

/** Frames of a capture or a replay as a comparable skeleton: Content-Type, reply text, event name. */
export function skeleton(frames: Frame[]): string[] {
  return frames.map((f) => {
    const ct = hdr(f, 'Content-Type') ?? hdr(f, 'Content-Length') ?? '?';
    const ev = parseEvent(f);
    if (ev) return `event:${ev.name}`;
    if (ct === 'command/reply') return `reply:${hdr(f, 'Reply-Text')}`;
    if (ct === 'api/response') return `api:${f.body}`;
    return ct;
  });
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const norm = (s: string): string => s.replace(UUID_RE, '<uuid>');
const first = (e: ParsedEvent, k: string): string | undefined => {
  const v = e.headers.find(([n]) => n === k)?.[1];
  return Array.isArray(v) ? v[0] : v;
};

/** Headers whose values must be identical between the capture and the simulator (uuids normalised). */
export const FIXED_HEADERS = [
  'Event-Name',
  'Event-Subclass',
  'FreeSWITCH-Hostname',
  'Event-Calling-File',
  'Event-Calling-Function',
  'Event-Calling-Line-Number',
  'Channel-State',
  'Channel-Call-State',
  'Channel-State-Number',
  'Channel-Name',
  'Call-Direction',
  'Channel-HIT-Dialplan',
  'Answer-State',
  'Hangup-Cause',
  'Channel-Read-Codec-Name',
  'Caller-Direction',
  'Caller-Logical-Direction',
  'Caller-Caller-ID-Name',
  'Caller-Caller-ID-Number',
  'Caller-Destination-Number',
  'Caller-Source',
  'Caller-Context',
  'Caller-Profile-Index',
  'Other-Type',
  'Other-Leg-Channel-Name',
  'Application',
  'Application-Data',
  'Application-Response',
  'Playback-File-Path',
  'Playback-File-Type',
  'Playback-Status',
  'DTMF-Digit',
  'DTMF-Duration',
  'DTMF-Source',
  'Record-Completion-Cause',
  'Job-Command',
  'Job-Command-Arg',
];

/** Groups events per channel: `Channel-Name#n` (n-th channel of that name), `JOB` or the event name. */
export function groupByChannel(evs: ParsedEvent[]): Map<string, ParsedEvent[]> {
  const ids = new Map<string, string>();
  const count = new Map<string, number>();
  const out = new Map<string, ParsedEvent[]>();
  for (const e of evs) {
    const uuid = first(e, 'Unique-ID');
    let key = e.name === 'BACKGROUND_JOB' ? 'JOB' : e.name;
    if (uuid) {
      const name = first(e, 'Channel-Name') ?? '?';
      if (!ids.has(uuid)) {
        const n = (count.get(name) ?? 0) + 1;
        count.set(name, n);
        ids.set(uuid, `${name}#${n}`);
      }
      key = ids.get(uuid)!;
    }
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(e);
  }
  return out;
}

export interface CompareOptions {
  /** Channels whose event order after their hangup is a thread race in FS: compare those tails as multisets. */
  racyTeardown?: boolean;
  /** Known, documented variable differences: `${channelKey}:${eventIndex}` -> variable names to ignore. */
  ignoreVars?: Record<string, string[]>;
  /** Events whose details are a thread race in FS (`${channelKey}:${eventIndex}`): only their name is compared. */
  raceEvents?: string[];
  /** Api response bodies to skip in the skeleton (e.g. `status`, whose numbers differ by nature). */
  skipApiBodies?: (body: string) => boolean;
}

/** Structural comparison of a replay against the capture; returns human-readable differences. */
export function compareWithCapture(capture: Buffer, ours: Frame[], opts: CompareOptions = {}): string[] {
  const diffs: string[] = [];
  const theirs = parseFrames(capture);
  // 1. Replies and api responses, in order, with the event names that arrived between them (as multisets).
  const segments = (frames: Frame[]): string[] => {
    const out: string[] = [];
    let evs: string[] = [];
    for (const f of frames) {
      const ev = parseEvent(f);
      if (ev) {
        evs.push(ev.name);
        continue;
      }
      if (evs.length) out.push(`events[${evs.sort().join(',')}]`);
      evs = [];
      const ct = hdr(f, 'Content-Type');
      if (ct === 'api/response') out.push(`api:${opts.skipApiBodies?.(f.body) ? '<skipped>' : norm(f.body)}`);
      else if (ct === 'command/reply') out.push(`reply:${norm(hdr(f, 'Reply-Text') ?? '')}`);
      else out.push(`${ct}:${f.body}`);
    }
    if (evs.length) out.push(`events[${evs.sort().join(',')}]`);
    return out;
  };
  const a = segments(theirs);
  const b = segments(ours);
  if (a.join('\n') !== b.join('\n')) diffs.push(`frame skeleton differs:\n  capture: ${a.join(' | ')}\n  sim:     ${b.join(' | ')}`);

  // 2. Per channel: event sequence, header names (in order), fixed values, variable names.
  const capEvents = groupByChannel(theirs.map(parseEvent).filter((e): e is ParsedEvent => !!e));
  const simEvents = groupByChannel(ours.map(parseEvent).filter((e): e is ParsedEvent => !!e));
  if ([...capEvents.keys()].sort().join() !== [...simEvents.keys()].sort().join()) {
    diffs.push(`channels differ: capture ${[...capEvents.keys()].join(',')} sim ${[...simEvents.keys()].join(',')}`);
  }
  for (const [key, list] of capEvents) {
    const mine = simEvents.get(key) ?? [];
    const names = (l: ParsedEvent[]): string[] => l.map((e) => e.name);
    let pairs: Array<[ParsedEvent, ParsedEvent]> = [];
    const cutAt = (l: ParsedEvent[]): number => {
      const i = l.findIndex((e) => first(e, 'Answer-State') === 'hangup' || e.name === 'CHANNEL_HANGUP');
      return i < 0 ? l.length : Math.max(0, i - 2);
    };
    if (opts.racyTeardown) {
      const cut = Math.min(cutAt(list), cutAt(mine));
      if (names(list.slice(0, cut)).join() !== names(mine.slice(0, cut)).join() || names(list).sort().join() !== names(mine).sort().join()) {
        diffs.push(`${key}: event sequence differs\n  capture: ${names(list).join(' ')}\n  sim:     ${names(mine).join(' ')}`);
        continue;
      }
      // Pair the tail by name and occurrence.
      const used = new Set<number>();
      for (const e of list) {
        const j = mine.findIndex((m, k) => !used.has(k) && m.name === e.name && first(m, 'Application') === first(e, 'Application'));
        const jj = j >= 0 ? j : mine.findIndex((m, k) => !used.has(k) && m.name === e.name);
        if (jj >= 0) {
          used.add(jj);
          pairs.push([e, mine[jj]!]);
        }
      }
    } else {
      if (names(list).join() !== names(mine).join()) {
        diffs.push(`${key}: event sequence differs\n  capture: ${names(list).join(' ')}\n  sim:     ${names(mine).join(' ')}`);
        continue;
      }
      pairs = list.map((e, i) => [e, mine[i]!]);
    }
    pairs.forEach(([c, s]) => {
      const idx = list.indexOf(c);
      const where = `${key}[${idx} ${c.name}${first(c, 'Application') ? ' ' + first(c, 'Application') : ''}]`;
      if (opts.raceEvents?.includes(`${key}:${idx}`)) return;
      const plainNames = (e: ParsedEvent): string[] => e.headers.map(([h]) => h).filter((h) => !h.startsWith('variable_'));
      if (plainNames(c).join() !== plainNames(s).join()) {
        diffs.push(`${where}: headers differ\n  capture: ${plainNames(c).join(',')}\n  sim:     ${plainNames(s).join(',')}`);
      }
      for (const h of FIXED_HEADERS) {
        const cv = first(c, h);
        const sv = first(s, h);
        if (cv !== undefined && norm(cv) !== norm(sv ?? '')) diffs.push(`${where}: ${h} "${cv}" vs "${sv}"`);
      }
      if (c.body !== undefined && norm(c.body) !== norm(s.body ?? '')) diffs.push(`${where}: body "${c.body}" vs "${s.body}"`);
      const ignore = new Set((opts.ignoreVars?.[`${key}:${idx}`] ?? []).map((v) => `variable_${v}`));
      const vars = (e: ParsedEvent): Set<string> => new Set(e.headers.map(([h]) => h).filter((h) => h.startsWith('variable_') && !ignore.has(h)));
      const cv = vars(c);
      const sv = vars(s);
      const missing = [...cv].filter((v) => !sv.has(v));
      const extra = [...sv].filter((v) => !cv.has(v));
      if (missing.length || extra.length) diffs.push(`${where}: variables missing [${missing.join(' ')}] extra [${extra.join(' ')}]`);
    });
  }
  return diffs;
}

/** Sends one command and waits for its reply frame (command/reply or api/response). */
export async function command(client: RawClient, text: string, maxMs = 3000): Promise<Frame> {
  const isReply = (f: Frame): boolean => {
    const ct = hdr(f, 'Content-Type');
    return ct === 'command/reply' || ct === 'api/response';
  };
  const before = client.frames().filter(isReply).length;
  client.write(text.endsWith('\n\n') ? text : `${text}\n\n`);
  await client.waitFor((c) => c.frames().filter(isReply).length > before, maxMs);
  return client.frames().filter(isReply)[before]!;
}

export const eventHeader = (e: ParsedEvent, k: string): string | undefined => {
  const v = e.headers.find(([n]) => n === k)?.[1];
  return Array.isArray(v) ? v[0] : v;
};
