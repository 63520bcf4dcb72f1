/** Exact text of what each builder sends, and that FreeSWITCH (the mirror) reads it back as meant. */
import { UnsafeValueError, api, apps, dialGateway, dialLoopback, dialUser, filePath, isBuiltAppInvocation, originate, silenceStream, toneStream, uuidKill } from '../../src/freeswitch';
import { expansionRuns, parseApiArgs, parseOriginate, parseUuidSetvar, parseUuidSetvarMulti, separate } from '../../src/simulator/fs-parse';

const U = '8f6c0a52-2b0e-4d55-9a3b-2f4f2d1c7e01';
const V = 'a1b2c3d4-0000-4000-8000-123456789abc';

describe('dial strings', () => {
  test('user, gateway, loopback', () => {
    expect(dialUser('1001')).toBe('user/1001');
    expect(dialUser('1001', 'pbx.example.com')).toBe('user/1001@pbx.example.com');
    expect(dialGateway('carrier', '+15551234567')).toBe('sofia/gateway/carrier/+15551234567');
    expect(dialLoopback('9999')).toBe('loopback/9999/default');
    expect(dialLoopback('9999', 'ivr', 'XML')).toBe('loopback/9999/ivr/XML');
  });
});

describe('originate', () => {
  test('the documented shape, variables first, app target', () => {
    const cmd = originate(dialUser('1001'), apps.park(), { campaign_id: 42, recorded: true }, {
      originateUuid: U,
      callerIdNumber: '+15550001111',
      callerIdName: 'Acme Sales',
      timeoutSec: 30,
    });
    expect(cmd).toBe(
      `originate '{origination_uuid=${U},origination_caller_id_number=+15550001111,origination_caller_id_name=Acme Sales,originate_timeout=30,campaign_id=42,recorded=true}user/1001' &park()`,
    );
    const o = parseOriginate(cmd);
    expect(o.argc).toBe(2);
    expect(o.app).toEqual({ name: 'park', arg: '' });
    expect(o.dial?.legs).toEqual([['user/1001']]);
    expect(o.dial?.vars).toEqual([
      ['origination_uuid', U],
      ['origination_caller_id_number', '+15550001111'],
      ['origination_caller_id_name', 'Acme Sales'],
      ['originate_timeout', '30'],
      ['campaign_id', '42'],
      ['recorded', 'true'],
    ]);
  });

  test('commas in a value are written \\, and read back whole', () => {
    const cmd = originate(dialUser('1001'), apps.park(), { note: 'Smith, John' });
    expect(cmd).toBe("originate '{note=Smith\\, John}user/1001' &park()");
    expect(parseOriginate(cmd).dial?.vars).toEqual([['note', 'Smith, John']]);
  });

  test('extension target with dialplan and context', () => {
    const cmd = originate(dialGateway('gw1', '15551234'), { extension: '5000', context: 'sales' });
    expect(cmd).toBe('originate sofia/gateway/gw1/15551234 5000 XML sales');
    const o = parseOriginate(cmd);
    expect([o.exten, o.dialplan, o.context]).toEqual(['5000', 'XML', 'sales']);
  });

  test('plain {app, arg} targets are re-validated (the demo form)', () => {
    const cmd = originate(dialGateway('carrier', '15551234'), { app: 'bridge', arg: 'user/1001' }, { switchboard_demo: 'true' }, { originateUuid: U });
    expect(cmd).toBe(`originate {origination_uuid=${U},switchboard_demo=true}sofia/gateway/carrier/15551234 &bridge(user/1001)`);
    expect(parseOriginate(cmd).app).toEqual({ name: 'bridge', arg: 'user/1001' });
    expect(() => originate(dialUser('1'), { app: 'bridge', arg: 'user/1001,sofia/gateway/evil/900' })).toThrow(UnsafeValueError);
    expect(() => originate(dialUser('1'), { app: 'system', arg: 'rm -rf /' })).toThrow(UnsafeValueError);
    expect(() => originate(dialUser('1'), { app: 'play_and_get_digits', arg: '1 2 3' })).toThrow(UnsafeValueError);
    expect(() => originate(dialUser('1'), { app: 'playback', arg: '/tmp/a.wav)&bridge(user/2' })).toThrow(UnsafeValueError);
  });

  test('option variables cannot be given twice', () => {
    expect(() => originate(dialUser('1'), apps.park(), { origination_uuid: U })).toThrow(/originate options/);
    expect(() => originate(dialUser('1'), apps.park(), { Origination_Caller_Id_Name: 'x' })).toThrow(UnsafeValueError);
  });

  test('hook variables that execute commands are refused by name', () => {
    for (const name of ['execute_on_answer', 'api_on_answer', 'API_HANGUP_HOOK', 'exec_after_bridge_app', 'origination_nested_vars']) {
      expect(() => originate(dialUser('1'), apps.park(), { [name]: 'x' })).toThrow(UnsafeValueError);
      expect(() => api.uuidSetVar(U, name, 'x')).toThrow(UnsafeValueError);
    }
  });
});

