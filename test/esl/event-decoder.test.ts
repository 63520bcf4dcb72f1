import fc from 'fast-check';
import { channelVar, decodeEvent, header, urlDecodeLenient, type EslFrame } from '../../src/esl';

const frame = (type: string, body: string): EslFrame => ({
  headers: { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) },
  body,
});

describe('urlDecodeLenient', () => {
  it('decodes what switch_url_encode produces', () => {
    expect(urlDecodeLenient('Sun,%2022%20Nov%202026%2008%3A18%3A51%20GMT')).toBe('Sun, 22 Nov 2026 08:18:51 GMT');
    expect(urlDecodeLenient('Zo%C3%AB%20%E2%82%AC')).toBe('Zoë €');
    expect(urlDecodeLenient('a+b')).toBe('a+b');
    expect(urlDecodeLenient('%7b%7d')).toBe('{}');
  });

  it('keeps what does not decode, literally, and never throws', () => {
    expect(urlDecodeLenient('100%')).toBe('100%');
    expect(urlDecodeLenient('%ZZ and %4')).toBe('%ZZ and %4');
    expect(urlDecodeLenient('Ren%E9%20Dupont')).toBe('Ren%E9 Dupont');
    expect(urlDecodeLenient('%C3%28')).toBe('%C3(');
    expect(urlDecodeLenient('%ED%A0%80x')).toBe('%ED%A0%80x'); // a UTF-16 surrogate encoded in UTF-8
    expect(urlDecodeLenient('%F0%9F%98%80%FF')).toBe('😀%FF');
    fc.assert(fc.property(fc.string(), (s) => void urlDecodeLenient(s)), { numRuns: 3000 });
    fc.assert(
      fc.property(fc.array(fc.constantFrom('%', 'E9', 'C3', 'A9', '%C3%A9', 'x', '%2', '%%', 'F0'), { maxLength: 30 }), (p) =>
        void urlDecodeLenient(p.join('')),
      ),
      { numRuns: 3000 },
    );
  });

  it('is the inverse of encodeURIComponent for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => urlDecodeLenient(encodeURIComponent(s)) === s));
  });
});

