/**
 * The FreeSWITCH parser port (src/simulator/fs-parse.ts, used by the simulator) on behaviours documented for
 * FreeSWITCH, so the builder tests and the simulator rest on something checked.
 */
import {
  atoi,
  cleanup,
  createBrackets,
  expansionRuns,
  parseDialString,
  parseLeg,
  parseOriginate,
  recordAppArgs,
  recordSessionArgs,
  separate,
  setAppArgs,
  stripWhitespace,
} from '../../src/simulator/fs-parse';

describe('FreeSWITCH parser mirror', () => {
  test('blank split: quotes group, backslash escapes, cleanup strips', () => {
    expect(separate("a 'b c' d", ' ', 10)).toEqual(['a', 'b c', 'd']);
    expect(separate('a\\sb c', ' ', 10)).toEqual(['a b', 'c']);
    expect(separate("O\\'Brien x", ' ', 10)).toEqual(["O'Brien", 'x']);
    expect(separate('a  b   c', ' ', 2)).toEqual(['a', 'b   c']);
    expect(separate('x\\,y', ' ', 10)).toEqual(['x\\,y']);
  });

  test('char split: `\\,` and quotes protect the delimiter, ^^ changes it', () => {
    expect(separate('a=1,b=x\\,y', ',', 10)).toEqual(['a=1', 'b=x,y']);
    expect(separate("a='x,y',b=2", ',', 10)).toEqual(['a=x,y', 'b=2']);
    expect(separate('^^;a=1,2;b=3', ',', 10)).toEqual(['a=1,2', 'b=3']);
    expect(separate('a=b=c', '=', 2)).toEqual(['a', 'b=c']);
    expect(separate('a=', '=', 2)).toEqual(['a']);
  });

  test('cleanup un-escapes \\n into a real newline (why backslashes are refused)', () => {
    expect(cleanup('x\\ny', '')).toBe('x\ny');
    expect(cleanup('  x  ', ',')).toBe('x');
  });

  test('brackets end at the first unbalanced close, quotes notwithstanding', () => {
    expect(createBrackets("{a='x}',b=2}user/1", '{', '}', ',')?.rest).toBe("',b=2}user/1");
    expect(createBrackets('{a=1,b=2}user/1001', '{', '}', ',')).toEqual({
      pairs: [
        ['a', '1'],
        ['b', '2'],
      ],
      rest: 'user/1001',
    });
  });

  test('dial string legs and originate arguments', () => {
    expect(parseDialString('{a=1}user/1001,sofia/gateway/evil/900')?.legs).toEqual([['user/1001', 'sofia/gateway/evil/900']]);
    expect(parseDialString('user/1001|user/1002')?.legs).toEqual([['user/1001'], ['user/1002']]);
    expect(parseDialString('{a=1}user/1:_:user/2')?.enterprise).toBe(true);
    const o = parseOriginate('originate {x=1}user/1001 &bridge(user/1002)');
    expect(o.app).toEqual({ name: 'bridge', arg: 'user/1002' });
    expect(o.dial?.vars).toEqual([['x', '1']]);
    expect(parseOriginate('originate user/1 &playback(/a)b)').app).toEqual({ name: 'playback', arg: '/a' });
  });

  test('expansion trigger', () => {
    expect(expansionRuns('a ${b}')).toBe(true);
    expect(expansionRuns('a\\sb')).toBe(true);
    expect(expansionRuns('\\d+ x\\,y')).toBe(false);
  });

  test('per-leg [..] blocks: commas inside are protected before the leg split, `\\,` stays a comma', () => {
    const d = parseDialString('{g=1}[a=1,b=x\\,y]user/1001,[c=2]user/1002');
    expect(d?.legs.length).toBe(1);
    expect(d?.legs[0]!.map((l) => parseLeg(l))).toEqual([
      { vars: [['a', '1'], ['b', 'x,y']], endpoint: 'user/1001' },
      { vars: [['c', '2']], endpoint: 'user/1002' },
    ]);
    // The `|` split's cleanup has already removed the quotes, so the quoted comma splits too (`y` has no `=`: dropped).
    expect(parseLeg(parseDialString("[a='x,y',b=2]user/1")!.legs[0]![0]!)).toEqual({ vars: [['a', 'x'], ['b', '2']], endpoint: 'user/1' });
    expect(parseLeg(parseDialString('[^^:a=x,y:b=2]user/1')!.legs[0]![0]!)).toEqual({ vars: [['a', 'x,y'], ['b', '2']], endpoint: 'user/1' });
    expect(parseLeg('[a=1user/1')).toBeNull();
  });

  test('app argument rules: set, record_session, record', () => {
    expect(setAppArgs('a=b=c')).toEqual({ name: 'a', value: 'b=c' });
    expect(setAppArgs('a,b=c')).toEqual({ name: 'a,b', value: 'c' });
    expect(setAppArgs('a,b')).toEqual({ name: 'a', value: 'b' });
    expect(setAppArgs('a=')).toEqual({ name: 'a', value: null });
    expect(recordSessionArgs('/tmp/a b.wav +30')).toEqual({ path: '/tmp/a b.wav', limitSec: 30 });
    expect(recordSessionArgs('/tmp/a+10')).toEqual({ path: '/tmp/a+10', limitSec: 0 });
    expect(recordSessionArgs('/tmp/a +x')).toEqual({ path: '/tmp/a +x', limitSec: 0 });
    expect(recordAppArgs("'/tmp/a b.wav' +20 200 3")).toEqual({ path: '/tmp/a b.wav', limitSec: 20 });
  });

  test('C helpers: atoi, switch_strip_whitespace', () => {
    expect([atoi(' 42abc'), atoi('-7'), atoi('x'), atoi(undefined)]).toEqual([42, -7, 0, 0]);
    expect(stripWhitespace('\v\t a b \r\n')).toBe('a b');
  });
});
