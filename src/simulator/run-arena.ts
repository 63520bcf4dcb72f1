/**
 * Memory for one channel's cached run encodings (header-run.ts): slices of a few chunks the channel owns, instead of
 * a Buffer with a backing store of its own per run. Making that backing store was the largest single cost of
 * encoding a run (~1 µs each, ~75 runs a call). The chunks go with the channel's runs when it is destroyed (close);
 * a run replaced while the channel lives keeps its slice until then, so a channel takes at most LIMIT bytes of chunks,
 * and past that (a long call that changes a lot) each run gets a Buffer of its own again, as it does after close.
 */
const CHUNK = 8 * 1024;
const LIMIT = 32 * 1024;
/** A run larger than this gets a Buffer of its own (it would waste most of a chunk). */
const LARGEST_SLICE = CHUNK / 2;

export class RunArena {
  private chunk?: Buffer;
  private at = 0;
  private taken = 0;
  private closed = false;

  /** `n` bytes for a run's encoding. */
  alloc(n: number): Buffer {
    if (n > LARGEST_SLICE) return Buffer.allocUnsafeSlow(n);
    if (this.chunk === undefined || this.at + n > this.chunk.length) {
      if (this.closed || this.taken + CHUNK > LIMIT) return Buffer.allocUnsafeSlow(n);
      this.chunk = Buffer.allocUnsafeSlow(CHUNK);
      this.taken += CHUNK;
      this.at = 0;
    }
    const slice = this.chunk.subarray(this.at, this.at + n);
    this.at += n;
    return slice;
  }

  /**
   * The channel is gone: its chunks are freed once the runs (and the events) holding slices of them are. Its last
   * events are usually encoded after this, when a connection writes them (a command's end, or the next turn of the
   * event loop): they still take the room left in the last chunk, which the arena lets go of after that turn, so a
   * destroyed channel kept as another's Other-Leg does not hold it.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.chunk !== undefined) setImmediate(() => (this.chunk = undefined));
  }
}
