/**
 * A growable scratch Buffer that text and bytes are appended to, then copied out at their exact length: what is built
 * this way makes no intermediate strings (a string per header line, then their join, was most of what the event
 * serialiser allocated). One writer is reused for everything built synchronously; nothing built keeps its memory.
 */
/** Buffer's own UTF-8 encoder (what Buffer.prototype.write calls for 'utf8'), present on every Buffer. */
type Utf8Writable = Buffer & { utf8Write(s: string, offset: number): number };

export class ByteWriter {
  private buf: Buffer;
  private at = 0;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(initialSize);
  }

  reset(): this {
    this.at = 0;
    return this;
  }

  get length(): number {
    return this.at;
  }

  /** Appends `s` as UTF-8. */
  text(s: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, makes 4).
    this.room(s.length * 3);
    // utf8Write, not write(s, at, 'utf8'): the same encoder without write's argument handling, which cost as much as
    // the encoding itself for the short values most headers have.
    this.at += (this.buf as Utf8Writable).utf8Write(s, this.at);
  }

  /** Appends `b` from its byte `from` on. */
  bytes(b: Uint8Array, from = 0): void {
    this.room(b.length - from);
    this.buf.set(from > 0 ? b.subarray(from) : b, this.at);
    this.at += b.length - from;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.at++] = c;
  }

  /**
   * What was appended since reset, in a Buffer of its own: with a backing store of its own (what a long-lived cache
   * keeps, see HeaderRun), `pooled`, a slice of Node's shared pool (what lives briefly, like a frame's own headers),
   * or `from` an allocator (a channel's RunArena).
   */
  copyOut(pooled = false, from?: { alloc(n: number): Buffer }): Buffer {
    const out = from ? from.alloc(this.at) : pooled ? Buffer.allocUnsafe(this.at) : Buffer.allocUnsafeSlow(this.at);
    this.buf.copy(out, 0, 0, this.at);
    return out;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}
