import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../src/clock/clock';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import type { SimEvent } from '../../src/simulator/event';

/** Model tests drive the simulator in virtual time and read its events from the bus tap (no sockets needed). */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

interface Harness {
  sim: Simulator;
  clock: VirtualClock;
  events: SimEvent[];
  api(cmd: string, args?: string): Promise<string>;
  of(uuid: string, name?: string): SimEvent[];
  last(uuid: string, name: string): SimEvent | undefined;
}

const harnesses: Simulator[] = [];
afterAll(async () => {
  for (const s of harnesses) await s.close();
});

async function harness(opts: SimulatorOptions = {}): Promise<Harness> {
  const clock = new VirtualClock(T0);
  const sim = await startSimulator({ clock, seed: 42, heartbeatMs: 0, ...opts });
  harnesses.push(sim);
  const events: SimEvent[] = [];
  sim.bus.setTap((e) => events.push(e));
  return {
    sim,
    clock,
    events,
    api: (cmd, args = '') => sim.apiAsync(cmd, args),
    of: (uuid, name) => events.filter((e) => e.get('Unique-ID') === uuid && (!name || e.name === name)),
    last: (uuid, name) => [...events].reverse().find((e) => e.get('Unique-ID') === uuid && e.name === name),
  };
}

/** Runs an api that may wait (originate), advancing virtual time until it answers. */
async function apiWait(h: Harness, cmd: string, args: string, stepMs = 100, maxMs = 120_000): Promise<string> {
  let out: string | undefined;
  h.sim.api(cmd, args, (o) => (out = o));
  for (let t = 0; out === undefined && t < maxMs; t += stepMs) h.clock.advance(stepMs);
  if (out === undefined) throw new Error(`${cmd} did not finish`);
  return out;
}

describe('inbound calls and the dialplan', () => {
  it('parks an inbound call with the DID and caller id on the channel, unanswered', async () => {
    const h = await harness();
    const uuid = h.sim.injectInboundCall({ from: '+15551234567', fromName: 'Alice Smith', to: '+18005550100' });
    const names = h.of(uuid).map((e) => e.name).filter((n) => n !== 'CHANNEL_STATE' && n !== 'CHANNEL_CALLSTATE');
    expect(names).toEqual([
      'CHANNEL_CREATE',
      // multiset (the three variables), then park.
      'CHANNEL_EXECUTE',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_EXECUTE',
      'CHANNEL_PARK',
    ]);
    expect(h.of(uuid).filter((e) => e.name === 'CHANNEL_EXECUTE').map((e) => e.get('Application'))).toEqual(['multiset', 'park']);
    const park = h.last(uuid, 'CHANNEL_PARK')!;
    expect(park.get('variable_switchboard_did')).toBe('18005550100');
    expect(park.get('variable_switchboard_inbound')).toBe('true');
    expect(park.get('variable_hangup_after_bridge')).toBe('true');
    expect(park.get('Caller-Caller-ID-Number')).toBe('+15551234567');
    expect(park.get('Caller-Caller-ID-Name')).toBe('Alice Smith');
    expect(park.get('Caller-Destination-Number')).toBe('+18005550100');
    expect(park.get('Caller-Context')).toBe('public');
    expect(park.get('Channel-Call-State')).toBe('RINGING');
    expect(park.get('Answer-State')).toBe('ringing');
    expect(park.get('Channel-Name')).toBe('sofia/external/+15551234567@203.0.113.10');
    // Realistic event size (FS channel events average ~3.5 KB).
    expect(park.render('json').length).toBeGreaterThan(3000);
    expect(h.sim.channel(uuid)?.application).toBe('park');
  });

  it('per-DID routes: playback then hangup, echo, reject', async () => {
    const h = await harness({ fileDurations: { 'closed.wav': 1500 } });
    h.sim.setDidRoute('18005550111', { action: 'playback', file: '/sounds/closed.wav' });
    h.sim.setDidRoute('18005550122', { action: 'echo' });
    h.sim.setDidRoute('18005550133', { action: 'hangup', cause: 'CALL_REJECTED' });
    const a = h.sim.injectInboundCall({ from: '1', to: '18005550111' });
    const b = h.sim.injectInboundCall({ from: '2', to: '18005550122' });
    const c = h.sim.injectInboundCall({ from: '3', to: '18005550133' });
    expect(h.last(c, 'CHANNEL_HANGUP_COMPLETE')?.get('Hangup-Cause')).toBe('CALL_REJECTED');
    h.clock.advance(1500);
    expect(h.of(a).map((e) => e.name)).toEqual(expect.arrayContaining(['CHANNEL_ANSWER', 'PLAYBACK_START', 'PLAYBACK_STOP', 'CHANNEL_HANGUP_COMPLETE']));
    expect(h.last(a, 'PLAYBACK_STOP')?.get('Playback-File-Path')).toBe('/sounds/closed.wav');
    expect(h.sim.channel(b)?.application).toBe('echo');
    expect(h.sim.audioRoutes()).toContainEqual({ listener: b, source: b, kind: 'echo' });
  });

  it('uuid_transfer of a bridged caller to a DID re-runs the dialplan and parks it again', async () => {
    const h = await harness({ softphones: { '1001': { answerDelayMs: 500 } } });
    const caller = h.sim.injectInboundCall({ from: '15550001', to: '18005550100' });
    const out = await apiWait(h, 'originate', '{origination_uuid=11111111-2222-4333-8444-555555555555}user/1001 &park');
    const agent = out.trim().split(' ')[1]!;
    expect(await h.api('uuid_bridge', `${caller} ${agent}`)).toBe(`+OK ${agent}\n`);
    expect(h.sim.channel(caller)?.bridgedTo).toBe(agent);
    expect(await h.api('uuid_transfer', `${caller} 18005550200 XML public`)).toBe('+OK\n');
    const park = h.last(caller, 'CHANNEL_PARK')!;
    expect(park.get('Caller-Destination-Number')).toBe('18005550200');
    expect(park.get('Caller-Profile-Index')).toBe('3');
    expect(park.get('variable_switchboard_did')).toBe('18005550200');
    expect(h.of(caller, 'CHANNEL_UNBRIDGE')).toHaveLength(1);
    // The agent leg had nothing left to run after the bridge: it hangs up.
    expect(h.last(agent, 'CHANNEL_HANGUP_COMPLETE')?.get('Hangup-Cause')).toBe('NORMAL_CLEARING');
    expect(h.sim.channel(caller)?.bridgedTo).toBeUndefined();
  });
});

