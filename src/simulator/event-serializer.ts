import type { EventFormat } from '../esl/types';
import { cjsonString, fsUrlEncode, xmlText } from './encoding';
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

const plainLine = (name: string, value: string | string[]): string => {
  const enc = fsUrlEncode(flatten(value));
  return `${name}: ${enc === '' ? '_undef_' : enc}\n`;
};

export function serializePlain(event: SimEvent): string {
  const own = event.own;
  const at = ownSplit(event);
  let out = '';
  for (let i = 0; i < at; i++) out += plainLine(own[i]![0], own[i]![1]);
  if (event.vars) for (const e of event.vars.entries) out += e.plain ??= plainLine(e.header, e.value);
  for (let i = at; i < own.length; i++) out += plainLine(own[i]![0], own[i]![1]);
  const body = event.body;
  if (body !== undefined && body.length > 0) {
    out += `Content-Length: ${Buffer.byteLength(body, 'utf8')}\n\n${body}`;
  } else {
    out += '\n';
  }
  return out;
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

const jsonValue = (value: string | string[]): string =>
  Array.isArray(value) ? '[' + value.map(cjsonString).join(',') + ']' : cjsonString(value);

export function serializeJson(event: SimEvent): string {
  // Plain string concatenation (V8 ropes) is the cheapest way to build these ~3-6 KB objects; the variables are
  // appended as their cached `"variable_x":"value"` pairs (variable names are not worth a keyCache entry each).
  const own = event.own;
  const at = ownSplit(event);
  let out = '{';
  let first = true;
  for (let i = 0; i < at; i++) {
    if (!first) out += ',';
    first = false;
    out += jsonKey(own[i]![0]) + jsonValue(own[i]![1]);
  }
  if (event.vars) {
    for (const e of event.vars.entries) {
      if (!first) out += ',';
      first = false;
      out += e.json ??= cjsonString(e.header) + ':' + cjsonString(e.value);
    }
  }
  for (let i = at; i < own.length; i++) {
    if (!first) out += ',';
    first = false;
    out += jsonKey(own[i]![0]) + jsonValue(own[i]![1]);
  }
  if (event.body !== undefined) {
    if (!first) out += ',';
    out += `"Content-Length":"${Buffer.byteLength(event.body, 'utf8')}","_body":` + cjsonString(event.body);
  }
  return out + '}';
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
