import type { EventFormat } from '../esl/types';
import { serializeEvent } from './event-serializer';

/** One header of a simulated event. Multi-valued headers (FS `ARRAY::`) carry string arrays. */
export type SimHeader = [name: string, value: string | string[]];

/**
 * One header held as an immutable entry shared by every event that carries it unchanged: channel variables
 * (`variable_<name>`) and the channel block (state, caller profile, other leg). Each entry's encoded form in a format
 * is computed once and reused by all those events (a call's ~80 variables and ~80 channel headers mostly keep their
 * values across its ~30 events).
 */
export interface HeaderEntry {
  readonly header: string;
  readonly value: string;
  /** Encoded forms, filled in by the serialiser the first time an event needs them (see event-serializer.ts). */
  json?: string;
  plain?: string;
  xml?: string;
}

/** A channel variable as events carry it. */
export type VarEntry = HeaderEntry;

/**
 * Consecutive shared entries, themselves shared by the events that carry all of them unchanged (a caller profile
 * that did not change since the last event, a chunk of variables nobody touched), so a serialiser encodes the whole
 * run once: joining a 5 KB body costs ~50 ns a piece, and a run is one piece instead of dozens.
 */
export class EntryRun {
  json?: string;
  plain?: string;
  xml?: string;
  constructor(readonly entries: readonly HeaderEntry[]) {}
}

/** Runs of shared entries in an event, inserted before `own[at]` (after every own header when `at` is the end). */
export interface EntryBlock {
  readonly at: number;
  readonly runs: readonly EntryRun[];
}

/**
 * Cuts a changing entry list into runs of `chunk` entries (0: one run) and hands back last time's run for every chunk
 * whose entries are all the same objects as then, so its encodings carry over.
 */
export class RunMemo {
  private last: EntryRun[] = [];

  constructor(private readonly chunk: number) {}

  runs(entries: readonly HeaderEntry[]): EntryRun[] {
    const size = this.chunk > 0 ? this.chunk : Math.max(1, entries.length);
    const out: EntryRun[] = [];
    for (let start = 0, k = 0; start < entries.length; start += size, k++) {
      const end = Math.min(entries.length, start + size);
      const prev = this.last[k];
      out.push(prev !== undefined && sameRun(prev.entries, entries, start, end) ? prev : new EntryRun(entries.slice(start, end)));
    }
    this.last = out;
    return out;
  }
}

function sameRun(prev: readonly HeaderEntry[], entries: readonly HeaderEntry[], start: number, end: number): boolean {
  if (prev.length !== end - start) return false;
  for (let i = start; i < end; i++) if (prev[i - start] !== entries[i]) return false;
  return true;
}

const PREFIX_TYPES: Record<EventFormat, string> = {
  plain: '\nContent-Type: text/event-plain\n\n',
  json: '\nContent-Type: text/event-json\n\n',
  xml: '\nContent-Type: text/event-xml\n\n',
};

/**
 * Frames are cut from shared slabs (as Node's own Buffer pool does for small buffers, but frames are ~3-6 KB, above
 * its 4 KB limit): one ArrayBuffer per 256 KB instead of one per event. A slab lives until its last frame is written.
 */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

function frameBuffer(bytes: number): Buffer {
  if (bytes > SLAB_BYTES / 8) return Buffer.allocUnsafeSlow(bytes);
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const b = slab.subarray(slabUsed, slabUsed + bytes);
  // Keep the next frame 8-byte aligned.
  slabUsed += (bytes + 7) & ~7;
  return b;
}

/**
 * An event as FreeSWITCH holds it: an ORDERED header list (duplicates allowed: CHANNEL_HANGUP_COMPLETE really carries
 * Hangup-Cause twice) plus an optional body. The channel block and variables are held as shared entry blocks
 * (`blocks`) rather than copied into the list; `headers` gives the whole list when a test or a filter needs it. Each wire format is rendered
 * at most once and shared by every listener that wants that format, so fan-out to many connections costs one
 * serialisation per format.
 */
export class SimEvent {
  private readonly cache: Partial<Record<EventFormat, string>> = {};
  private readonly bytes: Partial<Record<EventFormat, Buffer>> = {};
  private index?: Map<string, string>;
  private merged?: SimHeader[];

  constructor(
    readonly name: string,
    /** The headers other than the blocks (all of them when there are no blocks). */
    readonly own: SimHeader[],
    readonly body?: string,
    readonly subclass?: string,
    /** Shared entry blocks, in order of `at`. */
    readonly blocks?: readonly EntryBlock[],
  ) {}

  /** Every header in order, the blocks included. */
  get headers(): SimHeader[] {
    if (!this.blocks || this.blocks.length === 0) return this.own;
    if (!this.merged) {
      const out: SimHeader[] = [];
      forEachHeader(this, (k, v) => void out.push([k, v]));
      this.merged = out;
    }
    return this.merged;
  }

  /** First value of a header, case-insensitive (switch_event_get_header is case-insensitive). */
  get(name: string): string | undefined {
    if (!this.index) {
      const index = new Map<string, string>();
      const add = (k: string, v: string | string[]): void => {
        const key = k.toLowerCase();
        if (!index.has(key)) index.set(key, Array.isArray(v) ? (v[0] ?? '') : v);
      };
      forEachHeader(this, add);
      this.index = index;
    }
    return this.index.get(name.toLowerCase());
  }

  /** The event body exactly as sent in the given format (no outer frame). */
  render(format: EventFormat): string {
    let s = this.cache[format];
    if (s === undefined) {
      s = serializeEvent(this, format);
      this.cache[format] = s;
    }
    return s;
  }

  /** The full outer frame as text: `Content-Length`, `Content-Type`, blank line, body (mod_event_socket's order). */
  frame(format: EventFormat): string {
    return this.frameBytes(format).toString('utf8');
  }

  /**
   * The full outer frame as the bytes written to the socket: one Buffer, encoded once and shared by every
   * connection that takes this format (the UTF-8 encoding of socket writes was a fifth of the simulator's time when
   * each connection wrote strings).
   */
  frameBytes(format: EventFormat): Buffer {
    let b = this.bytes[format];
    if (b === undefined) {
      // Not kept as a string: the Buffer is all the sockets need.
      const body = this.cache[format] ?? serializeEvent(this, format);
      const len = Buffer.byteLength(body, 'utf8');
      const prefix = 'Content-Length: ' + len + PREFIX_TYPES[format];
      b = frameBuffer(prefix.length + len);
      b.write(prefix, 0, 'latin1');
      b.write(body, prefix.length, 'utf8');
      this.bytes[format] = b;
    }
    return b;
  }
}

/**
 * Walks an event's headers in wire order: own headers with the blocks spliced in at their positions. Shared runs go
 * to `onRun` when given (so serialisers can use and fill their cached encodings), else entry by entry to `visit`.
 */
export function forEachHeader(
  event: SimEvent,
  visit: (name: string, value: string | string[]) => void,
  onRun?: (run: EntryRun) => void,
): void {
  const own = event.own;
  const blocks = event.blocks;
  let bi = 0;
  for (let i = 0; i <= own.length; i++) {
    if (blocks) {
      while (bi < blocks.length && blocks[bi]!.at <= i) {
        for (const run of blocks[bi]!.runs) {
          if (onRun) onRun(run);
          else for (const e of run.entries) visit(e.header, e.value);
        }
        bi++;
      }
    }
    if (i < own.length) visit(own[i]![0], own[i]![1]);
  }
}