describe('originate to softphones', () => {
  it('answers after the configured delay; CDR variables follow the clock', async () => {
    const h = await harness({ softphones: { '1000': { answerDelayMs: 1500 } } });
    const out = await apiWait(h, 'originate', '{origination_caller_id_number=18005550100}user/1000 &park', 10);
    expect(out).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
    const uuid = out.slice(4, 40);
    expect(h.of(uuid).map((e) => e.name).filter((n) => !n.startsWith('CHANNEL_STATE') && n !== 'CHANNEL_CALLSTATE')).toEqual([
      'CHANNEL_CREATE',
      'CHANNEL_PROGRESS',
      'CHANNEL_ANSWER',
      'CHANNEL_EXECUTE',
      'CHANNEL_PARK',
    ]);
    const created = h.last(uuid, 'CHANNEL_CREATE')!;
    expect(created.get('Channel-Name')).toMatch(/^sofia\/internal\/1000@/);
    expect(created.get('variable_dialed_user')).toBe('1000');
    // Talk for exactly 10 s after the answer, then the agent hangs up.
    const answeredAt = Number(h.last(uuid, 'CHANNEL_ANSWER')!.get('Caller-Channel-Answered-Time'));
    h.clock.advance(answeredAt / 1000 + 10_000 - h.clock.now());
    expect(h.sim.softphoneHangup('1000')).toBe(1);
    const cdr = h.last(uuid, 'CHANNEL_HANGUP_COMPLETE')!;
    expect(cdr.get('Hangup-Cause')).toBe('NORMAL_CLEARING');
    expect(cdr.get('variable_hangup_cause_q850')).toBe('16');
    expect(cdr.get('variable_billusec')).toBe('10000000');
    expect(cdr.get('variable_answerusec')).toBe('1500000');
    expect(cdr.get('variable_uduration')).toBe('11500000');
    expect(cdr.get('variable_billsec')).toBe('10');
    expect(cdr.get('variable_duration')).toBe('11');
    expect(cdr.get('variable_answersec')).toBe('1');
    expect(cdr.get('variable_progressmsec')).toBe('60');
    expect(cdr.get('variable_start_epoch')).toBe(String(T0 / 1000));
    expect(cdr.get('variable_end_epoch')).toBe(String(T0 / 1000 + 11));
    expect(cdr.get('variable_start_uepoch')).toBe(String(T0 * 1000));
    expect(cdr.get('variable_last_app')).toBe('park');
    expect(cdr.get('variable_caller_id')).toBe('"Outbound Call" <1000>');
    expect(h.sim.channels()).toHaveLength(0);
  });

  it.each([
    ['reject', 'CALL_REJECTED', '21', { reject: true }],
    ['busy', 'USER_BUSY', '17', { busy: true }],
  ] as const)('%s -> -ERR %s (q850 %s) with a channel that hangs up with it', async (_n, cause, q850, behavior) => {
    const h = await harness({ softphones: { '1000': behavior } });
    expect(await apiWait(h, 'originate', 'user/1000 &park')).toBe(`-ERR ${cause}\n`);
    const cdr = h.events.find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE')!;
    expect(cdr.get('Hangup-Cause')).toBe(cause);
    expect(cdr.get('variable_hangup_cause_q850')).toBe(q850);
    expect(cdr.get('variable_billsec')).toBe('0');
    expect(cdr.get('variable_answer_epoch')).toBe('0');
  });

  it('no answer -> -ERR NO_ANSWER at originate_timeout (default 60 s)', async () => {
    const h = await harness({ softphones: { '1000': { noAnswer: true } } });
    let out: string | undefined;
    h.sim.api('originate', 'user/1000 &park', (o) => (out = o));
    h.clock.advance(59_999);
    expect(out).toBeUndefined();
    h.clock.advance(1);
    expect(out).toBe('-ERR NO_ANSWER\n');
    expect(await apiWait(h, 'originate', '{originate_timeout=5}user/1000 &park')).toBe('-ERR NO_ANSWER\n');
    const cdr = [...h.events].reverse().find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE')!;
    expect(cdr.get('variable_duration')).toBe('5');
    expect(Number(cdr.get('variable_progressusec'))).toBeGreaterThan(0);
  });

  it('unregistered -> -ERR USER_NOT_REGISTERED and no channel at all', async () => {
    const h = await harness();
    h.sim.registerSoftphone('1002');
    h.sim.unregisterSoftphone('1002');
    expect(await h.api('originate', 'user/1002 &park')).toBe('-ERR USER_NOT_REGISTERED\n');
    expect(await h.api('originate', 'user/1009 &park')).toBe('-ERR USER_NOT_REGISTERED\n');
    expect(h.events.filter((e) => e.name === 'CHANNEL_CREATE')).toHaveLength(0);
    expect(h.events.filter((e) => e.subclass === 'sofia::unregister')).toHaveLength(1);
  });

  it('parallel (,) legs: first answer wins, the other gets LOSE_RACE; failover (|) tries the next group', async () => {
    const h = await harness({
      softphones: { '2001': { answerDelayMs: 3000 }, '2002': { answerDelayMs: 1000 }, '2003': { busy: true } },
    });
    const out = await apiWait(h, 'originate', '{ignore_early_media=true}user/2001,user/2002 &park');
    const winner = out.slice(4, 40);
    expect(h.last(winner, 'CHANNEL_CREATE')?.get('Channel-Name')).toMatch(/2002@/);
    const loser = h.events.find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && /2001@/.test(e.get('Channel-Name') ?? ''));
    expect(loser?.get('Hangup-Cause')).toBe('LOSE_RACE');
    await h.api('hupall');
    h.clock.advance(100);
    const out2 = await apiWait(h, 'originate', 'user/2003|user/2001 &park');
    expect(h.last(out2.slice(4, 40), 'CHANNEL_CREATE')?.get('Channel-Name')).toMatch(/2001@/);
  });
});

