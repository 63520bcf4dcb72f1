import type { EventFormat } from '../esl/types';
import { cjsonEscape, cjsonString, fsUrlEncode, xmlText } from './encoding';
import { forEachHeader, type SimEvent } from './event';
import type { HeaderRun } from './header-run';
import { ByteWriter } from './byte-writer';

/**
 * The three serialisations of switch_event.c, byte for byte as the captures show them:
 * - plain (switch_event_serialize, encode=TRUE): `Name: urlencoded\n` per header (empty -> `_undef_`), then either
 *   `\n` or, with a body, `Content-Length: n\n\n<body>`. Multi-valued headers are `ARRAY::a|:b`.
 * - json (switch_event_serialize_json, cJSON_PrintUnformatted): one flat object in header order, duplicates kept,
 *   arrays for multi-valued headers, then `Content-Length` + `_body` when there is a body. No trailing newline.
 * - xml (switch_event_xmlize + switch_xml_toxml): `<event>`, `<headers>` with url-encoded values, then
 *   `<Content-Length>` and `<body>` for a body.
 *
 * An event is written as a list of pieces: the bytes of its own headers and the cached bytes of its shared runs
 * (header-run.ts), copied once into each batch a connection of the format writes (see FrameParts).
 */
interface WireFormat {
  readonly open: string;
  /** One header, with its leading separator when the format has one (json's comma). */
  line(name: string, value: string | string[]): string;
  /** Bytes of the first header's text that are its separator (dropped: nothing comes before it). */
  readonly separator: number;
  /** What follows the headers: the body part and the closing. `empty`: there were no headers. */
  close(body: string | undefined, empty: boolean): string;
  readonly contentType: string;
}

const flatten = (v: string | string[]): string => (Array.isArray(v) ? 'ARRAY::' + v.join('|:') : v);

/** Header names repeat across events: `,"Name":"`, the JSON of a string header up to its value, is cached (bounded). */
const keyCache = new Map<string, string>();
const jsonKeyOpen = (name: string): string => {
  let k = keyCache.get(name);
  if (k === undefined) {
    k = ',' + cjsonString(name) + ':"';
    if (keyCache.size > 20000) keyCache.clear();
    keyCache.set(name, k);
  }
  return k;
};

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

const FORMATS: Record<EventFormat, WireFormat> = {
  plain: {
    open: '',
    line(name, value) {
      const enc = fsUrlEncode(flatten(value));
      return `${name}: ${enc === '' ? '_undef_' : enc}\n`;
    },
    separator: 0,
    close: (body) => (body !== undefined && body.length > 0 ? `Content-Length: ${byteLength(body)}\n\n${body}` : '\n'),
    contentType: '\nContent-Type: text/event-plain\n\n',
  },
  json: {
    open: '{',
    line: (name, value) =>
      Array.isArray(value)
        ? ',' + cjsonString(name) + ':[' + value.map(cjsonString).join(',') + ']'
        : jsonKeyOpen(name) + cjsonEscape(value) + '"',
    separator: 1,
    close: (body, empty) =>
      (body !== undefined ? `${empty ? '' : ','}"Content-Length":"${byteLength(body)}","_body":${cjsonString(body)}` : '') + '}',
    contentType: '\nContent-Type: text/event-json\n\n',
  },
  xml: {
    open: '<event>\n  <headers>\n',
    line: (name, value) => `    <${name}>${xmlText(fsUrlEncode(flatten(value)))}</${name}>\n`,
    separator: 0,
    close(body) {
      let out = '  </headers>\n';
      if (body !== undefined && body.length > 0) {
        // The capture shows the body's own trailing newline followed by the closing tag's indentation.
        out += `  <Content-Length>${byteLength(body)}</Content-Length>\n`;
        out += `  <body>${xmlText(body)}${body.endsWith('\n') ? '  ' : ''}</body>\n`;
      }
      return out + '</event>\n';
    },
    contentType: '\nContent-Type: text/event-xml\n\n',
  },
};

/**
 * `,"Name":"` as bytes, per header name (bounded): what a json header starts with. Each has a backing store of its
 * own: kept for good, a slice of Node's shared pool would pin a slab of 8 KB that short-lived Buffers share.
 */
const jsonKeyBytes = new Map<string, Buffer>();
const jsonKeyOpenBytes = (name: string): Buffer => {
  let b = jsonKeyBytes.get(name);
  if (b === undefined) {
    const text = jsonKeyOpen(name);
    b = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
    b.write(text, 0, 'utf8');
    if (jsonKeyBytes.size > 20000) jsonKeyBytes.clear();
    jsonKeyBytes.set(name, b);
  }
  return b;
};

