/**
 * The simulator parses what src/freeswitch builds exactly as FreeSWITCH 1.10 does (src/simulator/fs-parse.ts): the
 * builder's output for hostile values goes over ESL (api, bgapi, sendmsg) and the variables, app data, file paths and
 * recordings the simulator ends up with must equal the values given. Raw lines check the FreeSWITCH quirks themselves.
 */
import { VirtualClock } from '../../src/clock/clock';
import { UnsafeValueError, api, apps, dialUser, filePath, originate, type AppInvocation, type FsCommand } from '../../src/freeswitch';
import { startSimulator, type Simulator } from '../../src/simulator';
import { authed, command, eventHeader, hdr, type Frame, type RawClient } from './helpers';

/** Values a call center really sends, plus FreeSWITCH metacharacters. */
const VALUES = [
  'Smith, John',
  'Acme, Inc.',
  "O'Brien",
  "it's 'quoted'",
  '"double"',
  'a b',
  'a  b   c',
  'a;b;c',
  'x=1;y=2',
  'a=b',
  'x)y',
  '(555) 123-4567',
  'park()&bridge(user/2)',
  'a|b',
  '[leg]',
  '<angle>',
  'caf\u00e9 \u4e2d\u6587 \u{1F600}',
  '50% off',
  '^^;a',
  'undef',
  '#1 & @home!',
  'x'.repeat(300),
];

const UUID_A = '0a0a0a0a-1111-4222-8333-444444444444';
const UUID_B = '0b0b0b0b-1111-4222-8333-444444444444';

let clock: VirtualClock;
let sim: Simulator;
let c: RawClient;

beforeAll(async () => {
  clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  sim = await startSimulator({
    clock,
    seed: 11,
    heartbeatMs: 0,
    // One softphone per use (a softphone with a call answers USER_BUSY).
    softphones: Object.fromEntries(['1001', '1002', '1003', '1004', '1005', '1006', '1007'].map((e) => [e, { answerDelayMs: 100 }])),
  });
  c = await authed(sim);
  await command(c, 'event json CHANNEL_EXECUTE PLAYBACK_START RECORD_START');
});
afterAll(async () => {
  c.close();
  await sim.close();
});

/** `api <cmd>` while virtual time moves on, so that a blocking originate can finish. */
async function apiEsl(cmd: FsCommand | string): Promise<string> {
  const isApi = (f: Frame): boolean => hdr(f, 'Content-Type') === 'api/response';
  const before = c.frames().filter(isApi).length;
  c.write(`api ${cmd}\n\n`);
  for (let i = 0; i < 200 && c.frames().filter(isApi).length <= before; i++) {
    clock.advance(50);
    await c.settle(3, 200);
  }
  const f = c.frames().filter(isApi)[before];
  if (!f) throw new Error(`no api/response to ${cmd}`);
  return f.body;
}

/** `sendmsg <uuid>` execute with the argument as a text/plain body, then lets the app run. */
async function execute(uuid: string, inv: AppInvocation): Promise<void> {
  const body = Buffer.from(inv.arg, 'utf8');
  const reply = await command(
    c,
    `sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: ${inv.app}\ncontent-type: text/plain\ncontent-length: ${body.length}\n\n${inv.arg}`,
  );
  expect(hdr(reply, 'Reply-Text')).toBe('+OK');
  for (let i = 0; i < 10; i++) {
    clock.advance(50);
    await c.settle(3, 200);
  }
}

const getvar = async (uuid: string, name: string): Promise<string> => apiEsl(api.uuidGetVar(uuid, name));

const eventsNamed = (name: string, uuid: string) => c.events().filter((e) => e.name === name && eventHeader(e, 'Unique-ID') === uuid);

/** Builds, or returns undefined when the builder refuses the value (UnsafeValueError only). */
function tryBuild<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UnsafeValueError);
    return undefined;
  }
}