describe('gateway (external numbers)', () => {
  it('per-number outcomes: answer, busy, invalid, failure, no answer', async () => {
    const h = await harness();
    h.sim.setGatewayOutcome('15550000001', { outcome: 'answer', ringMs: 2000 });
    h.sim.setGatewayOutcome('15550000002', 'busy');
    h.sim.setGatewayOutcome('15550000003', 'invalid');
    h.sim.setGatewayOutcome('15550000004', 'failure');
    h.sim.setGatewayOutcome('15550000005', 'noAnswer');
    const ok = await apiWait(h, 'originate', 'sofia/gateway/carrier/15550000001 &park');
    expect(ok).toMatch(/^\+OK /);
    const leg = ok.slice(4, 40);
    expect(h.of(leg).map((e) => e.name)).toEqual(
      expect.arrayContaining(['CHANNEL_CREATE', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_ANSWER']),
    );
    expect(h.last(leg, 'CHANNEL_ANSWER')?.get('variable_amd_result')).toBe('HUMAN');
    expect(await apiWait(h, 'originate', 'sofia/gateway/carrier/15550000002 &park')).toBe('-ERR USER_BUSY\n');
    expect(await apiWait(h, 'originate', 'sofia/gateway/carrier/15550000003 &park')).toBe('-ERR UNALLOCATED_NUMBER\n');
    expect(await apiWait(h, 'originate', 'sofia/gateway/carrier/15550000004 &park')).toBe('-ERR NORMAL_TEMPORARY_FAILURE\n');
    expect(await apiWait(h, 'originate', '{originate_timeout=10}sofia/gateway/carrier/15550000005 &park')).toBe('-ERR NO_ANSWER\n');
  });

  it('a machine answers, carries amd_result=MACHINE and fires CUSTOM avmd::beep', async () => {
    const h = await harness();
    h.sim.setGatewayOutcome('15550000009', { outcome: 'machine', ringMs: 1000, beepAfterMs: 4000 });
    const out = await apiWait(h, 'originate', 'sofia/gateway/carrier/15550000009 &park');
    const leg = out.slice(4, 40);
    expect(h.last(leg, 'CHANNEL_ANSWER')?.get('variable_amd_result')).toBe('MACHINE');
    h.clock.advance(4000);
    const beep = h.events.find((e) => e.subclass === 'avmd::beep');
    expect(beep?.get('Unique-ID')).toBe(leg);
    expect(beep?.get('Beep-Status')).toBe('DETECTED');
  });

  it('seeded probabilities give the same outcomes for the same seed', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      const h = await harness({ seed });
      h.sim.setGatewayProbabilities({ answer: 0.4, busy: 0.3, invalid: 0.3 });
      const res: string[] = [];
      for (let i = 0; i < 12; i++) {
        const o = await apiWait(h, 'originate', `sofia/gateway/gw/1555000${1000 + i} &park`);
        res.push(o.startsWith('+OK') ? 'answer' : o.trim());
        await h.api('hupall');
        h.clock.advance(50);
      }
      return res;
    };
    const a = await outcomes(7);
    expect(await outcomes(7)).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
  });
});

