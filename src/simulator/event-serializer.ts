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

export function serializePlain(event: SimEvent): string {
  const parts: string[] = [];
  for (const [name, value] of event.headers) {
    const enc = fsUrlEncode(flatten(value));
    parts.push(`${name}: ${enc === '' ? '_undef_' : enc}\n`);
  }
  const body = event.body;
  if (body !== undefined && body.length > 0) {
    parts.push(`Content-Length: ${Buffer.byteLength(body, 'utf8')}\n\n${body}`);
  } else {
    parts.push('\n');
  }
  return parts.join('');
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

export function serializeJson(event: SimEvent): string {
  // Plain string concatenation (V8 ropes) is the cheapest way to build these ~3-6 KB objects.
  let out = '{';
  let first = true;
  for (const [name, value] of event.headers) {
    if (!first) out += ',';
    first = false;
    out += jsonKey(name) + (Array.isArray(value) ? '[' + value.map(cjsonString).join(',') + ']' : cjsonString(value));
  }
  if (event.body !== undefined) {
    if (!first) out += ',';
    out += `"Content-Length":"${Buffer.byteLength(event.body, 'utf8')}","_body":` + cjsonString(event.body);
  }
  return out + '}';
}

export function serializeXml(event: SimEvent): string {
  const parts: string[] = ['<event>\n  <headers>\n'];
  for (const [name, value] of event.headers) {
    parts.push(`    <${name}>${xmlText(fsUrlEncode(flatten(value)))}</${name}>\n`);
  }
  parts.push('  </headers>\n');
  const body = event.body;
  if (body !== undefined && body.length > 0) {
    // The capture shows the body's own trailing newline followed by the closing tag's indentation.
    parts.push(`  <Content-Length>${Buffer.byteLength(body, 'utf8')}</Content-Length>\n`);
    parts.push(`  <body>${xmlText(body)}${body.endsWith('\n') ? '  ' : ''}</body>\n`);
  }
  parts.push('</event>\n');
  return parts.join('');
}