describe('decodeEvent', () => {
  it('json: arrays kept, _body becomes body, other types become strings', () => {
    const e = decodeEvent(
      frame('text/event-json', '{"Event-Name":"CUSTOM","Event-Subclass":"sofia::register","multi":["a","b"],"n":5,"Content-Length":"2","_body":"hi"}'),
    )!;
    expect(e).toEqual({
      name: 'CUSTOM',
      subclass: 'sofia::register',
      format: 'json',
      body: 'hi',
      headers: { 'Event-Name': 'CUSTOM', 'Event-Subclass': 'sofia::register', multi: ['a', 'b'], n: '5', 'Content-Length': '2' },
    });
  });

  it('json: garbage, arrays and nameless objects are not events', () => {
    expect(decodeEvent(frame('text/event-json', '{bad'))).toBeUndefined();
    expect(decodeEvent(frame('text/event-json', '[1,2]'))).toBeUndefined();
    expect(decodeEvent(frame('text/event-json', 'null'))).toBeUndefined();
    expect(decodeEvent(frame('text/event-json', '{"A":"b"}'))).toBeUndefined();
    const proto = decodeEvent(frame('text/event-json', '{"Event-Name":"X","__proto__":{"polluted":1}}'))!;
    expect(proto.name).toBe('X');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('json: header() and headers agree on every value, checked when read, whatever the peer sent', () => {
    const e = decodeEvent(
      frame(
        'text/event-json',
        '{"Event-Name":"CHANNEL_ANSWER","Unique-ID":"u1","n":5,"nil":null,"obj":{"a":1},"list":["a",2,null],' +
          '"ok":["x","y"],"__proto__":"p","_body":7}',
      ),
    )!;
    expect(e.body).toBe('7');
    // typed access: first value of a list, a string for anything else, nothing for absent/inherited/__proto__
    expect(header(e, 'Unique-ID')).toBe('u1');
    expect(header(e, 'n')).toBe('5');
    expect(header(e, 'nil')).toBe('');
    expect(header(e, 'obj')).toBe('{"a":1}');
    expect(header(e, 'list')).toBe('a');
    expect(header(e, 'ok')).toBe('x');
    expect(header(e, 'missing')).toBeUndefined();
    expect(header(e, 'toString')).toBeUndefined();
    expect(header(e, '__proto__')).toBeUndefined();
    expect(header(e, '_body')).toBeUndefined();
    expect(channelVar(e, 'missing')).toBeUndefined();
    // the headers view: the same values, read in any order, keys without __proto__ or _body
    expect(e.headers.list).toEqual(['a', '2', '']);
    expect(Object.keys(e.headers)).toEqual(['Event-Name', 'Unique-ID', 'n', 'nil', 'obj', 'list', 'ok']);
    expect({ ...e.headers }).toEqual({
      'Event-Name': 'CHANNEL_ANSWER',
      'Unique-ID': 'u1',
      n: '5',
      nil: '',
      obj: '{"a":1}',
      list: ['a', '2', ''],
      ok: ['x', 'y'],
    });
    expect(Object.entries(e.headers).every(([, v]) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))).toBe(true);
    expect(JSON.parse(JSON.stringify(e.headers))).toEqual({ ...e.headers });
    expect(header(e, 'n')).toBe('5'); // after the view fixed it: still the same
    // a non-string Event-Name or Event-Subclass is read as a string too, a list of them is not a name
    expect(decodeEvent(frame('text/event-json', '{"Event-Name":7,"Event-Subclass":8}'))).toMatchObject({ name: '7', subclass: '8' });
    expect(decodeEvent(frame('text/event-json', '{"Event-Name":["A","B"]}'))).toBeUndefined();
  });

  it('plain: URL-decoded values, ARRAY:: lists, the inner body cut by bytes', () => {
    const body = 'Zoë\nline2\n';
    const text =
      'Event-Name: BACKGROUND_JOB\nJob-Command-Arg: %7Ba%3D1%7Dloopback/9664%20%26park\nCaller: Ren%E9\n' +
      `Multi: ARRAY%3A%3Aone%7C%3Atwo%20x\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
    const e = decodeEvent(frame('text/event-plain', text))!;
    expect(e.name).toBe('BACKGROUND_JOB');
    expect(e.headers['Job-Command-Arg']).toBe('{a=1}loopback/9664 &park');
    expect(e.headers.Caller).toBe('Ren%E9');
    expect(e.headers.Multi).toEqual(['one', 'two x']);
    expect(e.body).toBe(body);
    const noBody = decodeEvent(frame('text/event-plain', 'Event-Name: HEARTBEAT\nIdle-CPU: 98.2\n\n'))!;
    expect(noBody.body).toBeUndefined();
    expect({ ...noBody.headers }).toEqual({ 'Event-Name': 'HEARTBEAT', 'Idle-CPU': '98.2' });
  });

  it('xml: entities, URL decoding, empty elements, body cut at its Content-Length', () => {
    const text =
      '<event>\n  <headers>\n    <Event-Name>BACKGROUND_JOB</Event-Name>\n    <A>x%20%26amp%3B&amp;y</A>\n    <Empty/>\n' +
      '    <M>ARRAY%3A%3Aa%7C%3Ab</M>\n  </headers>\n  <Content-Length>9</Content-Length>\n  <body>-ERR &lt;x&gt;\n  </body>\n</event>\n';
    const e = decodeEvent(frame('text/event-xml', text))!;
    expect(e.format).toBe('xml');
    expect(e.headers.A).toBe('x &amp;&y');
    expect(e.headers.Empty).toBe('');
    expect(e.headers.M).toEqual(['a', 'b']);
    expect(e.body).toBe('-ERR <x>\n');
    expect(decodeEvent(frame('text/event-xml', '<event>nothing</event>'))).toBeUndefined();
  });

  it('replies and notices are not events', () => {
    expect(decodeEvent({ headers: { 'Content-Type': 'api/response' }, body: 'Event-Name: X\n\n' })).toBeUndefined();
    expect(decodeEvent({ headers: {}, body: '' })).toBeUndefined();
  });
});