describe('apps', () => {
  async function answeredCall(h: Harness): Promise<string> {
    const uuid = h.sim.injectInboundCall({ from: '15551112222', to: '18005550100' });
    await h.api('uuid_answer', uuid);
    return uuid;
  }
  const execute = (h: Harness, uuid: string, app: string, arg: string, appUuid: string): void => {
    h.sim.engine.queueMessage(h.sim.rawChannel(uuid)!, { kind: 'execute', app, data: arg, appUuid });
    h.clock.advance(20);
  };

  it('play_and_get_digits collects pressed digits into the variable on EXECUTE_COMPLETE', async () => {
    const h = await harness({ fileDurations: { 'menu.wav': 3000, 'bad.wav': 1000 } });
    const uuid = await answeredCall(h);
    execute(h, uuid, 'play_and_get_digits', '1 4 3 5000 # /s/menu.wav /s/bad.wav choice \\d+ 2000', 'pagd-1');
    h.clock.advance(1000);
    h.sim.pressDigits(uuid, '12#', { intervalMs: 300 });
    h.clock.advance(1000);
    const done = h.events.find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application-UUID') === 'pagd-1')!;
    expect(done.get('variable_choice')).toBe('12');
    expect(done.get('variable_read_terminator_used')).toBe('#');
    expect(done.get('variable_read_result')).toBe('success');
    expect(done.get('Application-Response')).toBe('_none_');
    const seq = h.of(uuid).map((e) => e.name).slice(-6);
    // As in the capture: the first digit breaks the prompt, the terminator ends the read.
    expect(seq).toEqual(['PLAYBACK_START', 'DTMF', 'PLAYBACK_STOP', 'DTMF', 'DTMF', 'CHANNEL_EXECUTE_COMPLETE']);
  });

  it('play_and_get_digits: invalid input plays the invalid prompt, timeouts retry, regex decides', async () => {
    const h = await harness({ fileDurations: { 'menu.wav': 1000, 'bad.wav': 500 } });
    const uuid = await answeredCall(h);
    execute(h, uuid, 'play_and_get_digits', '4 4 2 3000 # /s/menu.wav /s/bad.wav pin ^\\d{4}$', 'pagd-2');
    h.clock.advance(1000); // prompt over
    h.sim.pressDigits(uuid, '12#', { intervalMs: 0 }); // too short -> invalid
    h.clock.advance(500); // bad.wav
    h.clock.advance(1000); // prompt again
    h.clock.advance(3000); // nothing pressed -> timeout, no tries left
    const done = h.events.find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application-UUID') === 'pagd-2')!;
    expect(done.get('variable_pin')).toBeUndefined();
    expect(done.get('variable_read_result')).toBe('timeout');
    const played = h.of(uuid, 'PLAYBACK_START').map((e) => e.get('Playback-File-Path'));
    expect(played).toEqual(['/s/menu.wav', '/s/bad.wav', '/s/menu.wav']);
    // Digits pressed before the app starts are queued (no DTMF event) and read when it does.
    h.sim.pressDigits(uuid, '4321', { intervalMs: 0 });
    expect(h.of(uuid, 'DTMF')).toHaveLength(3);
    execute(h, uuid, 'play_and_get_digits', '4 4 1 3000 # /s/menu.wav /s/bad.wav pin ^\\d{4}$', 'pagd-3');
    const ok = h.events.find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application-UUID') === 'pagd-3')!;
    expect(ok.get('variable_pin')).toBe('4321');
  });

  it('DTMF events fire only on channels whose app reads digits', async () => {
    const h = await harness();
    const uuid = h.sim.injectInboundCall({ from: '1', to: '18005550100' }); // parked: park reads no digits
    h.sim.pressDigits(uuid, '55', { intervalMs: 0 });
    expect(h.of(uuid, 'DTMF')).toHaveLength(0);
    execute(h, uuid, 'playback', '/s/long.wav', 'pb-1');
    expect(h.of(uuid, 'DTMF').map((e) => e.get('DTMF-Digit'))).toEqual(['5', '5']);
    expect(h.of(uuid, 'DTMF')[0]!.get('DTMF-Source')).toBe('RTP');
    expect(h.of(uuid, 'DTMF')[0]!.get('variable_uuid')).toBeUndefined();
    // playback_terminators defaults to '*'
    h.sim.pressDigits(uuid, '*', { intervalMs: 0 });
    expect(h.last(uuid, 'PLAYBACK_STOP')?.get('Playback-Status')).toBe('break');
  });

  it('uuid_break stops a playback (Playback-Status break, FILE PLAYED); sendmsg loops repeats an app', async () => {
    const h = await harness({ fileDurations: { 'a.wav': 1000 } });
    const uuid = await answeredCall(h);
    h.sim.engine.queueMessage(h.sim.rawChannel(uuid)!, { kind: 'execute', app: 'playback', data: '/s/a.wav', appUuid: 'loop-1', loops: 2 });
    h.clock.advance(20);
    h.clock.advance(1000);
    h.clock.advance(1000);
    const completes = h.events.filter((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application-UUID') === 'loop-1');
    expect(completes).toHaveLength(2);
    expect(completes[0]!.get('variable_current_loop')).toBe('1');
    expect(completes[1]!.get('variable_current_loop')).toBe('2');
    execute(h, uuid, 'playback', 'local_stream://moh', 'moh-1');
    expect(await h.api('uuid_break', uuid)).toBe('+OK\n');
    const stop = h.last(uuid, 'PLAYBACK_STOP')!;
    expect(stop.get('Playback-Status')).toBe('break');
    expect(stop.get('Playback-File-Type')).toBe('local_stream');
    expect(h.last(uuid, 'CHANNEL_EXECUTE_COMPLETE')?.get('Application-Response')).toBe('FILE PLAYED');
    expect(h.sim.channel(uuid)?.application).toBe('park');
  });

  it('an unknown app fires no EXECUTE events and hangs the channel up (DESTINATION_OUT_OF_ORDER)', async () => {
    const h = await harness();
    const uuid = await answeredCall(h);
    const before = h.of(uuid, 'CHANNEL_EXECUTE').length;
    execute(h, uuid, 'no_such_app', 'x', 'bad-1');
    expect(h.of(uuid, 'CHANNEL_EXECUTE')).toHaveLength(before);
    expect(h.events.some((e) => e.get('Application-UUID') === 'bad-1')).toBe(false);
    expect(h.last(uuid, 'CHANNEL_HANGUP_COMPLETE')?.get('Hangup-Cause')).toBe('DESTINATION_OUT_OF_ORDER');
  });

  it('bridge app: rings the agent, bridges on answer, hangup_after_bridge ends the caller', async () => {
    const h = await harness({ softphones: { '1003': { answerDelayMs: 2000 } } });
    const uuid = h.sim.injectInboundCall({ from: '1', to: '18005550100' });
    execute(h, uuid, 'bridge', 'user/1003', 'br-1');
    h.clock.advance(2100);
    const bridge = h.last(uuid, 'CHANNEL_BRIDGE')!;
    const agent = bridge.get('Bridge-B-Unique-ID')!;
    expect(bridge.get('Other-Leg-Unique-ID')).toBe(agent);
    expect(h.last(uuid, 'CHANNEL_ANSWER')).toBeDefined();
    expect(h.sim.audioRoutes()).toEqual(
      expect.arrayContaining([
        { listener: uuid, source: agent, kind: 'bridge' },
        { listener: agent, source: uuid, kind: 'bridge' },
      ]),
    );
    // The caller's DTMF passes the bridge (DTMF event on the caller) toward the agent's phone.
    h.sim.pressDigits(uuid, '9', { intervalMs: 0 });
    expect(h.of(uuid, 'DTMF')).toHaveLength(1);
    expect(h.sim.softphones.get('1003')?.heardDtmf).toBe('9');
    h.sim.softphoneHangup('1003');
    expect(h.events.find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application-UUID') === 'br-1')).toBeDefined();
    expect(h.last(uuid, 'CHANNEL_HANGUP_COMPLETE')?.get('Hangup-Cause')).toBe('NORMAL_CLEARING');
    expect(h.last(uuid, 'CHANNEL_HANGUP_COMPLETE')?.get('variable_bridge_epoch')).not.toBe('0');
  });

  it('uuid_hold on a SIP leg: HOLD, music for the peer, UNHOLD stops it', async () => {
    const h = await harness({ softphones: { '1004': { answerDelayMs: 100 } } });
    const caller = h.sim.injectInboundCall({ from: '1', to: '18005550100' });
    const agent = (await apiWait(h, 'originate', 'user/1004 &park', 50)).slice(4, 40);
    await h.api('uuid_bridge', `${caller} ${agent}`);
    expect(await h.api('uuid_hold', caller)).toBe('+OK Success\n');
    expect(h.last(caller, 'CHANNEL_HOLD')).toBeDefined();
    expect(h.last(agent, 'PLAYBACK_START')?.get('Playback-File-Path')).toBe('local_stream://moh');
    expect(h.sim.audioRoutes()).toContainEqual({ listener: agent, source: 'moh', kind: 'moh' });
    h.clock.advance(5000);
    expect(await h.api('uuid_hold', `off ${caller}`)).toBe('+OK Success\n');
    expect(h.last(caller, 'CHANNEL_UNHOLD')).toBeDefined();
    expect(h.last(agent, 'PLAYBACK_STOP')?.get('Playback-Status')).toBe('break');
    expect(h.sim.whoDoesHear(agent)).toEqual([caller]);
    await h.api('uuid_kill', caller);
    h.clock.advance(50);
    expect(h.last(caller, 'CHANNEL_HANGUP_COMPLETE')?.get('variable_hold_accum_seconds')).toBe('5');
  });

  it('uuid_audio read mute: the peer stops hearing the muted leg, which still hears the peer; replies as mod_commands', async () => {
    const h = await harness({ softphones: { '1004': { answerDelayMs: 100 } } });
    const caller = h.sim.injectInboundCall({ from: '1', to: '18005550100' });
    const agent = (await apiWait(h, 'originate', 'user/1004 &park', 50)).slice(4, 40);
    await h.api('uuid_bridge', `${caller} ${agent}`);
    expect(h.sim.whoDoesHear(caller)).toEqual([agent]);
    expect(await h.api('uuid_audio', `${agent} start read mute 1`)).toBe('+OK\n');
    expect(h.sim.whoDoesHear(caller)).toEqual([]);
    expect(h.sim.whoDoesHear(agent)).toEqual([caller]);
    // A level change leaves the mute alone; `mute 0` lifts it.
    expect(await h.api('uuid_audio', `${agent} start read level 2`)).toBe('+OK\n');
    expect(h.sim.whoDoesHear(caller)).toEqual([]);
    expect(await h.api('uuid_audio', `${agent} start read mute 0`)).toBe('+OK\n');
    expect(h.sim.whoDoesHear(caller)).toEqual([agent]);
    // write mute: the muted leg hears nothing; stop removes the bug.
    expect(await h.api('uuid_audio', `${agent} start write mute 1`)).toBe('+OK\n');
    expect(h.sim.whoDoesHear(agent)).toEqual([]);
    expect(h.sim.whoDoesHear(caller)).toEqual([agent]);
    expect(await h.api('uuid_audio', `${agent} stop`)).toBe('+OK\n');
    expect(h.sim.whoDoesHear(agent)).toEqual([caller]);

    const usage = '-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n';
    expect(await h.api('uuid_audio', '')).toBe(usage);
    expect(await h.api('uuid_audio', agent)).toBe(usage);
    expect(await h.api('uuid_audio', `${agent} start read mute`)).toBe(usage);
    expect(await h.api('uuid_audio', `${agent} start both mute 1`)).toBe(usage);
    expect(await h.api('uuid_audio', `${agent} start read loud 1`)).toBe(usage);
    expect(await h.api('uuid_audio', `${agent} begin read mute 1`)).toBe(usage);
    // session_audio_function writes the error, then falls through to its final `+OK`.
    expect(await h.api('uuid_audio', '00000000-0000-4000-8000-000000000000 start read mute 1')).toBe('-ERR No Such Channel!\n+OK\n');
  });
});

describe('recording', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-rec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uuid_record start/mask/unmask/stop writes a valid WAV and reports what was recorded', async () => {
    const h = await harness();
    const uuid = h.sim.injectInboundCall({ from: '1', to: '18005550100' });
    await h.api('uuid_answer', uuid);
    const path = join(dir, 'calls', `${uuid}.wav`);
    expect(await h.api('uuid_record', `${uuid} start ${path}`)).toBe('+OK Success\n');
    expect(h.last(uuid, 'RECORD_START')?.get('Record-File-Path')).toBe(path);
    h.clock.advance(3000);
    expect(await h.api('uuid_record', `${uuid} mask ${path}`)).toBe('+OK Success\n');
    h.clock.advance(1000);
    expect(await h.api('uuid_record', `${uuid} unmask ${path}`)).toBe('+OK Success\n');
    h.clock.advance(1000);
    expect(await h.api('uuid_record', `${uuid} stop ${path}`)).toBe('+OK Success\n');
    expect(await h.api('uuid_record', `${uuid} stop ${path}`)).toBe('-ERR Cannot stop record session!\n');
    const stop = h.last(uuid, 'RECORD_STOP')!;
    expect(stop.get('Record-Completion-Cause')).toBe('success-maxtime');
    // As in the real capture, masked time is left out of record_ms and of the file.
    expect(stop.get('variable_record_ms')).toBe('4000');
    expect(stop.get('variable_record_samples')).toBe('32000');
    expect(existsSync(path)).toBe(true);
    const wav = readFileSync(path);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.readUInt16LE(22)).toBe(1);
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.readUInt32LE(40)).toBe(64000);
    expect(wav.length).toBe(44 + 64000);
    expect(stop.get('variable_record_file_size')).toBe(String(wav.length));
    // The masked instant is marked by digital silence at 3.000 s of the file; audio elsewhere is not silent.
    expect(wav.readInt16LE(44 + 3000 * 16 + 2)).toBe(0);
    expect(wav.subarray(44, 44 + 200).some((b) => b !== 0)).toBe(true);
    const rec = h.sim.recordings().find((r) => r.path === path)!;
    expect(rec.masks).toEqual([{ fromMs: 3000, toMs: 4000 }]);
    expect(rec.recordedMs).toBe(4000);
  });

  it('record_session stops at hangup with RECORD_STOP', async () => {
    const h = await harness();
    const uuid = h.sim.injectInboundCall({ from: '1', to: '18005550100' });
    const path = join(dir, 'session.wav');
    h.sim.engine.queueMessage(h.sim.rawChannel(uuid)!, { kind: 'execute', app: 'record_session', data: path, appUuid: 'rs' });
    h.clock.advance(2020);
    h.sim.hangup(uuid);
    const names = h.of(uuid).map((e) => e.name);
    expect(names.indexOf('RECORD_STOP')).toBeGreaterThan(names.indexOf('CHANNEL_HANGUP'));
    expect(names.indexOf('RECORD_STOP')).toBeLessThan(names.indexOf('CHANNEL_HANGUP_COMPLETE'));
    expect(readFileSync(path).length).toBe(44 + 2000 * 16);
  });
});

