import type { EventFormat } from '../esl/types';
import type { RunArena } from './run-arena';

/**
 * Consecutive headers shared, unchanged, by several events: a chunk of a channel's variables, its caller profile, the
 * host block. A run is immutable; its wire form in each format is encoded once, the first time an event needs it, and
 * reused by every later event that carries the same run (a call's ~70 variables and ~70 channel headers mostly keep
 * their values across its ~30 events).
 *
 * What a run holds is kept flat on purpose: the headers as one array of strings and each encoding as one Buffer, a
 * slice of its channel's RunArena (run-arena.ts) or with a backing store of its own. Caching per-header strings built
 * with `+` (V8 ropes, which keep every piece alive) tripled the soak's live heap; a Buffer is one small heap object
 * whatever its size, and an arena's chunks go with their channel, where a long-lived Buffer.from() slice would pin a
 * shared 8 KB pool slab for as long as it lives.
 */
export class HeaderRun {
  private json?: Buffer;
  private plain?: Buffer;
  private xml?: Buffer;

  /**
   * `flat` alternates names and values: [name0, value0, name1, value1, ...]. `arena`: where the encodings' bytes come
   * from (the channel's, see run-arena.ts); else each gets a backing store of its own.
   */
  constructor(
    readonly flat: readonly string[],
    readonly arena?: RunArena,
  ) {}

  get size(): number {
    return this.flat.length >> 1;
  }

  /**
   * The run's bytes in `format`, made by `encode` (the serialiser's) on first use: a Buffer of its own (see above), or
   * text that is copied into one.
   */
  bytes(format: EventFormat, encode: (run: HeaderRun, format: EventFormat) => string | Buffer): Buffer {
    const cached = this[format];
    if (cached !== undefined) return cached;
    const made = encode(this, format);
    let b: Buffer;
    if (typeof made === 'string') {
      b = Buffer.allocUnsafeSlow(Buffer.byteLength(made, 'utf8'));
      b.write(made, 0, 'utf8');
    } else b = made;
    this[format] = b;
    return b;
  }

  /** True when flat[start, end) holds exactly this run's headers. */
  matches(flat: readonly string[], start: number, end: number): boolean {
    const mine = this.flat;
    if (mine.length !== end - start) return false;
    for (let i = start; i < end; i++) if (mine[i - start] !== flat[i]) return false;
    return true;
  }
}

/**
 * Hands back, for a header list that changes from event to event, last time's run for each run whose headers are the
 * same as then, so its encodings carry over. The list is cut where its writer marked it (FlatHeaders.cut), and after
 * `maxRun` headers at most; without marks or limit it is one run. Last time's runs are found by their headers, not by
 * their position, so a header deleted or moved to the end (a re-set channel variable) changes its own run and the last
 * one only: with runs at fixed positions, every run after it shifted and was encoded again. Holds only the last runs:
 * what an event took stays alive through the event, and goes with it.
 */
export class RunMemo {
  private last: readonly HeaderRun[] = [];

  /** `maxRun`: headers a run holds at most (0: no limit). `arena`: for the runs' encodings (see HeaderRun). */
  constructor(
    private readonly maxRun = 0,
    private readonly arena?: RunArena,
  ) {}

  /** The runs of `headers`; last time's array itself when nothing changed. */
  runs(headers: FlatHeaders): readonly HeaderRun[] {
    const flat = headers.items;
    const length = headers.length;
    const last = this.last;
    const maxItems = this.maxRun > 0 ? this.maxRun * 2 : Number.POSITIVE_INFINITY;
    let out: HeaderRun[] | undefined;
    let k = 0;
    /** Where the search for the next run in `last` begins: the runs that carried over keep their order. */
    let from = 0;
    let mark = 0;
    for (let start = 0; start < length; k++) {
      while (mark < headers.cutCount && headers.cuts[mark]! <= start) mark++;
      const end = Math.min(length, start + maxItems, mark < headers.cutCount ? headers.cuts[mark]! : length);
      let prev: HeaderRun | undefined;
      for (let m = from; m < last.length; m++) {
        if (last[m]!.flat[0] === flat[start] && last[m]!.matches(flat, start, end)) {
          prev = last[m];
          from = m + 1;
          break;
        }
      }
      // Nothing allocated while every run so far is last time's, in last time's place.
      if (prev !== undefined && prev === last[k] && out === undefined) {
        start = end;
        continue;
      }
      out ??= last.slice(0, k);
      out.push(prev ?? new HeaderRun(flat.slice(start, end), this.arena));
      start = end;
    }
    if (out === undefined) {
      if (k === last.length) return last;
      out = last.slice(0, k);
    }
    this.last = out;
    return out;
  }

  /** Forgets the last runs (a channel that is gone fires no more events: nothing to reuse them for). */
  clear(): void {
    this.last = [];
  }
}

/**
 * A scratch list a block is written into before RunMemo compares it with last time's runs: one array reused for every
 * event, so an unchanged block allocates nothing. Filled and consumed synchronously (no event is built inside another).
 */
export class FlatHeaders {
  readonly items: string[] = [];
  length = 0;
  /** Where runs end (indices into items), in order: see cut(). */
  readonly cuts: number[] = [];
  cutCount = 0;

  reset(): this {
    this.length = 0;
    this.cutCount = 0;
    return this;
  }

  put(name: string, value: string): void {
    this.items[this.length++] = name;
    this.items[this.length++] = value;
  }

  /** put, except for an empty value, which is left out (the caller profile's strings, see channel.ts). */
  putIfSet(name: string, value: string): void {
    if (value !== '') this.put(name, value);
  }

  /** Ends a run after the last header put (RunMemo). */
  cut(): void {
    this.cuts[this.cutCount++] = this.length;
  }
}
