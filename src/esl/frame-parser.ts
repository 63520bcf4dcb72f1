import { matchEventHead, parseKnownHead, type EventHead } from './frame-head';
import type { EslFrame } from './types';

/**
 * Splits the byte stream FreeSWITCH sends into frames: `Name: value\n` header lines, a blank line, then exactly
 * `Content-Length` BYTES of body.
 *
 * Why it is written this way:
 * - TCP chunks are arbitrary: a header block, its `\n\n` terminator or a multi-byte UTF-8 character can be split
 *   anywhere, and one chunk can hold hundreds of frames. Bodies are decoded to strings only once all their bytes are
 *   here, so a split character is never mangled.
 * - It is the hot path (thousands of events per second). Frames that lie inside one chunk are cut straight out of it
 *   (one `toString` per body, no copy). The block FreeSWITCH writes before every event
 *   (`Content-Length: n\nContent-Type: t\n\n`) is matched byte by byte in one pass (matchEventHead); any other
 *   header block is found by a JS scan and, when it holds only those two lines, read from the bytes without decoding
 *   it (parseKnownHead), else parsed as text: for blocks of a few dozen bytes these cost less than a native call. A body that straddles chunks is copied into one reused buffer (event-sized) or kept as
 *   a list of slices and joined once (large), so a large body arriving in many chunks costs O(size), never O(size²).
 * - `push()` keeps references to the chunks it was given (socket buffers are never reused by Node): do not mutate a
 *   chunk after pushing it.
 *
 * Malformed input never throws:
 * - Leading blank lines before a header block are skipped (as FreeSWITCH's own reader does).
 * - A header line without `:` is ignored; `\r` before `\n` is dropped; a header's value starts after `:` and spaces.
 * - A Content-Length that is not a plain decimal number, or exceeds `maxBodyBytes`, makes the frame boundaries
 *   unknowable: `onProtocolError` is called, the header block is dropped and parsing goes on right after its blank
 *   line. The client treats this as fatal for the connection (it reconnects), since it can no longer trust the
 *   stream position.
 * - A header block longer than `maxHeaderBytes` is reported the same way and skipped up to its terminator.
 */
export interface FrameParserOptions {
  /** Largest header block accepted (default 1 MiB; FreeSWITCH's outer headers are a few dozen bytes). */
  maxHeaderBytes?: number;
  /** Largest body accepted (default 256 MiB: `show channels as json` on a busy box is big, but bounded). */
  maxBodyBytes?: number;
  onProtocolError?: (reason: string) => void;
}

const LF = 0x0a;
const CR = 0x0d;
const DECIMAL = /^\d+$/;
/** Largest straddling body copied into the reused scratch buffer (events are a few KiB; `show channels` can be MBs). */
const SCRATCH_BYTES = 1024 * 1024;

export class FrameParser {
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  private readonly onProtocolError: (reason: string) => void;

  /** Header bytes of a frame whose terminator has not arrived yet. */
  private headParts: Buffer[] = [];
  private headLen = 0;
  /** The stashed header bytes end with LF: a chunk starting with LF completes the terminator. */
  private headEndsWithLF = false;
  /** Skipping an oversized header block up to its terminator. */
  private discarding = false;

  /** Headers of the frame whose body is being collected (null = reading headers). */
  private pendingHeaders: Record<string, string> | null = null;
  private bodyLen = 0;
  /** Parts of a body larger than SCRATCH_BYTES that straddles chunks. */
  private bodyParts: Buffer[] = [];
  /** Bytes of a smaller straddling body, copied as they arrive (grown on demand, reused for every frame). */
  private scratch: Buffer = Buffer.alloc(0);
  private bodyHave = 0;

  /** Filled by matchEventHead (one per parser, so the fast path allocates only the frame's headers). */
  private readonly eventHead: EventHead = { length: 0, type: '' };

  /** Bumped by reset(): a push() loop interrupted by a reset from inside onFrame stops at once. */
  private generation = 0;

  constructor(
    private readonly onFrame: (frame: EslFrame) => void,
    options: FrameParserOptions = {},
  ) {
    this.maxHeaderBytes = options.maxHeaderBytes ?? 1024 * 1024;
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024 * 1024;
    this.onProtocolError = options.onProtocolError ?? (() => undefined);
  }

