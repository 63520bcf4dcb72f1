/**
 * The outer header block of an event frame, read straight from the socket bytes.
 *
 * Why: every event FreeSWITCH sends is framed by the same two lines, `Content-Length: <n>` and
 * `Content-Type: text/event-<fmt>`. Decoding that block to a string and splitting it cost about as much per event as
 * finding the frame itself. Here those two lines are matched byte by byte against constants: no string is decoded, the
 * names and the Content-Type value are shared constants, and the length string comes from V8's number-string cache.
 * Anything else (a reply's Reply-Text, a line this does not know, a space or CR where none is expected) returns
 * undefined, and the caller parses the block as text (parseHeaderBlock), so both paths give the same object.
 */

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;

const CONTENT_LENGTH = 'Content-Length';
const CONTENT_TYPE = 'Content-Type';
const LENGTH_PREFIX = Buffer.from(`${CONTENT_LENGTH}:`, 'latin1');
const TYPE_PREFIX = Buffer.from(`${CONTENT_TYPE}:`, 'latin1');
/**
 * The exact bytes FreeSWITCH writes before an event's length and between its length and its type, as plain arrays
 * of small integers: matchEventHead compares them in a loop that V8 keeps to plain loads (a Buffer's `length` and
 * elements cost a getter call each there, which made the comparison the largest part of framing an event).
 */
const LENGTH_LINE: readonly number[] = [...Buffer.from(`${CONTENT_LENGTH}: `, 'latin1')];
const TYPE_LINE: readonly number[] = [...Buffer.from(`\n${CONTENT_TYPE}: `, 'latin1')];

/** The Content-Types FreeSWITCH sends (ESL.md), as strings and as bytes. */
const TYPES: ReadonlyArray<readonly [string, Buffer]> = [
  'text/event-json',
  'text/event-plain',
  'text/event-xml',
  'command/reply',
  'api/response',
  'auth/request',
  'log/data',
  'text/disconnect-notice',
  'text/rude-rejection',
].map((t) => [t, Buffer.from(t, 'latin1')] as const);
const TYPE_TEXTS: readonly string[] = TYPES.map(([t]) => t);
const TYPE_CODES: ReadonlyArray<readonly number[]> = TYPES.map(([, b]) => [...b]);

/** Longest decimal whose String() is exact and whose digits a double holds exactly. */
const MAX_DIGITS = 15;

/** `buf[at..at+word.length)` equals `word`. */
function startsWith(buf: Buffer, at: number, end: number, word: Buffer): boolean {
  if (end - at < word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

/**
 * Headers of the block `buf[start, end)` (`end` = the first LF of its `\n\n`) when it holds only Content-Length
 * (canonical decimal) and Content-Type (a known type) lines, else undefined. Same object as parseHeaderBlock would
 * build from the same bytes, keys in the same order.
 */
export function parseKnownHead(buf: Buffer, start: number, end: number): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  let line = start;
  while (line < end) {
    let eol = line;
    while (eol < end && buf[eol] !== LF) eol++;
    const valueEnd = eol > line && buf[eol - 1] === CR ? eol - 1 : eol;
    if (startsWith(buf, line, valueEnd, LENGTH_PREFIX)) {
      let i = line + LENGTH_PREFIX.length;
      while (i < valueEnd && buf[i] === SP) i++;
      const digits = valueEnd - i;
      // A leading zero ("007") would not survive String(n): that rare value is left to the text parser.
      if (digits === 0 || digits > MAX_DIGITS || (buf[i] === 0x30 && digits > 1)) return undefined;
      let n = 0;
      for (; i < valueEnd; i++) {
        const d = buf[i]! - 0x30;
        if (d < 0 || d > 9) return undefined;
        n = n * 10 + d;
      }
      headers[CONTENT_LENGTH] = String(n);
    } else if (startsWith(buf, line, valueEnd, TYPE_PREFIX)) {
      let i = line + TYPE_PREFIX.length;
      while (i < valueEnd && buf[i] === SP) i++;
      const type = knownType(buf, i, valueEnd);
      if (type === undefined) return undefined;
      headers[CONTENT_TYPE] = type;
    } else {
      return undefined;
    }
    line = eol + 1;
  }
  return headers;
}

function knownType(buf: Buffer, start: number, end: number): string | undefined {
  const len = end - start;
  for (const [text, bytes] of TYPES) if (bytes.length === len && startsWith(buf, start, end, bytes)) return text;
  return undefined;
}

/** What matchEventHead read; the caller owns one and it is overwritten by every match (nothing allocated). */
export interface EventHead {
  /** The Content-Length value (a canonical decimal of at most 15 digits). */
  length: number;
  /** The Content-Type value, one of the shared constant strings. */
  type: string;
}

/**
 * The block FreeSWITCH writes before every event, exactly `Content-Length: <n>\nContent-Type: <type>\n\n`, matched
 * at `buf[at]` in one pass: returns the offset just past its `\n\n` (and fills `out`), or -1 for anything else
 * (another layout, CRs, a reply, a block cut by the chunk's end), which the caller then frames and parses the
 * general way.
 *
 * Why: finding the terminator and then reading the two lines walked the same ~50 bytes twice per event. Every form
 * this accepts is one parseKnownHead accepts too, with the same values, so the result does not depend on the path.
 */
export function matchEventHead(buf: Buffer, at: number, len: number, out: EventHead): number {
  if (!startsWithCodes(buf, at, len, LENGTH_LINE)) return -1;
  const first = at + LENGTH_LINE.length;
  let i = first;
  let n = 0;
  for (; i < len; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  const digits = i - first;
  if (digits === 0 || digits > MAX_DIGITS || (buf[first] === 0x30 && digits > 1)) return -1;
  if (!startsWithCodes(buf, i, len, TYPE_LINE)) return -1;
  i += TYPE_LINE.length;
  for (let t = 0; t < TYPE_CODES.length; t++) {
    const codes = TYPE_CODES[t]!;
    const e = i + codes.length;
    if (e + 2 <= len && buf[e] === LF && buf[e + 1] === LF && startsWithCodes(buf, i, e, codes)) {
      out.length = n;
      out.type = TYPE_TEXTS[t]!;
      return e + 2;
    }
  }
  return -1;
}

/** `buf[at..at+codes.length)` equals `codes` (and lies before `end`). */
function startsWithCodes(buf: Buffer, at: number, end: number, codes: readonly number[]): boolean {
  const n = codes.length;
  if (end - at < n) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== codes[i]) return false;
  return true;
}
