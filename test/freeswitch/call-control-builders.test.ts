/** The call-control builders: exact text, what FreeSWITCH (the mirror) reads back, and hostile strings. */
import { UnsafeValueError, apps, dialUser, originate } from '../../src/freeswitch';
import {
  conference,
  conferenceHup,
  conferenceList,
  conferenceName,
  uuidDisplaceStart,
  uuidParkAfterBridge,
  uuidTransferInline,
} from '../../src/freeswitch/call-control-builders';
import { fsctlShutdownRestart, reloadModule, toneStream, type MediaPath } from '../../src/freeswitch';
import { ALLOWED_APPS } from '../../src/freeswitch/command';
import { parseConferenceArg } from '../../src/simulator/conference';
import { parseApiArgs, parseOriginate } from '../../src/simulator/fs-parse';

const U = '8f6c0a52-2b0e-4d55-9a3b-2f4f2d1c7e01';

const HOSTILE: string[] = [
  '1001\r\napi hupall',
  '1001\n\nbgapi system rm -rf /',
  'abc\u0000def',
  'a\u2028b',
  '${system(rm -rf /)}',
  '$${hold_music}',
  '${api(system id)}',
  'room,hangup',
  'room:x',
  'room@evil',
  'room+flags{endconf}',
  'room|x',
  'room}',
  '{room',
  "O'Brien",
  '"q"',
  'a b',
  ' lead',
  'trail ',
  '^^;park',
  '\\',
  'a\\sb',
  '-both',
  '&bridge(user/2)',
  ')',
  '',
  'x'.repeat(65),
  '客服',
  '\ud800',
];

describe('conference app', () => {
  test('name and profile, flags', () => {
    expect(conference('sb3w-1')).toMatchObject({ app: 'conference', arg: 'sb3w-1@default' });
    expect(conference('room.1', { profile: 'wideband', flags: ['mintwo', 'moderator', 'mintwo'] })).toMatchObject({
      arg: 'room.1@wideband+flags{mintwo|moderator}',
    });
    expect(parseConferenceArg(conference('room.1', { profile: 'wideband', flags: ['mintwo', 'endconf'] }).arg)).toEqual({
      name: 'room.1',
      profile: 'wideband',
      flags: ['mintwo', 'endconf'],
    });
    expect(ALLOWED_APPS.has('conference')).toBe(true);
  });

  test('as an originate target', () => {
    const cmd = originate(dialUser('1003'), conference(`sb3w-${U}`, { flags: ['mintwo'] }), {}, { originateUuid: U });
    expect(cmd).toBe(`originate {origination_uuid=${U}}user/1003 &conference(sb3w-${U}@default+flags{mintwo})`);
    expect(parseOriginate(cmd).app).toEqual({ name: 'conference', arg: `sb3w-${U}@default+flags{mintwo}` });
  });

  test('unknown flags and look-alike flags are refused', () => {
    expect(() => conference('r', { flags: ['evil' as never] })).toThrow(UnsafeValueError);
    expect(() => conference('r', { flags: ['mute}|x' as never] })).toThrow(UnsafeValueError);
    expect(() => conference('r', { flags: 'mute' as never })).toThrow(UnsafeValueError);
  });

  test.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('hostile name/profile %s is refused', (_l, s) => {
    expect(() => conference(s)).toThrow(UnsafeValueError);
    expect(() => conference('room', { profile: s })).toThrow(UnsafeValueError);
    expect(() => conferenceList(s)).toThrow(UnsafeValueError);
    expect(() => conferenceName(s)).toThrow(UnsafeValueError);
  });
});

describe('conference api', () => {
  test('list and hup', () => {
    expect(conferenceList('room1')).toBe('conference room1 list');
    expect(conferenceHup('room1', 'all')).toBe('conference room1 hup all');
    expect(conferenceHup('room1', 7)).toBe('conference room1 hup 7');
    expect(parseApiArgs(conferenceHup('room1', 7))).toEqual({ cmd: 'conference', argv: ['room1', 'hup', '7'] });
    for (const bad of [0, -1, 1.5, NaN, '7; hupall' as never, '7\n\nbgapi x' as never]) expect(() => conferenceHup('room1', bad)).toThrow(UnsafeValueError);
  });
});