  /** Bytes held for an incomplete frame (for tests and diagnostics). */
  get buffered(): number {
    return this.headLen + this.bodyHave;
  }

  /** Forgets any partial frame (call it when a new connection starts). */
  reset(): void {
    this.generation++;
    this.headParts = [];
    this.headLen = 0;
    this.headEndsWithLF = false;
    this.discarding = false;
    this.pendingHeaders = null;
    this.bodyLen = 0;
    this.bodyParts = [];
    this.bodyHave = 0;
  }

  push(chunk: Buffer): void {
    const gen = this.generation;
    const len = chunk.length;
    let off = 0;
    while (off < len) {
      if (this.pendingHeaders !== null) {
        // ---- body ----
        const need = this.bodyLen - this.bodyHave;
        const avail = len - off;
        if (avail < need) {
          this.keepBody(chunk, off, len);
          return;
        }
        let body: string;
        if (this.bodyHave === 0) {
          body = chunk.toString('utf8', off, off + need);
        } else {
          body = this.joinBody(chunk, off, off + need);
        }
        off += need;
        const headers = this.pendingHeaders;
        this.pendingHeaders = null;
        this.onFrame({ headers, body });
        if (gen !== this.generation) return;
        continue;
      }

      // ---- header block ----
      if (this.headLen === 0 && !this.discarding) {
        // Blank lines between frames carry nothing (FreeSWITCH skips them too).
        let b = chunk[off];
        while (b === LF || b === CR) {
          if (++off >= len) return;
          b = chunk[off];
        }
        // The event block FreeSWITCH always writes, read in one pass without looking for its terminator first.
        const next = matchEventHead(chunk, off, len, this.eventHead);
        if (next >= 0 && next - 2 - off <= this.maxHeaderBytes) {
          const n = this.eventHead.length;
          const headers = { 'Content-Length': String(n), 'Content-Type': this.eventHead.type };
          off = next;
          if (!this.headRead(headers, n, headers['Content-Length'], gen)) return;
          continue;
        }
      }
      let head: Buffer | undefined;
      let headStart = 0;
      let headEnd = 0;
      if (this.headEndsWithLF && off === 0 && chunk[0] === LF) {
        // The `\n\n` straddles the chunk boundary: the stash holds the block plus its first LF.
        head = Buffer.concat(this.headParts, this.headLen);
        headEnd = this.headLen - 1;
        off = 1;
      } else {
        const idx = findTerminator(chunk, off, len);
        if (idx < 0) {
          this.stashHead(chunk, off);
          return;
        }
        if (this.headLen === 0) {
          head = chunk;
          headStart = off;
          headEnd = idx;
        } else {
          this.headParts.push(chunk.subarray(off, idx));
          head = Buffer.concat(this.headParts, this.headLen + idx - off);
          headEnd = head.length;
        }
        off = idx + 2;
      }
      const wasDiscarding = this.discarding;
      this.headParts = [];
      this.headLen = 0;
      this.headEndsWithLF = false;
      this.discarding = false;
      if (wasDiscarding) continue;
      if (headEnd - headStart > this.maxHeaderBytes) {
        this.onProtocolError(`header block of ${headEnd - headStart} bytes exceeds ${this.maxHeaderBytes}`);
        if (gen !== this.generation) return;
        continue;
      }
      const headers =
        parseKnownHead(head, headStart, headEnd) ?? parseHeaderBlock(head.toString('utf8', headStart, headEnd));
      const cl = headers['Content-Length'];
      if (cl === undefined) {
        this.onFrame({ headers, body: '' });
        if (gen !== this.generation) return;
        continue;
      }
      if (!this.headRead(headers, bodyLength(cl), cl.slice(0, 40), gen)) return;
    }
  }

