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
 *   (native `indexOf`, one `toString` per body, no copy); only a frame that straddles chunks is collected as a list
 *   of slices and joined once, so a large body arriving in many chunks costs O(size), never O(size²).
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
const TERMINATOR = Buffer.from('\n\n');
const DECIMAL = /^\d+$/;

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
  private bodyParts: Buffer[] = [];
  private bodyHave = 0;

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
          this.bodyParts.push(off === 0 ? chunk : chunk.subarray(off));
          this.bodyHave += avail;
          return;
        }
        let body: string;
        if (this.bodyHave === 0) {
          body = chunk.toString('utf8', off, off + need);
        } else {
          this.bodyParts.push(chunk.subarray(off, off + need));
          body = Buffer.concat(this.bodyParts, this.bodyLen).toString('utf8');
          this.bodyParts = [];
          this.bodyHave = 0;
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
        const idx = chunk.indexOf(TERMINATOR, off);
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
      const headers = parseHeaderBlock(head.toString('utf8', headStart, headEnd));
      const cl = headers['Content-Length'];
      if (cl === undefined) {
        this.onFrame({ headers, body: '' });
        if (gen !== this.generation) return;
        continue;
      }
      const trimmed = cl.trim();
      const n = DECIMAL.test(trimmed) ? Number(trimmed) : NaN;
      if (!(n <= this.maxBodyBytes)) {
        this.onProtocolError(`bad Content-Length ${JSON.stringify(cl.slice(0, 40))}`);
        if (gen !== this.generation) return;
        continue;
      }
      if (n === 0) {
        this.onFrame({ headers, body: '' });
        if (gen !== this.generation) return;
        continue;
      }
      this.pendingHeaders = headers;
      this.bodyLen = n;
      this.bodyHave = 0;
    }
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
