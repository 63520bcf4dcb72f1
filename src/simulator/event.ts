import type { EventFormat } from '../esl/types';
import { eventPieces, renderHeaders, serializeEvent } from './event-serializer';

/** One header of a simulated event. Multi-valued headers (FS `ARRAY::`) carry string arrays. */
export type SimHeader = [name: string, value: string | string[]];

/** Anything headers can be appended to (an array, or an EventHeaders builder). */
export interface HeaderSink {
  push(...headers: SimHeader[]): unknown;
}

/**
 * A run of headers that many events carry unchanged, e.g. a channel's `variable_*` block between two variable
 * changes: rendered at most once per format and reused by every event that includes it. Immutable, so an event
 * queued for a slow reader still renders what it carried when it fired.
 */
export class HeaderBlock {
  private readonly rendered: Partial<Record<EventFormat, string>> = {};
  private readonly encoded: Partial<Record<EventFormat, Buffer>> = {};
  private index?: Map<string, string>;

  /** `fragments`: where each header's own rendering can be found already (a channel keeps its variables'). */
  constructor(
    readonly headers: readonly SimHeader[],
    private readonly fragments?: HeaderFragments,
  ) {}

  /** The headers' part of an event body in this format (see renderHeaders). */
  render(format: EventFormat): string {
    let s = this.rendered[format];
    if (s === undefined) {
      s = this.fragments ? this.fragments.render(this.headers, format) : renderHeaders(this.headers, format);
      this.rendered[format] = s;
    }
    return s;
  }

  /** The same rendering as UTF-8 bytes, copied into each batch that carries an event with this block. */
  bytes(format: EventFormat): Buffer {
    let b = this.encoded[format];
    if (b === undefined) {
      b = Buffer.from(this.render(format), 'utf8');
      this.encoded[format] = b;
    }
    return b;
  }

  /** First value of a header by its lower-cased name. */
  first(lowerName: string): string | undefined {
    if (!this.index) this.index = firstValues(this.headers);
    return this.index.get(lowerName);
  }
}

/**
 * Each header's rendering per format, remembered by name and checked against the value: a channel's variables
 * block is rebuilt after every change (a `set`, a bridge), and re-encoding the ~60 that did not change would
 * cost as much as not caching the block at all.
 */
export class HeaderFragments {
  private readonly byName = new Map<string, { value: string | string[] } & Partial<Record<EventFormat, string>>>();

  render(headers: readonly SimHeader[], format: EventFormat): string {
    let out = '';
    let first = true;
    for (const h of headers) {
      const [name, value] = h;
      let e = this.byName.get(name);
      if (e === undefined || e.value !== value) {
        e = { value };
        this.byName.set(name, e);
      }
      let f = e[format];
      if (f === undefined) {
        f = renderHeaders([h], format);
        e[format] = f;
      }
      if (format === 'json' && !first) out += ',';
      first = false;
      out += f;
    }
    return out;
  }

  /** Forgets a header (a deleted variable), so the cache holds no more than the channel does. */
  forget(name: string): void {
    this.byName.delete(name);
  }
}

/** An event's headers in order: runs of its own headers and shared blocks. */
export type HeaderPart = readonly SimHeader[] | HeaderBlock;

function firstValues(headers: readonly SimHeader[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const [k, v] of headers) {
    const key = k.toLowerCase();
    if (!index.has(key)) index.set(key, Array.isArray(v) ? (v[0] ?? '') : v);
  }
  return index;
}

/** Builds an event's header parts: plain pushes extend the current run, `share` appends a block. */
export class EventHeaders implements HeaderSink {
  private run: SimHeader[] = [];
  readonly parts: HeaderPart[] = [this.run];

  push(...headers: SimHeader[]): void {
    for (const h of headers) this.run.push(h);
  }

  share(block: HeaderBlock): void {
    if (block.headers.length === 0) return;
    this.parts.push(block);
    this.run = [];
    this.parts.push(this.run);
  }
}

/**
 * An event as FreeSWITCH holds it: an ORDERED header list (duplicates allowed: CHANNEL_HANGUP_COMPLETE really carries
 * Hangup-Cause twice) plus an optional body. Each wire format is rendered at most once and shared by every listener
 * that wants that format, so fan-out to many connections costs one serialisation per format; the header list is
 * held as parts so that blocks shared with other events (a channel's variables) are not re-encoded per event.
 */
export class SimEvent {
  private readonly cache: Partial<Record<EventFormat, string>> = {};
  private readonly frames: Partial<Record<EventFormat, readonly Buffer[]>> = {};
  private index?: Map<string, string>;
  private flat?: SimHeader[];
  readonly parts: readonly HeaderPart[];

  constructor(
    readonly name: string,
    headers: SimHeader[] | readonly HeaderPart[],
    readonly body?: string,
    readonly subclass?: string,
  ) {
    // A flat header list (tests, sendevent, uuid_dump) is one run.
    const flat = headers.length === 0 || Array.isArray(headers[0]) && typeof headers[0][0] === 'string';
    this.parts = flat ? [headers as SimHeader[]] : (headers as readonly HeaderPart[]);
  }

  /** Every header in order (built on first use: the wire path never needs it). */
  get headers(): SimHeader[] {
    if (!this.flat) {
      const out: SimHeader[] = [];
      for (const p of this.parts) out.push(...(p instanceof HeaderBlock ? p.headers : p));
      this.flat = out;
    }
    return this.flat;
  }

  /** First value of a header, case-insensitive (switch_event_get_header is case-insensitive). */
  get(name: string): string | undefined {
    const key = name.toLowerCase();
    if (this.parts.length === 1) {
      if (!this.index) this.index = firstValues(this.headers);
      return this.index.get(key);
    }
    // In part order, so the first occurrence wins; a shared block answers from its own (shared) index.
    for (const p of this.parts) {
      if (p instanceof HeaderBlock) {
        const v = p.first(key);
        if (v !== undefined) return v;
        continue;
      }
      for (const [k, v] of p) if (k.length === key.length && k.toLowerCase() === key) return Array.isArray(v) ? (v[0] ?? '') : v;
    }
    return undefined;
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

  /** The full outer frame: `Content-Length`, `Content-Type`, blank line, body (mod_event_socket's order). */
  frame(format: EventFormat): string {
    return Buffer.concat(this.frameChunks(format)).toString('utf8');
  }

  /**
   * The frame as byte chunks, built once per format and shared by every connection in that format: the event's own
   * text encoded once, and the encoded bytes of its shared blocks (a channel's variables) referenced, not copied, so
   * a socket batch is one copy of each chunk and no event re-encodes what it shares with the channel's others.
   */
  frameChunks(format: EventFormat): readonly Buffer[] {
    let chunks = this.frames[format];
    if (chunks === undefined) {
      const body: Buffer[] = [];
      let length = 0;
      for (const piece of eventPieces(this, format)) {
        if (typeof piece === 'string' && piece === '') continue;
        const b = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece.bytes(format);
        body.push(b);
        length += b.length;
      }
      chunks = [Buffer.from(`Content-Length: ${length}\nContent-Type: text/event-${format}\n\n`, 'latin1'), ...body];
      this.frames[format] = chunks;
    }
    return chunks;
  }
}
