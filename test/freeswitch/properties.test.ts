/**
 * Property tests: for any string, every builder either refuses it with UnsafeValueError (never another error) or
 * FreeSWITCH reads back exactly that string, and no output ever holds CR, LF, NUL (or any control character).
 * Values drawn from what a call center really sends (names with spaces, commas, quotes, unicode) must be accepted.
 */
import fc from 'fast-check';
import { UnsafeValueError, api, apps, dialUser, originate, type AppInvocation, type FsCommand } from '../../src/freeswitch';
import { parseDialString, parseOriginate, parseUuidSetvar, parseUuidSetvarMulti } from '../../src/simulator/fs-parse';
import { POSITIONS } from './positions';

const SPECIALS = [
  '\r', '\n', '\u0000', '\t', '\u0085', '\u2028', ' ', ',', ';', ':', '_', '|', '{', '}', '[', ']', '<', '>', '(', ')', '^', '^^',
  "'", '"', '\\', '$', '${', '$${', '&', '=', '/', '..', '+', '*', '#', '@', '%', '!', 'undef', 'inline', ':_:', 's', 'n',
];

/** Strings mixing FreeSWITCH metacharacters with arbitrary unicode. */
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...SPECIALS), fc.string({ unit: 'binary', maxLength: 3 }), fc.string({ unit: 'grapheme-ascii', maxLength: 4 })), { maxLength: 12 })
  .map((parts) => parts.join(''));

/** Text a call center legitimately sends in a variable value: must be accepted everywhere a value goes. */
const ordinaryText = fc
  .array(fc.oneof(fc.constantFrom(' ', ',', '.', '-', '&', '(', ')', '#', '@', '!', '?', '%', '/', ':', 'é', 'ß', '中', '😀'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }).filter((s) => /^[A-Za-z0-9]+$/.test(s))), { minLength: 1, maxLength: 10 })
  .map((parts) => parts.join(''))
  .filter((s) => s.trim() === s && s.length > 0);

const varName = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/).filter((n) => !/^(execute_on_|api_|exec_|bridge_pre|session_in|origination_|originate_timeout|hangup_after|transfer_after|park_after|system_on|spawn_)/.test(n));

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function text(out: FsCommand | AppInvocation): string {
  return typeof out === 'string' ? out : out.arg;
}

describe('properties', () => {
  test.each(POSITIONS.map((p) => [p.name, p]))('%s: refused or exact, never a control character', (_name, position) => {
    fc.assert(
      fc.property(hostile, (s) => {
        let out;
        try {
          out = position.build(s);
        } catch (e) {
          if (!(e instanceof UnsafeValueError)) throw e;
          return !CONTROL.test(e.message);
        }
        return !CONTROL.test(text(out)) && !text(out).includes('${') && position.decode(out) === s;
      }),
      { numRuns: 300 },
    );
  });

  test('originate: the {…} block parses back to exactly the given variables, in order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(varName, ordinaryText), { selector: ([k]) => k, minLength: 1, maxLength: 8 }), (entries) => {
        const vars = Object.fromEntries(entries);
        const cmd = originate(dialUser('1001'), apps.park(), vars);
        const parsed = parseOriginate(cmd);
        expect(parsed.argc).toBe(2);
        expect(parsed.dial?.legs).toEqual([['user/1001']]);
        expect(parsed.dial?.vars).toEqual(Object.entries(vars));
        expect(cmd).not.toMatch(CONTROL);
      }),
      { numRuns: 300 },
    );
  });

  test('originate with hostile variables: refused, or exactly the given variables and one leg', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(varName, hostile), hostile, { maxKeys: 5 }), hostile, (vars, cidName) => {
        let cmd: FsCommand;
        try {
          cmd = originate(dialUser('1001'), apps.park(), vars, { callerIdName: cidName });
        } catch (e) {
          if (!(e instanceof UnsafeValueError)) throw e;
          return;
        }
        expect(cmd).not.toMatch(CONTROL);
        const parsed = parseOriginate(cmd);
        expect(parsed.argc).toBe(2);
        expect(parsed.dial?.enterprise).toBe(false);
        expect(parsed.dial?.legs).toEqual([['user/1001']]);
        expect(parsed.dial?.vars).toEqual([['origination_caller_id_name', cidName], ...Object.entries(vars)]);
      }),
      { numRuns: 500 },
    );
  });

  test('ordinary text is accepted and exact in every value position', () => {
    fc.assert(
      fc.property(ordinaryText, (s) => {
        const U = 'abc-123';
        expect(parseOriginate(originate(dialUser('1001'), apps.park(), { v: s })).dial?.vars).toEqual([['v', s]]);
        expect(parseUuidSetvar(api.uuidSetVar(U, 'v', s))[2]).toBe(s);
        expect(parseUuidSetvarMulti(api.uuidSetVarMulti(U, { v: s })).pairs).toEqual([['v', s]]);
        expect(parseDialString(apps.bridge(dialUser('1002'), { v: s }).arg)?.vars).toEqual([['v', s]]);
        expect(apps.set('v', s).arg).toBe(`v=${s}`);
      }),
      { numRuns: 300 },
    );
  });

  test("setvar takes quotes and padding too (O'Brien)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom("'", '"', ' ', ';', ','), ordinaryText), { minLength: 1, maxLength: 6 }).map((a) => a.join('')), (s) => {
        expect(parseUuidSetvar(api.uuidSetVar('abc', 'v', s))).toEqual(['abc', 'v', s]);
        expect(parseUuidSetvarMulti(api.uuidSetVarMulti('abc', { v: s })).pairs).toEqual([['v', s]]);
      }),
      { numRuns: 300 },
    );
  });
});
