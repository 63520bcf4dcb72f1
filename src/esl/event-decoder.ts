import type { EslEvent, EslFrame, EventFormat, HeaderValue } from './types';
import { JsonEvent, stringify } from './json-event';
import { urlDecodeLenient } from './url-decode';

export { urlDecodeLenient } from './url-decode';

/**
 * Frames of Content-Type text/event-json|plain|xml -> EslEvent. Everything else (replies, log/data, notices) and
 * anything malformed (bad JSON, no Event-Name) -> undefined; nothing here throws on hostile input.
 *
 * The three formats come out identical for the same FreeSWITCH event:
 * - header values are strings; multi-valued headers are string[] (json arrays, plain/xml `ARRAY::a|:b`);
 * - the event's own body (BACKGROUND_JOB output...) is `body`; its inner `Content-Length` stays a header, as in
 *   FreeSWITCH's json, so a consumer sees the same header set whatever the format;
 * - plain and xml values are URL-decoded leniently (see urlDecodeLenient); json values are taken as they are, and
 *   checked (a non-string turned into a string) only when read (see JsonEvent).
 * With duplicate header names (FreeSWITCH repeats Hangup-Cause on hangup events) the last one wins, as JSON.parse does.
 * Header objects are plain `{}` (V8 keeps them in fast mode; a null-prototype object is a dictionary and made plain
 * decoding ~35% slower); a header literally named `__proto__` is therefore dropped, never assigned.
 */
export function decodeEvent(frame: EslFrame): EslEvent | undefined {
  switch (frame.headers['Content-Type']) {
    case 'text/event-json':
      return decodeJsonEvent(frame.body);
    case 'text/event-plain':
      return decodePlainEvent(frame.body);
    case 'text/event-xml':
      return decodeXmlEvent(frame.body);
    default:
      return undefined;
  }
}

function makeEvent(
  headers: Record<string, HeaderValue>,
  body: string | undefined,
  format: EventFormat,
): EslEvent | undefined {
  const name = headers['Event-Name'];
  if (typeof name !== 'string' || name.length === 0) return undefined;
  const sub = headers['Event-Subclass'];
  return { name, subclass: typeof sub === 'string' ? sub : undefined, headers, body, format };
}

/**
 * text/event-json: one JSON.parse and the two headers every event needs (Event-Name, Event-Subclass); the other
 * values are checked when read (see JsonEvent), so an event costs little more than its JSON.parse.
 */
export function decodeJsonEvent(text: string): EslEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const obj = parsed as Record<string, unknown>;
  const name = scalarHeader(obj, 'Event-Name');
  if (name === undefined || name.length === 0) return undefined;
  const sub = scalarHeader(obj, 'Event-Subclass');
  let body: string | undefined;
  const rawBody = obj._body;
  if (rawBody !== undefined) {
    // `_body` is the last key FreeSWITCH writes; deleting the last-added property keeps V8's fast object shape.
    delete obj._body;
    body = stringify(rawBody);
  }
  return new JsonEvent(obj, name, sub, body);
}

/**
 * A header the decoder itself needs, as every other json value is seen by consumers: a string as is, a non-string
 * scalar turned into one (and written back), a list or nothing -> undefined.
 */
function scalarHeader(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (typeof v === 'string') return v;
  if (v === undefined || Array.isArray(v)) return undefined;
  const s = stringify(v);
  obj[key] = s;
  return s;
}

const ARRAY_PREFIX = 'ARRAY::';

/** FreeSWITCH's serialisation of a multi-valued header: `ARRAY::a|:b|:c`. */
function maybeArray(value: string): HeaderValue {
  return value.startsWith(ARRAY_PREFIX) ? value.slice(ARRAY_PREFIX.length).split('|:') : value;
}

/** The first `n` UTF-8 bytes of `s` (the inner Content-Length counts bytes, not UTF-16 units). */
function firstBytes(s: string, n: number): string {
  if (s.length === n && Buffer.byteLength(s, 'utf8') === n) return s;
  const buf = Buffer.from(s, 'utf8');
  return buf.length <= n ? s : buf.toString('utf8', 0, n);
}

function innerLength(headers: Record<string, HeaderValue>): number | undefined {
  const cl = headers['Content-Length'];
  if (typeof cl !== 'string' || !/^\d+$/.test(cl)) return undefined;
  return Number(cl);
}

/**
 * text/event-plain: `Name: urlencoded\n` lines, then either a blank line (no body) or, counted in the same outer
 * Content-Length, `Content-Length: m\n\n` and m bytes of body.
 */
export function decodePlainEvent(text: string): EslEvent | undefined {
  const sep = text.indexOf('\n\n');
  const headEnd = sep < 0 ? text.length : sep;
  const headers = {} as Record<string, HeaderValue>;
  let start = 0;
  while (start < headEnd) {
    let end = text.indexOf('\n', start);
    if (end < 0 || end > headEnd) end = headEnd;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end) {
      let v = colon + 1;
      while (v < end && text.charCodeAt(v) === 32) v++;
      let lineEnd = end;
      if (lineEnd > v && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      const name = text.slice(start, colon);
      if (name !== '__proto__') headers[name] = maybeArray(urlDecodeLenient(text.slice(v, lineEnd)));
    }
    start = end + 1;
  }
  let body: string | undefined;
  if (sep >= 0 && sep + 2 < text.length) {
    const rest = text.slice(sep + 2);
    const n = innerLength(headers);
    body = n === undefined ? rest : firstBytes(rest, n);
  }
  return makeEvent(headers, body, 'plain');
}

const XML_ENTITY = /&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function xmlUnescape(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(XML_ENTITY, (whole, ent: string) => {
    switch (ent) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = ent[1] === 'x' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const XML_HEADER = /<([^\s<>/]+)>([^<]*)<\/\1>|<([^\s<>/]+)\s*\/>/g;

/**
 * text/event-xml: `<event><headers><Name>urlencoded</Name>...</headers>[<Content-Length>m</Content-Length>
 * <body>xml-escaped body</body>]</event>`. FreeSWITCH's XML printer indents the closing `</body>` after a body that
 * ends in a newline, so the body is cut to its Content-Length bytes.
 */
export function decodeXmlEvent(text: string): EslEvent | undefined {
  const hs = text.indexOf('<headers>');
  const he = hs < 0 ? -1 : text.indexOf('</headers>', hs);
  if (he < 0) return undefined;
  const headers = {} as Record<string, HeaderValue>;
  XML_HEADER.lastIndex = 0;
  const section = text.slice(hs + 9, he);
  for (let m = XML_HEADER.exec(section); m; m = XML_HEADER.exec(section)) {
    // A repeated element is a duplicated header (the capture repeats Hangup-Cause): the last one wins, as in json.
    const name = m[1] ?? m[3]!;
    if (name !== '__proto__') headers[name] = maybeArray(urlDecodeLenient(xmlUnescape(m[2] ?? '')));
  }
  const tail = text.slice(he + 10);
  const cl = /<Content-Length>(\d+)<\/Content-Length>/.exec(tail);
  if (cl) headers['Content-Length'] = cl[1]!;
  let body: string | undefined;
  const bs = tail.indexOf('<body>');
  const be = tail.lastIndexOf('</body>');
  if (bs >= 0 && be > bs) {
    const raw = xmlUnescape(tail.slice(bs + 6, be));
    const n = innerLength(headers);
    body = n === undefined ? raw : firstBytes(raw, n);
  }
  return makeEvent(headers, body, 'xml');
}
