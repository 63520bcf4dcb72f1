import fc from 'fast-check';
import { FrameParser, parseHeaderBlock, type EslFrame } from '../../src/esl';
import { matchEventHead, parseKnownHead, type EventHead } from '../../src/esl/frame-head';

/** What the frame parser builds from a header block: the byte path when it applies, else the text path. */
const viaBytes = (text: string): Record<string, string> | undefined => {
  const buf = Buffer.from(text, 'utf8');
  return parseKnownHead(buf, 0, buf.length);
};

describe('parseKnownHead (outer headers read from bytes)', () => {
  it('reads the two lines of every event frame without the text parser', () => {
    const text = 'Content-Length: 3371\nContent-Type: text/event-json';
    expect(viaBytes(text)).toEqual({ 'Content-Length': '3371', 'Content-Type': 'text/event-json' });
    expect(viaBytes('Content-Type: command/reply\r')).toEqual({ 'Content-Type': 'command/reply' });
    expect(viaBytes('Content-Length:0')).toEqual({ 'Content-Length': '0' });
  });

  it('leaves everything else to the text parser', () => {
    for (const text of [
      'Content-Type: command/reply\nReply-Text: +OK accepted',
      'Content-Length: 007',
      'Content-Length: 12 ',
      'Content-Length: 1234567890123456',
      'Content-Length: ',
      'Content-Type: text/event-jsonx',
      'Content-Type: text/event-json ',
      'content-type: text/event-json',
      'Content-Type',
      '\r',
    ]) {
      expect(viaBytes(text)).toBeUndefined();
    }
  });

  it('whenever it answers, it answers exactly what parseHeaderBlock does, keys in the same order', () => {
    const line = fc
      .tuple(
        // The forms the byte path accepts are repeated so that it answers often enough to be compared.
        fc.constantFrom(
          'Content-Length', 'Content-Length', 'Content-Type', 'Content-Type', 'Reply-Text', 'content-type', 'Content-Length ', '',
        ),
        fc.constantFrom(':', ': ', ': ', ':   ', ' : ', ''),
        fc.constantFrom('0', '7', '12', '3371', '3371', '007', '12 ', '1e3', '', 'text/event-json', 'text/event-json',
          'text/event-plain', 'api/response', 'text/event-', 'é', '+OK: x', '\r'),
        fc.constantFrom('', '', '\r', '\r\r'),
      )
      .map((t) => t.join(''));
    let answered = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 3 }), (lines) => {
        const text = lines.join('\n');
        const fast = viaBytes(text);
        if (fast === undefined) return;
        if (Object.keys(fast).length > 0) answered++;
        const slow = parseHeaderBlock(text);
        expect(fast).toEqual(slow);
        expect(Object.keys(fast)).toEqual(Object.keys(slow));
      }),
      { numRuns: 5000 },
    );
    // The byte path was really compared, not only skipped: ~100-130 of the 5,000 runs answer (one CI run had 90, so
    // a bound of 100 was itself random); 30 is far below any run yet far above none.
    expect(answered).toBeGreaterThan(30);
  });
});

/** matchEventHead on `text` at 0: the headers it read and where it says the block ends, or undefined. */
const viaMatch = (text: string): { headers: Record<string, string>; next: number } | undefined => {
  const buf = Buffer.from(text, 'utf8');
  const out: EventHead = { length: -1, type: '' };
  const next = matchEventHead(buf, 0, buf.length, out);
  if (next < 0) return undefined;
  return { headers: { 'Content-Length': String(out.length), 'Content-Type': out.type }, next };
};