  /**
   * A frame's head is read (`n`: its Content-Length, `shown` as the error names it): its body follows, or it is a
   * frame of its own. False when a callback reset the parser meanwhile (the caller's loop must stop).
   */
  private headRead(headers: Record<string, string>, n: number, shown: string, gen: number): boolean {
    if (!(n <= this.maxBodyBytes)) {
      this.onProtocolError(`bad Content-Length ${JSON.stringify(shown)}`);
      return gen === this.generation;
    }
    if (n === 0) {
      this.onFrame({ headers, body: '' });
      return gen === this.generation;
    }
    this.pendingHeaders = headers;
    this.bodyLen = n;
    this.bodyHave = 0;
    return true;
  }

  /**
   * Keeps `chunk[from, to)`, part of a body that is not complete yet. Event-sized bodies are copied into one reused
   * buffer (no allocation per straddling event); a bigger one is kept as slices and joined once at its end, so memory
   * grows only as its bytes arrive, never on the word of a Content-Length.
   */
  private keepBody(chunk: Buffer, from: number, to: number): void {
    if (this.bodyLen <= SCRATCH_BYTES) {
      if (this.bodyHave === 0 && this.scratch.length < this.bodyLen) {
        this.scratch = Buffer.allocUnsafeSlow(Math.max(this.bodyLen, Math.min(2 * this.scratch.length, SCRATCH_BYTES)));
      }
      chunk.copy(this.scratch, this.bodyHave, from, to);
    } else {
      this.bodyParts.push(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
    }
    this.bodyHave += to - from;
  }

  /** The body, once its last bytes `chunk[from, to)` are here. */
  private joinBody(chunk: Buffer, from: number, to: number): string {
    this.keepBody(chunk, from, to);
    let body: string;
    if (this.bodyLen <= SCRATCH_BYTES) {
      body = this.scratch.toString('utf8', 0, this.bodyLen);
    } else {
      body = Buffer.concat(this.bodyParts, this.bodyLen).toString('utf8');
      this.bodyParts = [];
    }
    this.bodyHave = 0;
    return body;
  }

  /** Keeps the start of a header block whose terminator is still to come. */
  private stashHead(chunk: Buffer, off: number): void {
    const part = off === 0 ? chunk : chunk.subarray(off);
    this.headEndsWithLF = chunk[chunk.length - 1] === LF;
    if (this.discarding) return;
    this.headParts.push(part);
    this.headLen += part.length;
    if (this.headLen > this.maxHeaderBytes) {
      this.onProtocolError(`header block exceeds ${this.maxHeaderBytes} bytes without a terminator`);
      this.headParts = [];
      this.headLen = 0;
      this.discarding = true;
    }
  }
}

/**
 * Index of the first `\n\n` in `buf[from, len)`, or -1. A JS loop: outer header blocks are a few dozen bytes, and
 * Buffer#indexOf's argument handling and native call cost more than scanning them.
 */
function findTerminator(buf: Buffer, from: number, len: number): number {
  for (let i = from + 1; i < len; i++) {
    if (buf[i] === LF) {
      if (buf[i - 1] === LF) return i - 1;
    }
  }
  return -1;
}

/** A Content-Length value -> byte count, NaN when it is not a plain decimal (surrounding whitespace allowed). */
function bodyLength(value: string): number {
  const len = value.length;
  if (len > 0 && len <= 15) {
    // The common case, digits only, without a regex or a trimmed copy.
    let n = 0;
    for (let i = 0; i < len; i++) {
      const d = value.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return slowBodyLength(value);
      n = n * 10 + d;
    }
    return n;
  }
  return slowBodyLength(value);
}

function slowBodyLength(value: string): number {
  const trimmed = value.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : NaN;
}

/**
 * `Name: value` lines -> object (a hostile `__proto__` header is dropped, never assigned). The value starts
 * after the first `:` and any spaces, so `Reply-Text: +OK Job-UUID: x` keeps its inner `: `.
 */
export function parseHeaderBlock(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let start = 0;
  const len = text.length;
  while (start < len) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = len;
    let lineEnd = end;
    if (lineEnd > start && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < lineEnd) {
      let v = colon + 1;
      while (v < lineEnd && text.charCodeAt(v) === 32) v++;
      const name = text.slice(start, colon);
      if (name !== '__proto__') headers[name] = text.slice(v, lineEnd);
    }
    start = end + 1;
  }
  return headers;
}