/** json's line() for a header, straight into bytes: the name's cached opening (from byte `skip`), the value, the quote. */
function writeJsonHeader(w: ByteWriter, name: string, value: string, skip: number): void {
  w.bytes(jsonKeyOpenBytes(name), skip);
  w.text(cjsonEscape(value));
  w.byte(0x22);
}

const runWriter = new ByteWriter();

/** A run's bytes in `format`: its headers' lines, separators included (HeaderRun caches them). */
export function encodeRun(run: HeaderRun, format: EventFormat): Buffer {
  const w = runWriter.reset();
  const flat = run.flat;
  if (format === 'json') {
    // The header as json's line() writes it, straight into bytes: the name's cached opening, the value, the quote.
    for (let i = 0; i < flat.length; i += 2) writeJsonHeader(w, flat[i]!, flat[i + 1]!, 0);
  } else {
    const f = FORMATS[format];
    for (let i = 0; i < flat.length; i += 2) w.text(f.line(flat[i]!, flat[i + 1]!));
  }
  return w.copyOut(false, run.arena);
}

/**
 * A frame as the pieces it is written from: the bytes of the event's own headers (`own`, the stretches between runs
 * one after the other, and the `Content-Length`/`Content-Type` prefix) and its runs' cached bytes. `pieces` holds, in
 * frame order, a run's Buffer or a stretch of `own` as two numbers (start, end), the prefix first. A connection
 * copies the pieces of all the frames it sends at once into one Buffer (see writeFrame): no Buffer per frame.
 */
export interface FrameParts {
  readonly pieces: ReadonlyArray<Buffer | number>;
  readonly own: Buffer;
  /** The frame's length in bytes, prefix included. */
  readonly bytes: number;
}

/**
 * The frame being built. Module scratch: a frame is built synchronously, never inside another, and its own headers
 * are written straight into bytes (a string per header line, then their join, were a large part of the garbage).
 */
const ownWriter = new ByteWriter(16 * 1024);
let pieces: Array<Buffer | number> = [];
let stretchStart = 0;
let first = true;

/** Ends the stretch of own headers written since the last run. */
function endStretch(): void {
  const end = ownWriter.length;
  if (end > stretchStart) pieces.push(stretchStart, end);
  stretchStart = end;
}

/** The frame (`Content-Length`, `Content-Type`, blank line, body) of `event` in `format`, as pieces. */
export function eventFrameParts(event: SimEvent, format: EventFormat): FrameParts {
  const f = FORMATS[format];
  const w = ownWriter.reset();
  // The prefix's stretch, known once the body's length is.
  const list: Array<Buffer | number> = [0, 0];
  pieces = list;
  stretchStart = 0;
  first = true;
  let runBytes = 0;
  w.text(f.open);
  forEachHeader(
    event,
    (name, value) => {
      if (format === 'json' && typeof value === 'string') {
        // json's line(), straight into bytes (its separator, the leading comma, left out before the first header).
        writeJsonHeader(w, name, value, first ? f.separator : 0);
      } else {
        const line = f.line(name, value);
        w.text(first && f.separator > 0 ? line.slice(f.separator) : line);
      }
      first = false;
    },
    (run) => {
      if (run.size === 0) return;
      endStretch();
      const bytes = run.bytes(format, encodeRun);
      const piece = first && f.separator > 0 ? bytes.subarray(f.separator) : bytes;
      list.push(piece);
      runBytes += piece.length;
      first = false;
    },
  );
  w.text(f.close(event.body, first));
  endStretch();
  const prefixStart = w.length;
  w.text('Content-Length: ' + (prefixStart + runBytes) + f.contentType);
  list[0] = prefixStart;
  list[1] = w.length;
  pieces = [];
  return { pieces: list, own: w.copyOut(true), bytes: w.length + runBytes };
}

/** Copies a frame's pieces into `target` from `at`; returns the offset after it. */
export function writeFrame(parts: FrameParts, target: Buffer, at: number): number {
  const list = parts.pieces;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (typeof p === 'number') {
      const end = list[++i] as number;
      at += parts.own.copy(target, at, p, end);
    } else {
      target.set(p, at);
      at += p.length;
    }
  }
  return at;
}

/** The event body exactly as sent in `format` (no outer frame), as text. */
export function serializeEvent(event: SimEvent, format: EventFormat): string {
  return event.render(format);
}

export const serializePlain = (event: SimEvent): string => serializeEvent(event, 'plain');
export const serializeJson = (event: SimEvent): string => serializeEvent(event, 'json');
export const serializeXml = (event: SimEvent): string => serializeEvent(event, 'xml');
