import type { EventFormat } from '../esl/types';
import { cjsonEscape, cjsonString, fsUrlEncode, xmlText } from './encoding';
import type { SimEvent } from './event';

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

/** The headers before the variable block, the block, then the rest: every serialiser walks them in this order. */
function ownSplit(event: SimEvent): number {
  return event.vars ? event.vars.at : event.own.length;
}

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

export function serializePlain(event: SimEvent): string {
  const own = event.own;
  const at = ownSplit(event);
  for (let i = 0; i < at; i++) parts.push(plainLine(own[i]![0], own[i]![1]));
  if (event.vars) for (const e of event.vars.entries) parts.push((e.plain ??= plainLine(e.header, e.value)));
  for (let i = at; i < own.length; i++) parts.push(plainLine(own[i]![0], own[i]![1]));
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

export function serializeJson(event: SimEvent): string {
  const own = event.own;
  const at = ownSplit(event);
  parts.push('{');
  for (let i = 0; i < at; i++) pushJsonHeader(own[i]![0], own[i]![1]);
  // The variables as their cached `,"variable_x":"value"` pairs (a name each is not worth a keyCache entry).
  if (event.vars) {
    for (const e of event.vars.entries) parts.push((e.json ??= ',' + cjsonString(e.header) + ':' + cjsonString(e.value)));
  }
  for (let i = at; i < own.length; i++) pushJsonHeader(own[i]![0], own[i]![1]);
  if (event.body !== undefined) {
    parts.push(`,"Content-Length":"${Buffer.byteLength(event.body, 'utf8')}","_body":`, cjsonString(event.body));
  }
  parts.push('}');
  // Every header piece starts with a comma: drop the first one's.
  if (parts.length > 2) parts[1] = parts[1]!.slice(1);
  return joinParts();
}

const xmlLine = (name: string, value: string | string[]): string =>
  `    <${name}>${xmlText(fsUrlEncode(flatten(value)))}</${name}>\n`;

export function serializeXml(event: SimEvent): string {
  const own = event.own;
  const at = ownSplit(event);
  let out = '<event>\n  <headers>\n';
  for (let i = 0; i < at; i++) out += xmlLine(own[i]![0], own[i]![1]);
  if (event.vars) for (const e of event.vars.entries) out += e.xml ??= xmlLine(e.header, e.value);
  for (let i = at; i < own.length; i++) out += xmlLine(own[i]![0], own[i]![1]);
  out += '  </headers>\n';
  const body = event.body;
  if (body !== undefined && body.length > 0) {
    // The capture shows the body's own trailing newline followed by the closing tag's indentation.
    out += `  <Content-Length>${Buffer.byteLength(body, 'utf8')}</Content-Length>\n`;
    out += `  <body>${xmlText(body)}${body.endsWith('\n') ? '  ' : ''}</body>\n`;
  }
  return out + '</event>\n';
}