describe('uuid_transfer into an inline extension', () => {
  test('one app, several apps, -both and -bleg', () => {
    expect(uuidTransferInline(U, [apps.playback('local_stream://moh' as never)])).toBe(`uuid_transfer ${U} playback:local_stream://moh inline`);
    expect(uuidTransferInline(U, [conference('r1', { flags: ['mintwo'] })], 'both')).toBe(`uuid_transfer ${U} -both conference:r1@default+flags{mintwo} inline`);
    expect(uuidTransferInline(U, [apps.answer(), apps.park()], 'bleg')).toBe(`uuid_transfer ${U} -bleg answer,park inline`);
    expect(parseApiArgs(uuidTransferInline(U, [apps.answer(), apps.sleep(500), apps.park()], 'both'))).toEqual({
      cmd: 'uuid_transfer',
      argv: [U, '-both', 'answer,sleep:500,park', 'inline'],
    });
  });

  test('arguments that the inline dialplan would split are refused', () => {
    // A space would split the api argument, a comma the inline extension.
    expect(() => uuidTransferInline(U, [apps.playback('/var/sounds/hold music.wav' as never)])).toThrow(/space/);
    expect(() => uuidTransferInline(U, [apps.set('note', 'Smith, John')])).toThrow(/`,`/);
    expect(() => uuidTransferInline(U, [apps.set('note', "O'Brien")])).toThrow(UnsafeValueError);
    expect(() => uuidTransferInline(U, [])).toThrow(UnsafeValueError);
    expect(() => uuidTransferInline(U, [{ app: 'bridge', arg: 'user/1001' } as never])).toThrow(/app builder/);
    expect(() => uuidTransferInline(U, [apps.park()], 'all' as never)).toThrow(UnsafeValueError);
    expect(() => uuidTransferInline(U, Array.from({ length: 17 }, () => apps.park()))).toThrow(/at most 16/);
  });

  test.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('hostile uuid %s is refused', (_l, s) => {
    expect(() => uuidTransferInline(s, [apps.park()])).toThrow(UnsafeValueError);
    expect(() => uuidParkAfterBridge(s, true)).toThrow(UnsafeValueError);
  });

  test.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('hostile set value %s is refused or carried whole', (_l, s) => {
    let cmd: string;
    try {
      cmd = uuidTransferInline(U, [apps.set('v', s)]);
    } catch (e) {
      expect(e).toBeInstanceOf(UnsafeValueError);
      return;
    }
    const { argv } = parseApiArgs(cmd);
    expect(argv).toEqual([U, `set:v=${s}`, 'inline']);
    // One inline item, split at its first `:` into the app and exactly the value given.
    expect(argv[1]!.split(',')).toHaveLength(1);
    expect(argv[1]!.slice(argv[1]!.indexOf(':') + 1)).toBe(`v=${s}`);
  });
});

describe('park_after_bridge', () => {
  test('on and off', () => {
    expect(uuidParkAfterBridge(U, true)).toBe(`uuid_setvar ${U} park_after_bridge true`);
    expect(uuidParkAfterBridge(U, false)).toBe(`uuid_setvar ${U} park_after_bridge`);
    expect(() => uuidParkAfterBridge(U, 'true' as never)).toThrow(UnsafeValueError);
  });
});

describe('uuid_displace and reload', () => {
  it('uuid_displace start: exact text; hostile uuids, paths, limits refused', () => {
    expect(uuidDisplaceStart(U, toneStream('%(200,0,880)'), 1)).toBe(`uuid_displace ${U} start tone_stream://%(200,0,880) 1 mux`);
    expect(() => uuidDisplaceStart(`${U} stop`, toneStream('%(200,0,880)'), 1)).toThrow(UnsafeValueError);
    for (const hostile of ['/tmp/a b.wav', '/tmp/a.wav\napi system id', '/tmp/../etc/passwd', '/tmp/a.wav 60 mux']) {
      expect(() => uuidDisplaceStart(U, hostile as MediaPath, 1)).toThrow(UnsafeValueError);
    }
    for (const limit of [0, 61, 1.5, Number.NaN]) expect(() => uuidDisplaceStart(U, toneStream('%(200,0,880)'), limit)).toThrow(UnsafeValueError);
  });

  it('fsctl shutdown restart: a fixed command (no input reaches it)', () => {
    expect(fsctlShutdownRestart()).toBe('fsctl shutdown restart');
  });

  it('reload: a module name only', () => {
    expect(reloadModule('mod_event_socket')).toBe('reload mod_event_socket');
    for (const hostile of ['mod_event_socket\napi system id', 'mod_sofia; shutdown', '-f mod_sofia', '../mod_x', 'MOD_X']) {
      expect(() => reloadModule(hostile)).toThrow(UnsafeValueError);
    }
  });
});
