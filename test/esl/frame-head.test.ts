import fc from 'fast-check';
import { FrameParser, parseHeaderBlock, type EslFrame } from '../../src/esl';
import { parseKnownHead } from '../../src/esl/frame-head';

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
    expect(answered).toBeGreaterThan(100); // the byte path was really compared, not only skipped
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
