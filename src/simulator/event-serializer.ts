import type { EventFormat } from '../esl/types';
import { cjsonEscape, cjsonString, fsUrlEncode, xmlText } from './encoding';
import { forEachHeader, type EntryRun, type HeaderEntry, type SimEvent } from './event';

/**
 * The three serialisations of switch_event.c, byte for byte as the captures show them:
 * - plain (switch_event_serialize, encode=TRUE): `Name: urlencoded\n` per header (empty -> `_undef_`), then either
 *   `\n` or, with a body, `Content-Length: n\n\n<body>`. Multi-valued headers are `ARRAY::a|:b`.
 * - json (switch_event_serialize_json, cJSON_PrintUnformatted): one flat object in header order, duplicates kept,
 *   arrays for multi-valued headers, then `Content-Length` + `_body` when there is a body. No trailing newline.
 * - xml (switch_event_xmlize + switch_xml_toxml): `<event>`, `<headers>` with url-encoded values, then
 *   `<Content-Length>` and `<body>` for a body.
 */
export function serializeEvent(event: SimEvent, format: EventFormat): string {
  switch (format) {
    case 'plain':
      return serializePlain(event);
    case 'json':
      return serializeJson(event);
    case 'xml':
      return serializeXml(event);
  }
}

const flatten = (v: string | string[]): string => (Array.isArray(v) ? 'ARRAY::' + v.join('|:') : v);

/**
 * The pieces of the event being serialised, joined once at the end: `Array.join` writes one flat string, where a
 * `+=` chain builds a rope of hundreds of nodes that Buffer.byteLength and the socket write then had to flatten
 * (that flattening cost more than the serialisation). One scratch array, reused: serialisation never re-enters.
 */
const parts: string[] = [];
const joinParts = (): string => {
  const s = parts.join('');
  parts.length = 0;
  return s;
};

const plainLine = (name: string, value: string | string[]): string => {
  const enc = fsUrlEncode(flatten(value));
  return `${name}: ${enc === '' ? '_undef_' : enc}\n`;
};

const pushPlain = (name: string, value: string | string[]): void => void parts.push(plainLine(name, value));
const plainEntry = (e: HeaderEntry): string => (e.plain ??= plainLine(e.header, e.value));
const pushPlainRun = (r: EntryRun): void => void parts.push((r.plain ??= r.entries.map(plainEntry).join('')));

export function serializePlain(event: SimEvent): string {
  forEachHeader(event, pushPlain, pushPlainRun);
  const body = event.body;
  if (body !== undefined && body.length > 0) {
    parts.push(`Content-Length: ${Buffer.byteLength(body, 'utf8')}\n\n`, body);
  } else {
    parts.push('\n');
  }
  return joinParts();
}

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

/** One header as `,"Name":"value"` pieces (the caller drops the comma of the first). */
function pushJsonHeader(name: string, value: string | string[]): void {
  if (Array.isArray(value)) {
    parts.push(',', cjsonString(name), ':[', value.map(cjsonString).join(','), ']');
  } else {
    parts.push(jsonKeyOpen(name), cjsonEscape(value), '"');
  }
}

/** A shared entry as its cached `,"Name":"value"` (variable names are not worth a keyCache entry each). */
const jsonEntry = (e: HeaderEntry): string => (e.json ??= ',' + cjsonString(e.header) + ':' + cjsonString(e.value));
const pushJsonRun = (r: EntryRun): void => void parts.push((r.json ??= r.entries.map(jsonEntry).join('')));

export function serializeJson(event: SimEvent): string {
  parts.push('{');
  forEachHeader(event, pushJsonHeader, pushJsonRun);
  if (event.body !== undefined) {
    parts.push(`,"Content-Length":"${Buffer.byteLength(event.body, 'utf8')}","_body":`, cjsonString(event.body));
  }
  parts.push('}');
  // Every header piece starts with a comma: drop the first one's.
  let first = 1;
  while (first < parts.length - 1 && parts[first] === '') first++;
  if (first < parts.length - 1) parts[first] = parts[first]!.slice(1);
  return joinParts();
}

const xmlLine = (name: string, value: string | string[]): string =>
  `    <${name}>${xmlText(fsUrlEncode(flatten(value)))}</${name}>\n`;

export function serializeXml(event: SimEvent): string {
  let out = '<event>\n  <headers>\n';
  forEachHeader(
    event,
    (name, value) => void (out += xmlLine(name, value)),
    (r) => void (out += r.xml ??= r.entries.map((e) => (e.xml ??= xmlLine(e.header, e.value))).join('')),
  );
  out += '  </headers>\n';
  const body = event.body;
  if (body !== undefined && body.length > 0) {
    // The capture shows the body's own trailing newline followed by the closing tag's indentation.
    out += `  <Content-Length>${Buffer.byteLength(body, 'utf8')}</Content-Length>\n`;
    out += `  <body>${xmlText(body)}${body.endsWith('\n') ? '  ' : ''}</body>\n`;
  }
  return out + '</event>\n';
}
