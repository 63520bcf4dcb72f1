/** The supervision builders: exact text, what FreeSWITCH (the mirror) reads back, and hostile strings. */
import { dialSofiaUser, dialUser, UnsafeValueError, type DialString } from '../../src/freeswitch';
import {
  MODE_DIGIT,
  eavesdropVars,
  modeOfDigit,
  originateSupervisorLeg,
  supervisionMode,
  uuidRecvDtmf,
} from '../../src/freeswitch/supervision-builders';
import { parseApiArgs, parseOriginate } from '../../src/simulator/fs-parse';

const U = '8f6c0a52-2b0e-4d55-9a3b-2f4f2d1c7e01';
const A = '1e5cd929-7529-4699-9598-e1c75fe629ef';

/** (`undef` is not here: it only means "absent" as a positional originate argument, which none of these are.) */
const HOSTILE: string[] = [
  '1001\r\napi hupall',
  '1001\n\nbgapi system rm -rf /',
  'abc\u0000def',
  'a\u2028b',
  '${system(rm -rf /)}',
  '$${hold_music}',
  '${api(system id)}',
  '1001,sofia/gateway/evil/900',
  '1001|user/1002',
  '{origination_caller_id_number=666}',
  '[leg_timeout=1]user/1002',
  'x}user/666,{y=1',
  "O'Brien",
  '"',
  'a b',
  ' lead',
  'trail ',
  '\\',
  '&bridge(user/2)',
  ')',
  '',
  '-bleg',
  'x'.repeat(65),
  '客服',
  '\ud800',
];

describe('uuid_recv_dtmf', () => {
  test('exact text and what mod_commands reads', () => {
    expect(uuidRecvDtmf(U, '2')).toBe(`uuid_recv_dtmf ${U} 2`);
    expect(uuidRecvDtmf(U, '3', 200)).toBe(`uuid_recv_dtmf ${U} 3@200`);
    expect(parseApiArgs(uuidRecvDtmf(U, '0#*A'))).toEqual({ cmd: 'uuid_recv_dtmf', argv: [U, '0#*A'] });
  });

  test('only DTMF digits and a sane duration', () => {
    for (const bad of ['', '2 3', '2@100', 'w', 'e', '2;', 'x'.repeat(33), '1'.repeat(33)]) expect(() => uuidRecvDtmf(U, bad)).toThrow(UnsafeValueError);
    for (const bad of [0, 39, 10_001, 1.5, NaN]) expect(() => uuidRecvDtmf(U, '2', bad)).toThrow(UnsafeValueError);
  });

  test.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('hostile %s is refused as uuid and as digits', (_l, s) => {
    expect(() => uuidRecvDtmf(s, '2')).toThrow(UnsafeValueError);
    expect(() => uuidRecvDtmf(U, s)).toThrow(UnsafeValueError);
  });
});

describe('eavesdrop modes', () => {
  test('FreeSWITCH DTMF keys and variables per mode (eavesdropping on the agent leg)', () => {
    expect(MODE_DIGIT).toEqual({ listen: '0', whisper: '2', barge: '3' });
    expect(['0', '1', '2', '3', '4', '*'].map(modeOfDigit)).toEqual(['listen', 'customer_only', 'whisper', 'barge', undefined, undefined]);
    // whisper_bleg = ED_MUX_WRITE (the eavesdropped agent hears); whisper_aleg = ED_MUX_READ (the agent's peer hears).
    expect(eavesdropVars('listen')).toEqual({ eavesdrop_enable_dtmf: true, eavesdrop_whisper_aleg: false, eavesdrop_whisper_bleg: false });
    expect(eavesdropVars('whisper')).toEqual({ eavesdrop_enable_dtmf: true, eavesdrop_whisper_aleg: false, eavesdrop_whisper_bleg: true });
    expect(eavesdropVars('barge')).toEqual({ eavesdrop_enable_dtmf: true, eavesdrop_whisper_aleg: true, eavesdrop_whisper_bleg: true });
    for (const bad of ['spy', 'LISTEN', '', 'listen ', 2]) expect(() => supervisionMode(bad)).toThrow(UnsafeValueError);
  });
});

describe('the supervisor leg', () => {
  test('originate <phone> &eavesdrop(<agent leg>) with the mode variables, read back by the mirror', () => {
    const cmd = originateSupervisorLeg({ phone: dialUser('1901'), targetUuid: A, mode: 'whisper', legUuid: U, callerIdNumber: '1001', sessionId: 7 });
    expect(cmd).toBe(
      `originate {origination_uuid=${U},origination_caller_id_number=1001,originate_timeout=30,eavesdrop_enable_dtmf=true,eavesdrop_whisper_aleg=false,eavesdrop_whisper_bleg=true,switchboard_supervision=7}user/1901 &eavesdrop(${A})`,
    );
    const p = parseOriginate(cmd);
    expect(p.app).toEqual({ name: 'eavesdrop', arg: A });
    expect(p.dial!.legs).toEqual([['user/1901']]);
    expect(Object.fromEntries(p.dial!.vars.map((v) => [v[0], v[1]]))).toMatchObject({
      origination_uuid: U,
      eavesdrop_enable_dtmf: 'true',
      eavesdrop_whisper_bleg: 'true',
      eavesdrop_whisper_aleg: 'false',
    });
  });

  test.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('hostile %s in any position is refused', (_l, s) => {
    const base = { phone: dialSofiaUser('internal', '1901', 'example.com'), targetUuid: A, mode: 'listen' as const, legUuid: U };
    expect(() => originateSupervisorLeg({ ...base, phone: s as DialString })).toThrow(UnsafeValueError);
    expect(() => originateSupervisorLeg({ ...base, targetUuid: s })).toThrow(UnsafeValueError);
    expect(() => originateSupervisorLeg({ ...base, legUuid: s })).toThrow(UnsafeValueError);
    expect(() => originateSupervisorLeg({ ...base, mode: s as never })).toThrow(UnsafeValueError);
    expect(() => dialSofiaUser('internal', '1901', s)).toThrow(UnsafeValueError);
    expect(() => dialSofiaUser(s, '1901', 'example.com')).toThrow(UnsafeValueError);
    expect(() => dialSofiaUser('internal', s, 'example.com')).toThrow(UnsafeValueError);
    expect(() => originateSupervisorLeg({ ...base, callerIdNumber: s })).toThrow(UnsafeValueError);
  });
});