describe('matchEventHead (the event block read in one pass)', () => {
  it('reads the block FreeSWITCH writes before every event, and where it ends', () => {
    const text = 'Content-Length: 3371\nContent-Type: text/event-json\n\n{"Event-Name"';
    expect(viaMatch(text)).toEqual({
      headers: { 'Content-Length': '3371', 'Content-Type': 'text/event-json' },
      next: text.indexOf('{'),
    });
    expect(viaMatch('Content-Length: 0\nContent-Type: text/event-plain\n\n')?.headers['Content-Length']).toBe('0');
    // at an offset inside a chunk, bounded by `len`
    const buf = Buffer.from('xxContent-Length: 5\nContent-Type: api/response\n\nhello');
    const out: EventHead = { length: -1, type: '' };
    expect(matchEventHead(buf, 2, buf.length, out)).toBe(buf.length - 5);
    expect(out).toEqual({ length: 5, type: 'api/response' });
    expect(matchEventHead(buf, 2, buf.length - 6, out)).toBe(-1);
  });

  it('leaves every other layout to the general path', () => {
    for (const text of [
      'Content-Length: 12\nContent-Type: text/event-json\n', // terminator not here yet
      'Content-Length: 12\nContent-Type: text/event-json',
      'Content-Length: 12\r\nContent-Type: text/event-json\r\n\r\n',
      'Content-Type: text/event-json\nContent-Length: 12\n\n',
      'Content-Length:12\nContent-Type: text/event-json\n\n',
      'Content-Length:  12\nContent-Type: text/event-json\n\n',
      'Content-Length: 012\nContent-Type: text/event-json\n\n',
      'Content-Length: \nContent-Type: text/event-json\n\n',
      'Content-Length: 1234567890123456\nContent-Type: text/event-json\n\n',
      'Content-Length: 12 \nContent-Type: text/event-json\n\n',
      'Content-Length: 12\nContent-Type: text/event-jsonx\n\n',
      'Content-Length: 12\nContent-Type: text/event-\n\n',
      'Content-Length: 12\nContent-Type: text/event-json\nX: y\n\n',
      'Content-Length: 12\nReply-Text: +OK\n\n',
      'content-length: 12\nContent-Type: text/event-json\n\n',
    ]) {
      expect(viaMatch(text)).toBeUndefined();
    }
  });

  it('whenever it answers, the general path frames and reads the same block identically', () => {
    // Near misses of the event block (each piece usually right), so that it answers often enough to be compared.
    // The first option is the right one, drawn about half the time.
    const pick = (right: string, ...wrong: string[]) =>
      fc.oneof({ weight: wrong.length, arbitrary: fc.constant(right) }, { weight: wrong.length, arbitrary: fc.constantFrom(...wrong) });
    const block = fc
      .tuple(
        pick('Content-Length: ', 'Content-Length:', 'Content-Type: ', ''),
        pick('3371', '0', '7', '42', '007', '', '1e3', '1234567890123456'),
        pick('\n', '\r\n', ' \n', '\n\n'),
        pick('Content-Type: ', 'Content-Type:', 'Content-Length: ', 'Reply-Text: '),
        pick('text/event-json', 'text/event-plain', 'command/reply', 'text/event-', '+OK: x', '3371'),
        pick('\n\n', '\n', '\r\n\r\n', ' \n\n', '\nX: y\n\n', ''),
        pick('', '{}', 'Content-Length: 1\n\n'),
      )
      .map((t) => t.join(''));
    let answered = 0;
    fc.assert(
      fc.property(block, (text) => {
        const fast = viaMatch(text);
        if (fast === undefined) return;
        answered++;
        const end = text.indexOf('\n\n');
        expect(fast.next).toBe(end + 2);
        const slow = parseKnownHead(Buffer.from(text), 0, end);
        expect(slow).toEqual(fast.headers);
        expect(Object.keys(fast.headers)).toEqual(Object.keys(parseHeaderBlock(text.slice(0, end))));
      }),
      { numRuns: 5000 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it('a FrameParser with a header limit below the event block still reports it', () => {
    const errors: string[] = [];
    const got: EslFrame[] = [];
    const p = new FrameParser((f) => got.push(f), { maxHeaderBytes: 10, onProtocolError: (r) => errors.push(r) });
    p.push(Buffer.from('Content-Length: 2\nContent-Type: text/event-json\n\n{}'));
    expect(errors).toEqual(['header block of 47 bytes exceeds 10']);
  });
});

describe('FrameParser bodies that straddle chunks', () => {
  it('event-sized bodies of every length come out whole, one after another, however the stream is cut', () => {
    const bodies = Array.from({ length: 60 }, (_, i) => `{"n":"${'é€x'.repeat(i * 37)}"}`);
    const stream = Buffer.concat(
      bodies.map((b) => Buffer.from(`Content-Length: ${Buffer.byteLength(b)}\nContent-Type: text/event-json\n\n${b}`)),
    );
    for (const cut of [1, 7, 64, 1000, 4096]) {
      const got: EslFrame[] = [];
      const p = new FrameParser((f) => got.push(f));
      for (let i = 0; i < stream.length; i += cut) p.push(stream.subarray(i, i + cut));
      expect(got.map((f) => f.body)).toEqual(bodies);
      expect(p.buffered).toBe(0);
    }
  });
});
