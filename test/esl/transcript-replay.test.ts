import fc from 'fast-check';
import { decodeEvent } from '../../src/esl';
import {
  decodeAll,
  loadTranscripts,
  oracleEvent,
  oracleFrames,
  parseChunks,
  plainFrames,
  splitAt,
  type Transcript,
} from './transcripts';

/**
 * Every byte capture of a real FreeSWITCH 1.10.12 through FrameParser + decodeEvent, in every chunking we can think
 * of: whatever TCP does, the frames and events must be the same as an independent one-shot reading of the bytes.
 */
const transcripts = loadTranscripts();

function terminators(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n', i + 1)) out.push(i);
  return out;
}

test('all ten captures are present', () => {
  expect(transcripts.map((t) => t.name)).toEqual([
    'api-basics',
    'auth-rejected',
    'bgapi-failures-json',
    'bridge-json',
    'call-lifecycle-json',
    'call-lifecycle-plain',
    'call-lifecycle-xml',
    'eavesdrop-json',
    'filter-and-nixevent',
    'heartbeat-json',
  ]);
});

describe.each(transcripts.map((t) => [t.name, t] as [string, Transcript]))('%s', (_name, t) => {
  const expected = oracleFrames(t.raw);
  const expectFrames = (chunks: Buffer[]): void => {
    const { frames, errors, buffered } = parseChunks(chunks);
    expect(errors).toEqual([]);
    expect(buffered).toBe(0);
    expect(plainFrames(frames)).toEqual(expected);
  };

  it('the .jsonl reads are exactly the .in.raw bytes', () => {
    expect(Buffer.concat(t.reads).equals(t.raw)).toBe(true);
  });

  it('one chunk: the same frames as the oracle, one reply per command sent', () => {
    expectFrames([t.raw]);
    const replies = expected.filter((f) => ['command/reply', 'api/response'].includes(f.headers['Content-Type']!));
    expect(replies).toHaveLength(t.sent.length);
    expect(expected.at(-1)!.headers['Content-Type']).toBe('text/disconnect-notice');
  });

  it('in the TCP reads as captured', () => expectFrames(t.reads));

  it('byte by byte', () => {
    const bytes: Buffer[] = [];
    for (let i = 0; i < t.raw.length; i++) bytes.push(t.raw.subarray(i, i + 1));
    expectFrames(bytes);
  });

  it('split at every offset around every `\\n\\n` (all at once, per offset)', () => {
    const ends = terminators(t.raw);
    for (const delta of [-1, 0, 1, 2, 3]) expectFrames(splitAt(t.raw, ends.map((e) => e + delta)));
  });

  it('split into two chunks around each `\\n\\n` separately', () => {
    const ends = terminators(t.raw).slice(0, 60);
    for (const e of ends) for (const delta of [0, 1, 2]) expectFrames(splitAt(t.raw, [e + delta]));
  });

  it('random chunkings (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: t.raw.length - 1 }), { maxLength: 40 }), (points) => {
        expectFrames(splitAt(t.raw, points));
      }),
      { numRuns: 40 },
    );
  });

  it('every event decodes as the oracle reads it', () => {
    const events = decodeAll(parseChunks([t.raw]).frames);
    const oracle = expected.map(oracleEvent).filter((e) => e !== undefined);
    expect(events).toHaveLength(oracle.length);
    events.forEach((e, i) => {
      const o = oracle[i]!;
      expect(e.name).toBe(o.name);
      expect({ ...e.headers }).toEqual(o.headers);
      expect(e.body).toBe(o.body);
    });
  });
});

test('BACKGROUND_JOB carries the same job in json, plain and xml', () => {
  const job = (name: string) => {
    const t = transcripts.find((x) => x.name === name)!;
    return decodeAll(parseChunks([t.raw]).frames).find((e) => e.name === 'BACKGROUND_JOB')!;
  };
  for (const [name, format] of [
    ['call-lifecycle-json', 'json'],
    ['call-lifecycle-plain', 'plain'],
    ['call-lifecycle-xml', 'xml'],
  ] as const) {
    const e = job(name);
    expect(e.format).toBe(format);
    expect(e.body).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
    expect(e.headers['Job-Command']).toBe('originate');
    expect(e.headers['Job-Command-Arg']).toMatch(/^\{origination_uuid=[0-9a-f-]{36},origination_caller_id_number=15551230001\}loopback\/9664 &park$/);
    expect(e.headers['Content-Length']).toBe(String(Buffer.byteLength(e.body!)));
  }
});

test('plain and json captures of the same scenario decode to the same events (order differs across FS threads)', () => {
  const names = (n: string) =>
    decodeAll(parseChunks([transcripts.find((x) => x.name === n)!.raw]).frames)
      .map((e) => `${e.name} ${Object.keys(e.headers).length > 20}`)
      .sort();
  expect(names('call-lifecycle-plain')).toEqual(names('call-lifecycle-json'));
});

test('api-basics: replies and api bodies as FreeSWITCH sent them', () => {
  const t = transcripts.find((x) => x.name === 'api-basics')!;
  const frames = parseChunks([t.raw]).frames;
  expect(frames.map((f) => decodeEvent(f))).toEqual(frames.map(() => undefined));
  const bodies = frames.filter((f) => f.headers['Content-Type'] === 'api/response').map((f) => f.body);
  expect(bodies.some((b) => b.startsWith('-ERR') && b.includes('Command not found'))).toBe(true);
  expect(frames.find((f) => f.headers['Reply-Text']?.startsWith('-ERR command not found'))).toBeDefined();
});
