import type { EventFormat } from '../esl/types';
import { cjsonString, fsUrlEncode, xmlText } from './encoding';
import type { HeaderBlock, HeaderPart, SimEvent, SimHeader } from './event';

/** Type-only import of HeaderBlock (event.ts imports this module): a run of headers is an array, a block is not. */
const isBlock = (part: HeaderPart): part is HeaderBlock => !Array.isArray(part);

/**
 * The three serialisations of switch_event.c, byte for byte as the captures show them:
 * - plain (switch_event_serialize, encode=TRUE): `Name: urlencoded\n` per header (empty -> `_undef_`), then either
 *   `\n` or, with a body, `Content-Length: n\n\n<body>`. Multi-valued headers are `ARRAY::a|:b`.
 * - json (switch_event_serialize_json, cJSON_PrintUnformatted): one flat object in header order, duplicates kept,
 *   arrays for multi-valued headers, then `Content-Length` + `_body` when there is a body. No trailing newline.
 * - xml (switch_event_xmlize + switch_xml_toxml): `<event>`, `<headers>` with url-encoded values, then
 *   `<Content-Length>` and `<body>` for a body.
 *
 * Each format is the concatenation of per-header pieces (json: joined by `,`), so a run of headers renders on its
 * own (renderHeaders) and an event is its parts' renderings put together: a block shared by many events (a
 * channel's variables) is encoded once, not once per event.
 */
export function serializeEvent(event: SimEvent, format: EventFormat): string {
  let out = '';
  for (const piece of eventPieces(event, format)) out += typeof piece === 'string' ? piece : piece.render(format);
  return out;
}

/**
 * The event body in this format as text pieces and the shared blocks between them, in wire order. The socket path
 * turns it into bytes without copying a block's encoding into each event (SimEvent.frameChunks).
 */
export function eventPieces(event: SimEvent, format: EventFormat): Array<string | HeaderBlock> {
  const pieces: Array<string | HeaderBlock> = [];
  let text = format === 'json' ? '{' : format === 'xml' ? '<event>\n  <headers>\n' : '';
  let members = 0;
  for (const part of event.parts) {
    if (isBlock(part)) {
      if (part.headers.length === 0) continue;
      if (format === 'json' && members++ > 0) text += ',';
      pieces.push(text, part);
      text = '';
      continue;
    }
    const s = renderHeaders(part, format);
    if (s === '') continue;
    if (format === 'json' && members++ > 0) text += ',';
    text += s;
  }
  switch (format) {
    case 'plain':
      text += plainBody(event.body);
      break;
    case 'json':
      text += jsonBody(event.body, members > 0) + '}';
      break;
    case 'xml':
      text += '  </headers>\n' + xmlBody(event.body) + '</event>\n';
      break;
  }
  pieces.push(text);
  return pieces;
}

/** A run of headers in one format: plain and xml lines, or json members without the enclosing braces. */
export function renderHeaders(headers: readonly SimHeader[], format: EventFormat): string {
  switch (format) {
    case 'plain':
      return plainHeaders(headers);
    case 'json':
      return jsonHeaders(headers);
    case 'xml':
      return xmlHeaders(headers);
  }
}

const flatten = (v: string | string[]): string => (Array.isArray(v) ? 'ARRAY::' + v.join('|:') : v);

function plainHeaders(headers: readonly SimHeader[]): string {
  let out = '';
  for (const [name, value] of headers) {
    const enc = fsUrlEncode(flatten(value));
    out += `${name}: ${enc === '' ? '_undef_' : enc}\n`;
  }
  return out;
}

function plainBody(body: string | undefined): string {
  return body !== undefined && body.length > 0 ? `Content-Length: ${Buffer.byteLength(body, 'utf8')}\n\n${body}` : '\n';
}

/** Header names repeat across events: their JSON form is cached (bounded). */
const keyCache = new Map<string, string>();
const jsonKey = (name: string): string => {
  let k = keyCache.get(name);
  if (k === undefined) {
    k = cjsonString(name) + ':';
    if (keyCache.size > 20000) keyCache.clear();
    keyCache.set(name, k);
  }
  return k;
};

function jsonHeaders(headers: readonly SimHeader[]): string {
  // Plain string concatenation (V8 ropes) is the cheapest way to build these objects.
  let out = '';
  let first = true;
  for (const [name, value] of headers) {
    if (!first) out += ',';
    first = false;
    out += jsonKey(name) + (Array.isArray(value) ? '[' + value.map(cjsonString).join(',') + ']' : cjsonString(value));
  }
  return out;
}

function jsonBody(body: string | undefined, afterHeaders: boolean): string {
  if (body === undefined) return '';
  return `${afterHeaders ? ',' : ''}"Content-Length":"${Buffer.byteLength(body, 'utf8')}","_body":` + cjsonString(body);
}

function xmlHeaders(headers: readonly SimHeader[]): string {
  let out = '';
  for (const [name, value] of headers) out += `    <${name}>${xmlText(fsUrlEncode(flatten(value)))}</${name}>\n`;
  return out;
}

function xmlBody(body: string | undefined): string {
  if (body === undefined || body.length === 0) return '';
  // The capture shows the body's own trailing newline followed by the closing tag's indentation.
  return (
    `  <Content-Length>${Buffer.byteLength(body, 'utf8')}</Content-Length>\n` +
    `  <body>${xmlText(body)}${body.endsWith('\n') ? '  ' : ''}</body>\n`
  );
}

// One-format entry points (exported by src/simulator/index.ts).
export const serializePlain = (event: SimEvent): string => serializeEvent(event, 'plain');
export const serializeJson = (event: SimEvent): string => serializeEvent(event, 'json');
export const serializeXml = (event: SimEvent): string => serializeEvent(event, 'xml');
