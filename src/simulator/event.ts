import type { EventFormat } from '../esl/types';
import { serializeEvent } from './event-serializer';

/** One header of a simulated event. Multi-valued headers (FS `ARRAY::`) carry string arrays. */
export type SimHeader = [name: string, value: string | string[]];

/**
 * An event as FreeSWITCH holds it: an ORDERED header list (duplicates allowed: CHANNEL_HANGUP_COMPLETE really carries
 * Hangup-Cause twice) plus an optional body. Each wire format is rendered at most once and shared by every listener
 * that wants that format, so fan-out to many connections costs one serialisation per format.
 */
export class SimEvent {
  private readonly cache: Partial<Record<EventFormat, string>> = {};
  private readonly frames: Partial<Record<EventFormat, string>> = {};
  private index?: Map<string, string>;

  constructor(
    readonly name: string,
    readonly headers: SimHeader[],
    readonly body?: string,
    readonly subclass?: string,
  ) {}

  /** First value of a header, case-insensitive (switch_event_get_header is case-insensitive). */
  get(name: string): string | undefined {
    if (!this.index) {
      this.index = new Map();
      for (const [k, v] of this.headers) {
        const key = k.toLowerCase();
        if (!this.index.has(key)) this.index.set(key, Array.isArray(v) ? (v[0] ?? '') : v);
      }
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

  /** The full outer frame: `Content-Length`, `Content-Type`, blank line, body (mod_event_socket's order). */
  frame(format: EventFormat): string {
    let s = this.frames[format];
    if (s === undefined) {
      const body = this.render(format);
      s = `Content-Length: ${Buffer.byteLength(body, 'utf8')}\nContent-Type: text/event-${format}\n\n${body}`;
      this.frames[format] = s;
    }
    return s;
  }
}