describe('uuid commands', () => {
  test('exact text', () => {
    expect(uuidKill(U)).toBe(`uuid_kill ${U}`);
    expect(uuidKill(U, 'USER_BUSY')).toBe(`uuid_kill ${U} USER_BUSY`);
    expect(api.uuidBridge(U, V)).toBe(`uuid_bridge ${U} ${V}`);
    expect(api.uuidTransfer(U, '5000')).toBe(`uuid_transfer ${U} 5000`);
    expect(api.uuidTransfer(U, '5000', { leg: 'bleg', context: 'default' })).toBe(`uuid_transfer ${U} -bleg 5000 XML default`);
    expect(api.uuidTransfer(U, '5000', { leg: 'both', dialplan: 'XML' })).toBe(`uuid_transfer ${U} -both 5000 XML`);
    expect(api.uuidAnswer(U)).toBe(`uuid_answer ${U}`);
    expect(api.uuidHold(U)).toBe(`uuid_hold ${U}`);
    expect(api.uuidHold(U, 'off')).toBe(`uuid_hold off ${U}`);
    expect(api.uuidHold(U, 'toggle')).toBe(`uuid_hold toggle ${U}`);
    expect(api.uuidAudioMute(U, true)).toBe(`uuid_audio ${U} start read mute 1`);
    expect(api.uuidAudioMute(U, false)).toBe(`uuid_audio ${U} start read mute 0`);
    expect(() => api.uuidAudioMute('not-a-uuid stop', true)).toThrow(UnsafeValueError);
    expect(() => api.uuidAudioMute(U, 'yes' as unknown as boolean)).toThrow(UnsafeValueError);
    expect(api.uuidRecord(U, 'start', filePath('/var/rec/a b.wav'), 3600)).toBe(`uuid_record ${U} start '/var/rec/a b.wav' 3600`);
    expect(api.uuidRecord(U, 'stop', 'all')).toBe(`uuid_record ${U} stop all`);
    expect(api.uuidRecord(U, 'mask', filePath('/var/rec/a.wav'))).toBe(`uuid_record ${U} mask /var/rec/a.wav`);
    expect(api.uuidBroadcast(U, filePath('/snd/hold.wav'), 'both')).toBe(`uuid_broadcast ${U} /snd/hold.wav both`);
    expect(api.uuidBroadcast(U, toneStream('%(100,100,350,440)'))).toBe(`uuid_broadcast ${U} tone_stream://%(100,100,350,440) aleg`);
    expect(api.uuidGetVar(U, 'sip_call_id')).toBe(`uuid_getvar ${U} sip_call_id`);
    expect(api.uuidUnsetVar(U, 'x')).toBe(`uuid_setvar ${U} x`);
    expect(api.uuidExists(U)).toBe(`uuid_exists ${U}`);
    expect(api.uuidBreak(U)).toBe(`uuid_break ${U}`);
    expect(api.uuidBreak(U, true)).toBe(`uuid_break ${U} all`);
    expect(api.uuidPark(U)).toBe(`uuid_park ${U}`);
    expect(api.showChannelsJson()).toBe('show channels as json');
    expect(api.showCallsJson()).toBe('show calls as json');
    expect(api.status()).toBe('status');
    expect(api.reloadXml()).toBe('reloadxml');
    expect(api.sofiaStatus()).toBe('sofia status');
    expect(api.sofiaStatusProfileReg('internal')).toBe('sofia status profile internal reg');
  });

  test('record path with a space is one argument to FreeSWITCH', () => {
    expect(parseApiArgs(api.uuidRecord(U, 'start', filePath('/var/rec/a b.wav'), 60)).argv).toEqual([U, 'start', '/var/rec/a b.wav', '60']);
  });

  test('uuid_setvar values with spaces and quotes', () => {
    expect(api.uuidSetVar(U, 'note', 'hello world')).toBe(`uuid_setvar ${U} note 'hello world'`);
    expect(api.uuidSetVar(U, 'note', "O'Brien, Pat")).toBe(`uuid_setvar ${U} note O\\'Brien,\\sPat`);
    expect(api.uuidSetVar(U, 'n', 3)).toBe(`uuid_setvar ${U} n 3`);
    for (const v of ['hello world', "O'Brien, Pat", ' padded ', "'", "''", 'a "q" b', '$5 off', 'x=y;z']) {
      expect(parseUuidSetvar(api.uuidSetVar(U, 'note', v))).toEqual([U, 'note', v]);
    }
  });

  test('uuid_setvar_multi', () => {
    const cmd = api.uuidSetVarMulti(U, { a: 'x;y', b: "it's", c: ' sp ' });
    expect(cmd).toBe(`uuid_setvar_multi ${U} a=x\\;y;b=it\\'s;c=\\ssp\\s`);
    expect(parseUuidSetvarMulti(cmd)).toEqual({
      uuid: U,
      pairs: [
        ['a', 'x;y'],
        ['b', "it's"],
        ['c', ' sp '],
      ],
    });
  });
});

