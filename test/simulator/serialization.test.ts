import { CommandReader, type EslCommand } from '../../src/simulator/command-reader';
import { cjsonString, fsUrlEncode } from '../../src/simulator/encoding';
import { SimEvent, type SimHeader } from '../../src/simulator/event';
import { hdr, loadTranscript, parseFrames, parseJsonPairs } from './helpers';

/** Every event of every capture, as (content-type, body). */
function captureEvents(): Array<{ file: string; ct: string; body: string }> {
  const out: Array<{ file: string; ct: string; body: string }> = [];
  for (const name of [
    'call-lifecycle-json',
    'call-lifecycle-plain',
    'call-lifecycle-xml',
    'bridge-json',
    'eavesdrop-json',
    'bgapi-failures-json',
    'filter-and-nixevent',
    'heartbeat-json',
  ]) {
    for (const f of parseFrames(loadTranscript(name).raw)) {
      const ct = hdr(f, 'Content-Type') ?? '';
      if (ct.startsWith('text/event-')) out.push({ file: name, ct, body: f.body });
    }
  }
  return out;
}

/** Decodes FS plain values back to the original strings (the exact inverse of fsUrlEncode). */
function fsUrlDecode(s: string): string {
  return Buffer.from(
    s.replace(/%([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}

describe('event serialisation matches the captured bytes', () => {
  const events = captureEvents();

  it('has events of all three formats to check', () => {
    expect(events.filter((e) => e.ct === 'text/event-json').length).toBeGreaterThan(100);
    expect(events.filter((e) => e.ct === 'text/event-plain').length).toBeGreaterThan(40);
    expect(events.filter((e) => e.ct === 'text/event-xml').length).toBeGreaterThan(4);
  });

  it('json: re-serialising each captured event gives the identical bytes (order, duplicates, _body, no newline)', () => {
    for (const e of events.filter((x) => x.ct === 'text/event-json')) {
      const pairs = parseJsonPairs(e.body);
      const body = pairs.find(([k]) => k === '_body')?.[1] as string | undefined;
      const headers = pairs.filter(([k]) => k !== '_body' && !(body !== undefined && k === 'Content-Length')) as SimHeader[];
      const ev = new SimEvent(String(pairs[0]![1]), headers, body);
      expect(ev.render('json')).toBe(e.body);
      expect(ev.frame('json')).toBe(`Content-Length: ${Buffer.byteLength(e.body)}\nContent-Type: text/event-json\n\n${e.body}`);
    }
  });

  it('plain: url-encoding, inner Content-Length and the trailing blank line are byte-exact', () => {
    for (const e of events.filter((x) => x.ct === 'text/event-plain')) {
      const sep = e.body.indexOf('\n\n');
      const head = e.body.slice(0, sep);
      const rest = e.body.slice(sep + 2);
      const headers: SimHeader[] = head.split('\n').map((l) => {
        const c = l.indexOf(': ');
        return [l.slice(0, c), fsUrlDecode(l.slice(c + 2))];
      });
      let body: string | undefined;
      if (rest.length) {
        // An event with a body: the last header is the inner Content-Length FS adds itself.
        const cl = headers.pop()!;
        expect(cl[0]).toBe('Content-Length');
        body = rest;
      }
      const ev = new SimEvent(String(headers[0]![1]), headers, body);
      expect(ev.render('plain')).toBe(e.body);
    }
  });

  it('xml: headers url-encoded, body with Content-Length element', () => {
    for (const e of events.filter((x) => x.ct === 'text/event-xml')) {
      const hs = /<headers>\n([\s\S]*)  <\/headers>/.exec(e.body)![1]!;
      const headers: SimHeader[] = [...hs.matchAll(/    <([^>]+)>([^<]*)<\/\1>\n/g)].map((m) => [m[1]!, fsUrlDecode(m[2]!)]);
      const bodyMatch = /<body>([\s\S]*?)(?: {2})?<\/body>/.exec(e.body);
      const ev = new SimEvent(String(headers[0]![1]), headers, bodyMatch?.[1]);
      expect(ev.render('xml')).toBe(e.body);
    }
  });
});

describe('FreeSWITCH url encoding and cJSON strings', () => {
  it('encodes the unsafe set and non-ASCII bytes as uppercase %XX, leaves / , \' alone', () => {
    expect(fsUrlEncode('a b:c')).toBe('a%20b%3Ac');
    expect(fsUrlEncode('{x=1,y=2}loopback/9664 &park')).toBe('%7Bx%3D1,y%3D2%7Dloopback/9664%20%26park');
    expect(fsUrlEncode('"Outbound Call" <9664>')).toBe('%22Outbound%20Call%22%20%3C9664%3E');
    expect(fsUrlEncode('line\r\nnext#%&+;?@[\\]^`|')).toBe('line%0D%0Anext%23%25%26%2B%3B%3F%40%5B%5C%5D%5E%60%7C');
    expect(fsUrlEncode('é')).toBe('%C3%A9');
    expect(fsUrlEncode("it's/a,b")).toBe("it's/a,b");
  });

  it('does not double-encode %XX with uppercase hex, but does with lowercase', () => {
    expect(fsUrlEncode('100%25 and %E9')).toBe('100%25%20and%20%E9');
    expect(fsUrlEncode('%e9')).toBe('%25e9');
    expect(fsUrlEncode('50%')).toBe('50%25');
  });

  it('writes json strings like cJSON (control chars escaped, / and UTF-8 raw)', () => {
    expect(cjsonString('a"b\\c/d')).toBe('"a\\"b\\\\c/d"');
    expect(cjsonString('v=0\r\no=x\t\u0001')).toBe('"v=0\\r\\no=x\\t\\u0001"');
    expect(cjsonString('é\u2028')).toBe('"é\u2028"');
  });
});

describe('CommandReader (read_packet semantics)', () => {
  const read = (chunks: Array<string | Buffer>): EslCommand[] => {
    const got: EslCommand[] = [];
    const r = new CommandReader((c) => got.push(c));
    for (const c of chunks) r.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    return got;
  };

  it('ends a command at \\n\\n, ignores \\r, skips leading blank lines', () => {
    const cmds = read(['\n\r\n', 'api status\r\n\r\n', '\n\nexit\n\n']);
    expect(cmds.map((c) => c.command)).toEqual(['api status', 'exit']);
  });

  it('survives any chunking, byte by byte', () => {
    const text = 'bgapi originate user/1000 &park\nJob-UUID: abc\n\nsendmsg x\ncall-command: execute\ncontent-length: 5\n\nhello';
    const bytes = Buffer.from(text);
    const cmds = read([...bytes].map((b) => Buffer.from([b])));
    expect(cmds).toHaveLength(2);
    expect(cmds[0]).toEqual({ command: 'bgapi originate user/1000 &park', headers: [['Job-UUID', 'abc']] });
    expect(cmds[1]!.body).toBe('hello');
    expect(cmds[1]!.headers).toEqual([
      ['call-command', 'execute'],
      ['content-length', '5'],
    ]);
  });

  it('reads exactly Content-Length body bytes (UTF-8 safe) even when the body contains blank lines', () => {
    const body = 'a\n\nb é';
    const msg = `sendmsg u\ncontent-type: text/plain\ncontent-length: ${Buffer.byteLength(body)}\n\n${body}api status\n\n`;
    const cmds = read([msg.slice(0, 40), msg.slice(40)]);
    expect(cmds.map((c) => c.command)).toEqual(['sendmsg u', 'api status']);
    expect(cmds[0]!.body).toBe(body);
  });

  it('keeps a value containing ": " whole and trims only leading spaces', () => {
    const [c] = read(['sendmsg u\nexecute-app-arg:   a: b \n\n']);
    expect(c!.headers).toEqual([['execute-app-arg', 'a: b ']]);
  });
});