describe('eavesdrop audio routes', () => {
  it('listen, then DTMF 2 (the eavesdropped caller hears), 1 (its peer, the agent), 3 (both), 0 (listen)', async () => {
    const h = await harness({ softphones: { '1000': { answerDelayMs: 100 }, '9000': { answerDelayMs: 100 } } });
    const caller = h.sim.injectInboundCall({ from: '1', to: '18005550100' });
    const agent = (await apiWait(h, 'originate', 'user/1000 &park', 50)).slice(4, 40);
    await h.api('uuid_bridge', `${caller} ${agent}`);
    const sup = (await apiWait(h, 'originate', `{eavesdrop_enable_dtmf=true}user/9000 &eavesdrop(${caller})`, 50)).slice(4, 40);
    const routes = (): string[] =>
      h.sim
        .audioRoutes()
        .filter((r) => r.kind === 'eavesdrop' || r.kind === 'whisper')
        .map((r) => `${r.listener === sup ? 'sup' : r.listener === caller ? 'caller' : 'agent'}<-${r.source === sup ? 'sup' : r.source === caller ? 'caller' : 'agent'}`)
        .sort();
    expect(routes()).toEqual(['sup<-agent', 'sup<-caller']);
    expect(h.sim.whoDoesHear(caller)).toEqual([agent]);
    h.sim.softphoneDigits('9000', '2');
    expect(h.of(sup, 'DTMF').map((e) => e.get('DTMF-Digit'))).toEqual(['2']);
    expect(routes()).toEqual(['caller<-sup', 'sup<-agent', 'sup<-caller']);
    h.sim.softphoneDigits('9000', '1');
    expect(routes()).toEqual(['agent<-sup', 'sup<-agent', 'sup<-caller']);
    h.sim.softphoneDigits('9000', '3');
    expect(routes()).toEqual(['agent<-sup', 'caller<-sup', 'sup<-agent', 'sup<-caller']);
    h.sim.softphoneDigits('9000', '0');
    expect(routes()).toEqual(['sup<-agent', 'sup<-caller']);
    // By variable: eavesdrop_whisper_aleg is ED_MUX_READ, so the eavesdropped caller's peer (the agent) hears.
    await h.api('uuid_kill', sup);
    h.clock.advance(50);
    expect(routes()).toEqual([]);
    const sup2 = (await apiWait(h, 'originate', `{eavesdrop_whisper_aleg=true}user/9000 &eavesdrop(${caller})`, 50)).slice(4, 40);
    expect(h.sim.whoDoesHear(caller)).toEqual([agent]);
    expect(h.sim.whoDoesHear(agent).sort()).toEqual([caller, sup2].sort());
    // Target hangs up: the eavesdrop app completes and the supervisor leg ends.
    h.sim.hangup(caller);
    expect(h.events.some((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Unique-ID') === sup2 && e.get('Application') === 'eavesdrop')).toBe(true);
    expect(h.sim.channels()).toHaveLength(0);
  });
});

describe('determinism', () => {
  it('the same seed and inputs give the same event stream', async () => {
    const run = async (): Promise<string[]> => {
      const h = await harness({ seed: 99, softphones: { '1000': { answerDelayMs: 700 } } });
      const u = h.sim.injectInboundCall({ from: '1', to: '18005550100' });
      await apiWait(h, 'originate', 'user/1000 &park', 25);
      h.sim.pressDigits(u, '12', { intervalMs: 50 });
      h.clock.advance(1000);
      await h.api('hupall');
      h.clock.advance(100);
      return h.events.map((e) => `${e.name}:${e.get('Unique-ID') ?? ''}:${e.get('Event-Date-Timestamp')}:${e.get('Event-Sequence')}`);
    };
    const a = await run();
    expect(a.length).toBeGreaterThan(20);
    expect(await run()).toEqual(a);
  });
});
