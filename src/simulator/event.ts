import type { EventFormat } from '../esl/types';
import type { HeaderRun } from './header-run';
import { eventFrameParts, writeFrame, type FrameParts } from './event-serializer';

/** One header of a simulated event. Multi-valued headers (FS `ARRAY::`) carry string arrays. */
export type SimHeader = [name: string, value: string | string[]];

/** Runs of shared headers in an event, inserted before `own[at]` (after every own header when `at` is the end). */
export interface RunBlock {
  readonly at: number;
  readonly runs: readonly HeaderRun[];
}

/**
 * An event as FreeSWITCH holds it: an ORDERED header list (duplicates allowed: CHANNEL_HANGUP_COMPLETE really carries
 * Hangup-Cause twice) plus an optional body. The channel block and variables are held as shared runs (`blocks`, see
 * header-run.ts) rather than copied into the list; `headers` gives the whole list when a test or a filter needs it.
 * Each wire format's frame is built at most once and shared by every listener that wants that format, so fan-out to
 * many connections costs one serialisation per format.
 */
export class SimEvent {
  private readonly frames: Partial<Record<EventFormat, FrameParts>> = {};
  private index?: Map<string, string>;
  private merged?: SimHeader[];

  constructor(
    readonly name: string,
    /** The headers other than the blocks (all of them when there are no blocks). */
    readonly own: SimHeader[],
    readonly body?: string,
    readonly subclass?: string,
    /** Shared runs, in order of `at`. */
    readonly blocks?: readonly RunBlock[],
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
      forEachHeader(this, (k, v) => {
        const key = k.toLowerCase();
        if (!index.has(key)) index.set(key, Array.isArray(v) ? (v[0] ?? '') : v);
      });
      this.index = index;
    }
    return this.index.get(name.toLowerCase());
  }

  /** The event body exactly as sent in the given format (no outer frame). */
  render(format: EventFormat): string {
    const frame = this.frameBytes(format);
    return frame.toString('utf8', frame.indexOf('\n\n') + 2);
  }

  /** The full outer frame as text: `Content-Length`, `Content-Type`, blank line, body (mod_event_socket's order). */
  frame(format: EventFormat): string {
    return this.frameBytes(format).toString('utf8');
  }

  /** The full outer frame as the bytes written to the socket. */
  frameBytes(format: EventFormat): Buffer {
    const parts = this.frameParts(format);
    const b = Buffer.allocUnsafe(parts.bytes);
    writeFrame(parts, b, 0);
    return b;
  }

  /**
   * The frame as the pieces a connection writes (see FrameParts), built once and shared by every connection that
   * takes this format (the UTF-8 encoding of socket writes was a fifth of the simulator's time when each connection
   * wrote strings).
   */
  frameParts(format: EventFormat): FrameParts {
    return (this.frames[format] ??= eventFrameParts(this, format));
  }
}

/**
 * Walks an event's headers in wire order: own headers with the blocks spliced in at their positions. Shared runs go
 * to `onRun` when given (so serialisers can use their cached bytes), else header by header to `visit`.
 */
export function forEachHeader(
  event: SimEvent,
  visit: (name: string, value: string | string[]) => void,
  onRun?: (run: HeaderRun) => void,
): void {
  const own = event.own;
  const blocks = event.blocks;
  let bi = 0;
  for (let i = 0; i <= own.length; i++) {
    if (blocks) {
      while (bi < blocks.length && blocks[bi]!.at <= i) {
        for (const run of blocks[bi]!.runs) {
          if (onRun) onRun(run);
          else for (let j = 0; j < run.flat.length; j += 2) visit(run.flat[j]!, run.flat[j + 1]!);
        }
        bi++;
      }
    }
    if (i < own.length) visit(own[i]![0], own[i]![1]);
  }
}
