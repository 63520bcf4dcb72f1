import { JsonEvent } from './json-event';

/**
 * Types shared by the ESL client, the simulator and every consumer of FreeSWITCH events.
 */

/** One message as framed on the wire: outer headers (decoded as-is; outer headers are never URL-encoded) and body. */
export interface EslFrame {
  headers: Record<string, string>;
  /** The body (exactly Content-Length bytes, decoded as UTF-8); '' when there is none. */
  body: string;
}

export type EventFormat = 'plain' | 'json' | 'xml';

/** A header's value: multi-valued headers (json arrays, plain `ARRAY::a|:b`) are string arrays. */
export type HeaderValue = string | string[];

/** A FreeSWITCH event, whatever format it arrived in. Header names are exactly as FreeSWITCH sends them. */
export interface EslEvent {
  /** Event-Name, e.g. CHANNEL_ANSWER; CUSTOM events keep 'CUSTOM' and carry `subclass`. */
  readonly name: string;
  /** Event-Subclass for CUSTOM events, e.g. sofia::register. */
  readonly subclass?: string;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** The event's own body (BACKGROUND_JOB output, json `_body`), if any. */
  readonly body?: string;
  readonly format: EventFormat;
}

/**
 * The first (or only) value of a header. A json event is read straight from its parsed object (JsonEvent.get),
 * without going through its `headers` view.
 */
export function header(event: EslEvent, name: string): string | undefined {
  const v = event instanceof JsonEvent ? event.get(name) : event.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A channel variable (`variable_<name>` header). */
export function channelVar(event: EslEvent, name: string): string | undefined {
  return header(event, `variable_${name}`);
}
