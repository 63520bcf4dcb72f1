import type { EventFormat } from '../esl/types';
import { serializeEvent } from './event-serializer';

/** One header of a simulated event. Multi-valued headers (FS `ARRAY::`) carry string arrays. */
export type SimHeader = [name: string, value: string | string[]];

/**
 * One channel variable as events carry it (`variable_<name>: value`). Entries are immutable and shared by every
 * event fired while the variable keeps its value, so each one's encoded form in a format is computed once and reused
 * by all those events (a call's ~80 variables mostly keep their values across its ~30 events).
 */
export interface VarEntry {
  /** `variable_<name>`. */
  readonly header: string;
  readonly value: string;
  /** Encoded forms, filled in by the serialiser the first time an event needs them (see event-serializer.ts). */
  json?: string;
  plain?: string;
  xml?: string;
}

/** The channel-variable block of an event: its entries, inserted before `headers[at]`. */
export interface VarBlock {
  readonly at: number;
  readonly entries: readonly VarEntry[];
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
 * Hangup-Cause twice) plus an optional body. The channel variables are held as a shared block (`vars`) rather than
 * copied into the list; `headers` gives the whole list when a test or a filter needs it. Each wire format is rendered
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
    /** The headers other than the variable block (all of them when `vars` is absent). */
    readonly own: SimHeader[],
    readonly body?: string,
    readonly subclass?: string,
    readonly vars?: VarBlock,
  ) {}

  /** Every header in order, the variables included. */
  get headers(): SimHeader[] {
    const vars = this.vars;
    if (!vars) return this.own;
    if (!this.merged) {
      const out = this.own.slice(0, vars.at);
      for (const e of vars.entries) out.push([e.header, e.value]);
      for (let i = vars.at; i < this.own.length; i++) out.push(this.own[i]!);
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
      const own = this.own;
      const at = this.vars ? this.vars.at : own.length;
      for (let i = 0; i < at; i++) add(own[i]![0], own[i]![1]);
      if (this.vars) for (const e of this.vars.entries) add(e.header, e.value);
      for (let i = at; i < own.length; i++) add(own[i]![0], own[i]![1]);
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