describe('applications', () => {
  test('exact app and argument', () => {
    expect(apps.answer()).toEqual({ app: 'answer', arg: '' });
    expect(apps.park()).toEqual({ app: 'park', arg: '' });
    expect(apps.hangup('NORMAL_CLEARING')).toEqual({ app: 'hangup', arg: 'NORMAL_CLEARING' });
    expect(apps.sleep(500)).toEqual({ app: 'sleep', arg: '500' });
    expect(apps.playback(filePath('/snd/welcome.wav'))).toEqual({ app: 'playback', arg: '/snd/welcome.wav' });
    expect(apps.playback(toneStream('%(2000,4000,440,480);loops=-1'))).toEqual({ app: 'playback', arg: 'tone_stream://%(2000,4000,440,480);loops=-1' });
    expect(apps.bridge(dialUser('1002'), { hangup_after_bridge: true, note: 'a,b' })).toEqual({ app: 'bridge', arg: '{hangup_after_bridge=true,note=a\\,b}user/1002' });
    expect(apps.eavesdrop(U)).toEqual({ app: 'eavesdrop', arg: U });
    expect(apps.recordSession(filePath('/rec/x.wav'), 600)).toEqual({ app: 'record_session', arg: '/rec/x.wav +600' });
    expect(apps.set('agent_name', 'Ann Lee, team 2')).toEqual({ app: 'set', arg: 'agent_name=Ann Lee, team 2' });
    expect(apps.exportVar('x', '')).toEqual({ app: 'export', arg: 'x=' });
    expect(apps.say({ lang: 'en', type: 'number', method: 'pronounced', value: '1234' })).toEqual({ app: 'say', arg: 'en NUMBER pronounced 1234' });
    expect(apps.transfer('5000', undefined, 'default')).toEqual({ app: 'transfer', arg: '5000 XML default' });
    expect(isBuiltAppInvocation(apps.park())).toBe(true);
    expect(isBuiltAppInvocation({ app: 'park', arg: '' })).toBe(false);
  });

  test('play_and_get_digits: argument order and splitting as mod_dptools reads them', () => {
    const inv = apps.playAndGetDigits({
      min: 4,
      max: 4,
      tries: 3,
      timeoutMs: 5000,
      terminators: '#',
      file: filePath('/snd/enter pin.wav'),
      invalidFile: silenceStream(250),
      varName: 'pin',
      regexp: '\\d{4}',
      digitTimeoutMs: 3000,
      transferOnFailure: { extension: '9000', context: 'default' },
    });
    expect(inv.arg).toBe("4 4 3 5000 # '/snd/enter pin.wav' silence_stream://250 pin \\d{4} 3000 9000 XML default");
    expect(expansionRuns(inv.arg)).toBe(false);
    expect(separate(inv.arg, ' ', 11)).toEqual(['4', '4', '3', '5000', '#', '/snd/enter pin.wav', 'silence_stream://250', 'pin', '\\d{4}', '3000', '9000 XML default']);
  });
});