/** A parked outbound leg (originate ... &park()) with a chosen uuid. */
async function parkedLeg(uuid: string, ext = '1001'): Promise<void> {
  if (sim.rawChannel(uuid)?.isUp) return;
  expect(await apiEsl(originate(dialUser(ext), apps.park(), {}, { originateUuid: uuid }))).toBe(`+OK ${uuid}\n`);
}

describe('builder output through the simulator over ESL', () => {
  test('originate {var=value} and caller id name arrive exactly', async () => {
    let accepted = 0;
    for (const [i, v] of VALUES.entries()) {
      const uuid = `1c1c1c1c-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const cmd = tryBuild(() => originate(dialUser('1005'), apps.park(), { note: v }, { originateUuid: uuid, callerIdName: v }));
      if (!cmd) continue;
      accepted++;
      expect(await apiEsl(cmd)).toBe(`+OK ${uuid}\n`);
      expect(await getvar(uuid, 'note')).toBe(v);
      expect(await getvar(uuid, 'origination_caller_id_name')).toBe(v);
      await apiEsl(api.uuidKill(uuid));
    }
    // Commas, spaces, `;`, `)` and unicode must be carried, not refused.
    expect(accepted).toBeGreaterThanOrEqual(14);
  });

  test('originate with the builder\'s comma escape: {note=Smith\\, John}', async () => {
    const u = '1d1d1d1d-0000-4000-8000-000000000001';
    const cmd = originate(dialUser('1005'), apps.park(), { note: 'Smith, John' }, { originateUuid: u });
    expect(cmd).toContain('Smith\\, John');
    expect(await apiEsl(cmd)).toBe(`+OK ${u}\n`);
    expect(await getvar(u, 'note')).toBe('Smith, John');
    await apiEsl(api.uuidKill(u));
  });

  test('uuid_setvar values arrive exactly (quotes, \\s, \\\' decoded as FreeSWITCH does)', async () => {
    await parkedLeg(UUID_A);
    const refused: string[] = [];
    for (const v of VALUES) {
      const cmd = tryBuild(() => api.uuidSetVar(UUID_A, 'sv', v));
      if (!cmd) {
        refused.push(v);
        continue;
      }
      expect(await apiEsl(cmd)).toBe('+OK\n');
      expect(sim.rawChannel(UUID_A)?.vars.get('sv')).toBe(v);
      expect(await getvar(UUID_A, 'sv')).toBe(v);
    }
    expect(refused).toEqual(['^^;a']);
    expect(await apiEsl(api.uuidUnsetVar(UUID_A, 'sv'))).toBe('+OK\n');
    expect(await getvar(UUID_A, 'sv')).toBe('_undef_');
  });

  test('uuid_setvar_multi: values with `;`, `=`, quotes and spaces arrive exactly', async () => {
    await parkedLeg(UUID_A);
    const vars: Record<string, string> = {};
    VALUES.forEach((v, i) => {
      if (tryBuild(() => api.uuidSetVarMulti(UUID_A, { m: v }))) vars[`m${i}`] = v;
    });
    expect(Object.keys(vars).length).toBe(VALUES.length);
    expect(await apiEsl(api.uuidSetVarMulti(UUID_A, vars))).toBe('+OK\n');
    for (const [k, v] of Object.entries(vars)) expect(sim.rawChannel(UUID_A)?.vars.get(k)).toBe(v);
  });

  test('sendmsg set: the value after the first `=` is taken whole; Application-Data is the argument', async () => {
    await parkedLeg(UUID_A);
    let accepted = 0;
    for (const v of VALUES) {
      const inv = tryBuild(() => apps.set('st', v));
      if (!inv) continue;
      accepted++;
      await execute(UUID_A, inv);
      expect(sim.rawChannel(UUID_A)?.vars.get('st')).toBe(v);
      const exec = eventsNamed('CHANNEL_EXECUTE', UUID_A).filter((e) => eventHeader(e, 'Application') === 'set').pop();
      expect(eventHeader(exec!, 'Application-Data')).toBe(`st=${v}`);
    }
    expect(accepted).toBe(VALUES.length);
  });

  test('sendmsg bridge {var=value}: the B leg gets the value exactly', async () => {
    const accepted: string[] = [];
    for (const v of ['Smith, John', 'a b', 'x)y', 'a;b', "caf\u00e9 \u4e2d", "O'Brien", 'a=b']) {
      const inv = tryBuild(() => apps.bridge(dialUser('1004'), { bv: v }));
      if (!inv) continue;
      accepted.push(v);
      const a = `2c2c2c2c-0000-4000-8000-${String(accepted.length).padStart(12, '0')}`;
      await parkedLeg(a, '1003');
      await execute(a, inv);
      for (let i = 0; i < 10 && !sim.rawChannel(a)?.bridgedTo; i++) {
        clock.advance(100);
        await c.settle(3, 200);
      }
      const b = sim.rawChannel(a)?.bridgedTo;
      expect(b).toBeDefined();
      expect(sim.rawChannel(b!)?.vars.get('bv')).toBe(v);
      await apiEsl(api.uuidKill(a));
      await apiEsl(api.uuidKill(b!));
    }
    expect(accepted).toEqual(expect.arrayContaining(['Smith, John', 'a b', 'x)y', 'a;b']));
  });

  test('play_and_get_digits: a quoted path with spaces and a regexp arrive as separate arguments', async () => {
    await parkedLeg(UUID_B, '1002');
    const file = filePath('/var/prompts/enter your pin.wav');
    const inv = apps.playAndGetDigits({
      min: 1,
      max: 4,
      tries: 1,
      timeoutMs: 3000,
      terminators: '#',
      file,
      invalidFile: filePath('/var/prompts/bad input.wav'),
      varName: 'pin',
      regexp: '^\\d{4}$',
    });
    await execute(UUID_B, inv);
    const start = eventsNamed('PLAYBACK_START', UUID_B).pop();
    expect(eventHeader(start!, 'Playback-File-Path')).toBe(file);
    sim.pressDigits(UUID_B, '1234', { intervalMs: 100 });
    for (let i = 0; i < 40 && sim.rawChannel(UUID_B)?.vars.get('pin') === undefined; i++) {
      clock.advance(100);
      await c.settle(3, 200);
    }
    expect(sim.rawChannel(UUID_B)?.vars.get('pin')).toBe('1234');
  });

  test('uuid_record / record_session: paths with spaces are kept whole, limits read off', async () => {
    await parkedLeg(UUID_B, '1002');
    const p1 = filePath('/tmp/rec/call 1.wav');
    expect(await apiEsl(api.uuidRecord(UUID_B, 'start', p1, 30))).toBe('+OK Success\n');
    expect(eventHeader(eventsNamed('RECORD_START', UUID_B).pop()!, 'Record-File-Path')).toBe(p1);
    const p2 = filePath('/tmp/rec/session two.wav');
    await execute(UUID_B, apps.recordSession(p2, 60));
    expect(eventHeader(eventsNamed('RECORD_START', UUID_B).pop()!, 'Record-File-Path')).toBe(p2);
  });
});

describe('FreeSWITCH quirks, raw lines', () => {
  test('api arguments: \\s and \\\' are decoded, " is not a quote, unclosed \' is kept', async () => {
    await parkedLeg(UUID_A);
    expect(await apiEsl(`uuid_setvar ${UUID_A} q O\\'Brien\\sx`)).toBe('+OK\n');
    expect(await getvar(UUID_A, 'q')).toBe("O'Brien x");
    expect(await apiEsl(`uuid_setvar ${UUID_A} q 'a b'`)).toBe('+OK\n');
    expect(await getvar(UUID_A, 'q')).toBe('a b');
    expect(await apiEsl(`uuid_setvar ${UUID_A} q "a b"`)).toBe('+OK\n');
    expect(await getvar(UUID_A, 'q')).toBe('"a b"');
    expect(await apiEsl(`uuid_setvar ${UUID_A} q it's`)).toBe('+OK\n');
    expect(await getvar(UUID_A, 'q')).toBe("it's");
    // The value is the rest of the line: inner runs of spaces stay, trailing ones go.
    expect(await apiEsl(`uuid_setvar ${UUID_A} q a  b   `)).toBe('+OK\n');
    expect(await getvar(UUID_A, 'q')).toBe('a  b');
    // switch_channel_set_variable refuses a value holding `${` (the variable ends up unset).
    expect(await apiEsl(`uuid_setvar ${UUID_A} q \${x}`)).toBe('+OK\n');
    expect(await getvar(UUID_A, 'q')).toBe('_undef_');
  });

  test('uuid_setvar_multi: `\\;` and quotes protect `;`; an item without `=` unsets', async () => {
    await parkedLeg(UUID_A);
    expect(await apiEsl(`uuid_setvar_multi ${UUID_A} m1=a\\;b;m2='c;d';m3=x=y`)).toBe('+OK\n');
    const vars = sim.rawChannel(UUID_A)!.vars;
    expect([vars.get('m1'), vars.get('m2'), vars.get('m3')]).toEqual(['a;b', 'c;d', 'x=y']);
    expect(await apiEsl(`uuid_setvar_multi ${UUID_A} m1;m2=`)).toBe('+OK\n');
    expect([vars.get('m1'), vars.get('m2')]).toEqual([undefined, undefined]);
  });

  test('dial-string blocks: `\\,` protects a comma, spaces inside {} still split the api line', async () => {
    const u = '3d3d3d3d-0000-4000-8000-000000000001';
    expect(await apiEsl(`originate '{origination_uuid=${u},note=Smith\\, John}user/1006' &park()`)).toBe(`+OK ${u}\n`);
    expect(await getvar(u, 'note')).toBe('Smith, John');
    await apiEsl(api.uuidKill(u));
    // Unquoted, `{a=x y}` is cut at the space: the dial string `{a=x` never closes (FreeSWITCH: Parse Error).
    expect(await apiEsl('originate {note=x y}user/1006 &park()')).toMatch(/^-ERR /);
  });

  test('per-leg [vars] and the first `)` ending an &app(arg)', async () => {
    const u = '3c3c3c3c-0000-4000-8000-000000000001';
    // Commas inside [...] separate the leg's variables; `\,` keeps one in a value; `\s` is a space on the api line.
    expect(await apiEsl(`originate [origination_uuid=${u},leg_note=Smith\\,\\sJohn]user/1007 &playback(/tmp/a)b.wav)`)).toBe(`+OK ${u}\n`);
    expect(await getvar(u, 'leg_note')).toBe('Smith, John');
    const exec = eventsNamed('CHANNEL_EXECUTE', u).find((e) => eventHeader(e, 'Application') === 'playback');
    expect(eventHeader(exec!, 'Application-Data')).toBe('/tmp/a');
  });

  test('set splits at the first `=`, or at `,` when there is none; an empty value unsets', async () => {
    await parkedLeg(UUID_A);
    await execute(UUID_A, { app: 'set', arg: 'k1,v=1' } as AppInvocation);
    await execute(UUID_A, { app: 'set', arg: 'k2,v2' } as AppInvocation);
    const vars = sim.rawChannel(UUID_A)!.vars;
    expect([vars.get('k1,v'), vars.get('k2')]).toEqual(['1', 'v2']);
    await execute(UUID_A, { app: 'set', arg: 'k2=' } as AppInvocation);
    expect(vars.get('k2')).toBeUndefined();
  });

  test('multiset sets each space-separated pair as set does, or splits on the character after a leading ^^', async () => {
    await parkedLeg(UUID_A);
    await execute(UUID_A, { app: 'multiset', arg: 'm1=a m2=b=c m3,d' } as AppInvocation);
    const vars = sim.rawChannel(UUID_A)!.vars;
    expect([vars.get('m1'), vars.get('m2'), vars.get('m3')]).toEqual(['a', 'b=c', 'd']);
    await execute(UUID_A, { app: 'multiset', arg: '^^:m4=with space:m1=' } as AppInvocation);
    expect([vars.get('m4'), vars.get('m1')]).toEqual(['with space', undefined]);
  });
});
