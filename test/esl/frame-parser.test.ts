import fc from 'fast-check';
import { decodeEvent, FrameParser, type EslFrame } from '../../src/esl';

function run(chunks: Array<Buffer | string>, opts: { maxHeaderBytes?: number; maxBodyBytes?: number } = {}) {
  const frames: EslFrame[] = [];
  const errors: string[] = [];
  const p = new FrameParser((f) => frames.push(f), { ...opts, onProtocolError: (r) => errors.push(r) });
  for (const c of chunks) p.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  return { frames: frames.map((f) => ({ headers: { ...f.headers }, body: f.body })), errors, parser: p };
}

describe('FrameParser', () => {
  it('frames without body, with Content-Length 0, and many in one chunk', () => {
    const { frames } = run([
      'Content-Type: auth/request\n\nContent-Type: api/response\nContent-Length: 0\n\nContent-Type: api/response\nContent-Length: 3\n\nabcContent-Type: command/reply\nReply-Text: +OK Job-UUID: 1: 2\n\n',
    ]);
    expect(frames).toEqual([
      { headers: { 'Content-Type': 'auth/request' }, body: '' },
      { headers: { 'Content-Type': 'api/response', 'Content-Length': '0' }, body: '' },
      { headers: { 'Content-Type': 'api/response', 'Content-Length': '3' }, body: 'abc' },
      { headers: { 'Content-Type': 'command/reply', 'Reply-Text': '+OK Job-UUID: 1: 2' }, body: '' },
    ]);
  });

  it('Content-Length 0 at the very end of a chunk emits at once', () => {
    const { frames } = run(['Content-Type: api/response\nContent-Length: 0\n\n']);
    expect(frames).toHaveLength(1);
  });

  it('counts the body in bytes and survives a multi-byte character split across chunks', () => {
    const body = 'Zoë €uro 𝄞 caller';
    const bytes = Buffer.from(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { frames } = run([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(frames).toEqual([{ headers: { 'Content-Type': 'api/response', 'Content-Length': String(Buffer.byteLength(body)) }, body }]);
    }
  });

  it('the terminator split between chunks in every way', () => {
    const msg = 'Content-Type: command/reply\nReply-Text: +OK\n\nContent-Type: auth/request\n\n';
    for (let a = 1; a < msg.length; a++) {
      for (let b = a + 1; b < msg.length; b += 7) {
        const { frames } = run([msg.slice(0, a), msg.slice(a, b), msg.slice(b)]);
        expect(frames.map((f) => f.headers['Content-Type'])).toEqual(['command/reply', 'auth/request']);
      }
    }
  });

  it('skips blank lines between frames and strips CR', () => {
    const { frames } = run(['\n\r\nContent-Type: command/reply\r\nReply-Text: +OK\r\n\n\n\nContent-Type: auth/request\n\n']);
    expect(frames.map((f) => f.headers)).toEqual([
      { 'Content-Type': 'command/reply', 'Reply-Text': '+OK' },
      { 'Content-Type': 'auth/request' },
    ]);
  });

  it('a bad Content-Length is a protocol error; parsing continues after that header block', () => {
    const { frames, errors } = run(['Content-Type: api/response\nContent-Length: 12abc\n\nContent-Type: auth/request\n\n']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/bad Content-Length/);
    expect(frames.map((f) => f.headers['Content-Type'])).toEqual(['auth/request']);
    expect(run(['Content-Length: -1\n\n']).errors).toHaveLength(1);
    expect(run(['Content-Length: 999\n\n'], { maxBodyBytes: 10 }).errors).toHaveLength(1);
  });

  it('an endless header block is reported once and skipped to its terminator', () => {
    const junk = 'x'.repeat(300);
    const { frames, errors } = run([junk, junk, junk, '\n\nContent-Type: auth/request\n\n'], { maxHeaderBytes: 500 });
    expect(errors).toHaveLength(1);
    expect(frames.map((f) => f.headers['Content-Type'])).toEqual(['auth/request']);
  });

  it('lines without a colon are ignored; a __proto__ header is dropped, never assigned', () => {
    const { frames } = run(['garbage line\n__proto__: polluted\nContent-Type: x\n\n']);
    expect(frames).toEqual([{ headers: { 'Content-Type': 'x' }, body: '' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a large body in many chunks is collected in linear time', () => {
    const body = Buffer.alloc(16 * 1024 * 1024, 0x61);
    const all = Buffer.concat([Buffer.from(`Content-Type: api/response\nContent-Length: ${body.length}\n\n`), body]);
    let got = '';
    const p = new FrameParser((f) => (got = f.body));
    const started = Date.now();
    for (let i = 0; i < all.length; i += 1024) p.push(all.subarray(i, i + 1024));
    expect(got.length).toBe(body.length);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reset() drops a partial frame, also from inside onFrame', () => {
    const seen: string[] = [];
    const p = new FrameParser((f) => {
      seen.push(f.headers['Content-Type']!);
      if (f.headers['Content-Type'] === 'stop') p.reset();
    });
    p.push(Buffer.from('Content-Type: a\n\nContent-Type: stop\n\nContent-Type: lost\n\nContent-Type: half'));
    expect(seen).toEqual(['a', 'stop']);
    p.push(Buffer.from('Content-Type: b\n\n'));
    expect(seen).toEqual(['a', 'stop', 'b']);
    p.push(Buffer.from('Content-Length: 5\n\nab'));
    p.reset();
    p.push(Buffer.from('Content-Type: c\n\n'));
    expect(seen).toEqual(['a', 'stop', 'b', 'c']);
  });

  it('hostile bytes never throw (parser + decoder)', () => {
    const alphabet = fc.constantFrom(
      ...['\n', '\n\n', 'Content-Length: ', '3', '10', 'x', ': ', '%', '%E9', '%ZZ', 'Content-Type: text/event-plain\n',
        'Content-Type: text/event-json\n', 'Content-Type: text/event-xml\n', '{', '}', '"', '<headers>', '</headers>',
        'Event-Name: ', 'ARRAY::', '|:', '\r', '\u0000', 'é', '<body>', '&amp;', '&#99999999;'],
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 8 }), (parts, cuts) => {
        const bytes = Buffer.from(parts.join(''), 'utf8');
        const frames: EslFrame[] = [];
        const p = new FrameParser((f) => frames.push(f), { onProtocolError: () => undefined });
        let off = 0;
        for (const c of cuts) {
          p.push(bytes.subarray(off, off + c));
          off += c;
        }
        p.push(bytes.subarray(off));
        for (const f of frames) decodeEvent(f);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (arr) => {
        const p = new FrameParser((f) => void decodeEvent(f), { onProtocolError: () => undefined });
        p.push(Buffer.from(arr));
      }),
      { numRuns: 1000 },
    );
  });
});
