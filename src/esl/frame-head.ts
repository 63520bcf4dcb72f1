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
