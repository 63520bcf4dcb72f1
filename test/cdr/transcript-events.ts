/**
 * A minimal reader for the FreeSWITCH byte captures: splits the outer frames and decodes text/event-json and
 * text/event-plain bodies into EslEvents. Only for tests (the real parser lives in src/esl).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EslEvent, HeaderValue } from '../../src/esl/types';

export const TRANSCRIPTS = '/work/shared/freeswitch/transcripts';

function lenientDecode(value: string): string {
  // %XX to bytes, then UTF-8; a stray % stays as it is.
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseHeaderBlock(text: string, decode: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(': ');
    if (at <= 0) continue;
    headers[line.slice(0, at)] = decode ? lenientDecode(line.slice(at + 2)) : line.slice(at + 2);
  }
  return headers;
}

export function readEvents(file: string): EslEvent[] {
  const data = fs.readFileSync(path.join(TRANSCRIPTS, file));
  const events: EslEvent[] = [];
  let i = 0;
  while (i < data.length) {
    const end = data.indexOf('\n\n', i);
    if (end < 0) break;
    const outer = parseHeaderBlock(data.subarray(i, end).toString('utf8'), false);
    const length = Number(outer['Content-Length'] ?? 0);
    const body = data.subarray(end + 2, end + 2 + length).toString('utf8');
    i = end + 2 + length;
    if (outer['Content-Type'] === 'text/event-json') {
      const obj = JSON.parse(body) as Record<string, HeaderValue>;
      const { _body, ...headers } = obj as Record<string, HeaderValue> & { _body?: string };
      events.push({ name: String(headers['Event-Name']), headers, body: _body, format: 'json' });
    } else if (outer['Content-Type'] === 'text/event-plain') {
      const blank = body.indexOf('\n\n');
      const headers = parseHeaderBlock(blank >= 0 ? body.slice(0, blank) : body, true);
      events.push({ name: headers['Event-Name'] ?? '', headers, format: 'plain' });
    }
  }
  return events;
}

export function hangupCompletes(file: string): EslEvent[] {
  return readEvents(file).filter((e) => e.name === 'CHANNEL_HANGUP_COMPLETE');
}
