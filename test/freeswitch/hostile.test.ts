/**
 * Hostile strings against every position of every builder: each is refused with UnsafeValueError, or FreeSWITCH
 * (the mirror) reads back exactly the string given, with the command's structure unchanged.
 */
import { UnsafeValueError, api, apps, dialUser, originate } from '../../src/freeswitch';
import { parseOriginate } from '../../src/simulator/fs-parse';
import { POSITIONS } from './positions';

const HOSTILE: string[] = [
  '1001\r\napi hupall',
  '1001\n\nbgapi system rm -rf /',
  '\n\nbgapi',
  'abc\r',
  'abc\u0000def',
  '\u0000',
  'a\tb',
  'a\u0085b',
  'a\u2028b',
  '1001,sofia/gateway/evil/900',
  '1001|user/1002',
  '{origination_caller_id_number=666}',
  '[leg_timeout=1]user/1002',
  '<x=1>',
  "'",
  "''",
  '"',
  "O'Brien",
  'x}user/666,{y=1',
  '${system(rm -rf /)}',
  '$${hold_music}',
  '${api(system id)}',
  '\\${x}',
  '&bridge(sofia/gateway/evil/900)',
  'park()&bridge(user/2)',
  ')',
  'a b',
  ' leading',
  'trailing ',
  '   ',
  'a\\nb',
  'a\\sb',
  '\\',
  '\\\\',
  '^^;a=1',
  'x:_:user/666',
  'x origination_nested_vars=true',
  '-bleg',
  'undef',
  'UNDEF',
  'inline',
  'system::rm -rf /',
  '/tmp/../etc/passwd',
  '../../etc/passwd',
  '/tmp/a+10',
  '/tmp//a',
  '1001@evil.com;transport=tcp',
  'NORMAL_CLEARING USER_BUSY',
  'normal_clearing',
  '16',
  'héllo wörld',
  '客服中心',
  '😀 emoji',
  '\ud800',
  'Ω≈ç√',
  'x'.repeat(70),
  'x'.repeat(5000),
  '1'.repeat(33),
  '',
  'a=b',
  'a;b',
  'a,b',
  '%00%0d%0a',
  '#',
  '+',
  '+15551234567',
  '*72',
  '1001',
  '8f6c0a52-2b0e-4d55-9a3b-2f4f2d1c7e01',
  '/var/rec/call 1.wav',
  'Smith, John',
  '\\d{4}',
  '^[0-9]{4}$',
  'USER_BUSY',
  'gw1',
  'example.com',
  'v',
  'internal',
];

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe.each(POSITIONS)('$name', (position) => {
  test.each(HOSTILE.map((s) => [JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s), s]))('%s', (_label, s) => {
    let out;
    try {
      out = position.build(s);
    } catch (e) {
      expect(e).toBeInstanceOf(UnsafeValueError);
      expect((e as UnsafeValueError).message).not.toMatch(CONTROL);
      return;
    }
    const text = typeof out === 'string' ? out : out.arg;
    expect(text).not.toMatch(CONTROL);
    expect(text).not.toContain('${');
    expect(position.decode(out)).toBe(s);
  });
});

describe('specific refusals', () => {
  test.each([
    ['CRLF in a var value', () => originate(dialUser('1001'), apps.park(), { v: '1\r\napi hupall' }), /control character CR/],
    ['LF in a uuid', () => api.uuidKill('abc\n\nbgapi x'), /control character LF/],
    ['NUL in a setvar value', () => api.uuidSetVar('abc', 'v', 'a\u0000b'), /control character NUL/],
    ['parallel leg in an extension', () => dialUser('1001,sofia/gateway/evil/900'), /extension/],
    ['variable block in a number', () => originate(dialUser('1'), apps.park(), {}, { callerIdNumber: '{origination_caller_id_number=666}' }), /callerIdNumber/],
    ['expansion in a value', () => api.uuidSetVar('abc', 'v', '${system(id)}'), /expanded/],
    ['closing brace in a dial-string value', () => originate(dialUser('1'), apps.park(), { v: 'x}' }), /`}`/],
    ['unknown cause', () => api.uuidKill('abc', 'EVIL' as never), /hangup cause/],
    ['app not allowed', () => originate(dialUser('1'), { app: 'system', arg: 'id' }), /builder/],
    ['broadcast of app::arg', () => api.uuidBroadcast('abc', 'system::id' as never), /path/],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrow(UnsafeValueError);
    expect(fn).toThrow(message);
  });

  test('the error names the field', () => {
    try {
      originate(dialUser('1'), apps.park(), { campaign: 'x\ny' });
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(UnsafeValueError);
      expect((e as UnsafeValueError).field).toBe('vars.campaign');
      expect((e as UnsafeValueError).reason).toMatch(/LF/);
      expect((e as UnsafeValueError).message).toContain('"x\\ny"');
    }
  });

  test('an escaped caller id name with a comma and space round-trips through both layers', () => {
    const cmd = originate(dialUser('1001'), apps.park(), {}, { callerIdName: 'Acme, Inc' });
    expect(cmd).toBe("originate '{origination_caller_id_name=Acme\\, Inc}user/1001' &park()");
    expect(parseOriginate(cmd).dial?.vars).toEqual([['origination_caller_id_name', 'Acme, Inc']]);
  });
});
