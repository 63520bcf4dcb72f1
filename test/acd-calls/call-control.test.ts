/**
 * CallControl against the simulator over TCP: who hears whom (sim.whoDoesHear) and the engine's agent states after
 * every agent operation. Transfer targets, 3-way agents and outbound callers are on direct calls in the engine
 * (reserved while ringing, on_call while talking, counted, wrap-up of the caller's queue: 60 s here).
 */
import { CallControlError } from '../../src/acd/runtime/call-control';
import { CallsHarness, GATEWAY, waitFor } from './harness';

jest.setTimeout(30_000);

describe('CallControl on the simulator', () => {
  const h = new CallsHarness();
  beforeAll(() => h.start());
  afterAll(() => h.close());
  afterEach(() => h.reset());

  const code = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (err) {
      if (err instanceof CallControlError) return err.code;
      throw err;
    }
    return 'resolved';
  };

  test('no current call: every operation is refused with no_call', async () => {
    expect(await code(h.control.hangup(1))).toBe('no_call');
    expect(await code(h.control.hold(1))).toBe('no_call');
    expect(await code(h.control.blindTransfer(1, { agent: 2 }))).toBe('no_call');
    expect(await code(h.control.attendedTransfer(1, { number: '15550001111' }))).toBe('no_call');
    expect(await code(h.control.completeTransfer(1))).toBe('no_call');
    expect(await code(h.control.threeWay(1, { agent: 2 }))).toBe('no_call');
    expect(h.control.current(1)).toBeUndefined();
  });

  test('hold: the agent leg is held and the caller hears music; unhold brings them back', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    expect(h.control.current(1)).toMatchObject({ caller_uuid: callerUuid, agent_uuid: agentUuid, source: 'acd', mode: 'talking', held: false });
    await h.control.hold(1);
    await waitFor('caller hears MOH', () => h.sim.whoDoesHear(callerUuid).includes('moh'));
    expect(h.sim.whoDoesHear(callerUuid)).toEqual(['moh']);
    expect(h.sim.whoDoesHear(agentUuid)).toEqual([]);
    expect(h.sim.channel(agentUuid)!.held).toBe(true);
    expect(h.control.current(1)!.held).toBe(true);
    // A transfer needs the call talking, a second hold is a no-op.
    await h.control.hold(1);
    await h.control.unhold(1);
    await waitFor('talking again', () => h.hears(callerUuid, agentUuid) && h.hears(agentUuid, callerUuid));
    expect(h.sim.whoDoesHear(callerUuid)).toEqual([agentUuid]);
  });

  test('mute: the caller stops hearing the agent, who still hears the caller; unmute; the mute survives a 3-way', async () => {
    expect(await code(h.control.mute(1))).toBe('no_call');
    const { callerUuid, agentUuid } = await h.connect(1);
    const muted = await h.control.mute(1);
    expect(muted).toMatchObject({ muted: true, held: false, mode: 'talking' });
    expect(h.sim.rawChannel(agentUuid)!.sessionAudio).toMatchObject({ readMute: 1 });
    expect(h.sim.whoDoesHear(callerUuid)).toEqual([]);
    expect(h.sim.whoDoesHear(agentUuid)).toEqual([callerUuid]);
    expect(h.control.current(1)!.muted).toBe(true);
    // Hold and unhold leave the microphone muted (the media bug stays on the agent leg).
    await h.control.hold(1);
    await h.control.unhold(1);
    await waitFor('agent hears the caller again', () => h.hears(agentUuid, callerUuid));
    expect(h.sim.whoDoesHear(callerUuid)).toEqual([]);
    expect(await h.control.unmute(1)).toMatchObject({ muted: false });
    expect(h.sim.whoDoesHear(callerUuid)).toEqual([agentUuid]);
    // A 3-way room: the muted agent is heard by nobody there, and hears both others.
    await h.control.mute(1);
    h.engine.setReady(3);
    const { thirdUuid } = await h.control.threeWay(1, { agent: 3 });
    await waitFor('three in the room', () => h.hears(thirdUuid, callerUuid) && h.hears(agentUuid, thirdUuid));
    expect(h.sim.whoDoesHear(callerUuid)).toEqual([thirdUuid]);
    expect(h.sim.whoDoesHear(thirdUuid)).toEqual([callerUuid]);
    expect(h.sim.whoDoesHear(agentUuid).sort()).toEqual([callerUuid, thirdUuid].sort());
    expect(h.control.current(1)).toMatchObject({ mode: 'conference', muted: true });
    await h.control.unmute(1);
    expect(h.sim.whoDoesHear(callerUuid).sort()).toEqual([agentUuid, thirdUuid].sort());
    await h.control.hangup(1);
    await h.control.hangup(3);
    await waitFor('room over', () => !h.up(callerUuid) && !h.up(thirdUuid));
  });

  test('hangup ends both legs and the agent goes to wrap-up', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    const r = await h.control.hangup(1);
    expect(r.killed.sort()).toEqual([agentUuid, callerUuid].sort());
    await waitFor('legs gone', () => !h.up(callerUuid) && !h.up(agentUuid));
    await waitFor('wrap-up', () => h.engine.agent(1)!.state === 'wrap_up');
    expect(h.control.current(1)).toBeUndefined();
  });

  test('blind transfer to an agent: caller bridged to the new agent, old agent released into wrap-up', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    h.engine.setReady(2);
    const handled = h.engine.agent(2)!.callsHandled;
    const talked = h.engine.agent(2)!.talkMs;
    const { targetUuid } = await h.control.blindTransfer(1, { agent: 2 });
    expect(targetUuid).toBeDefined();
    await waitFor('caller talks to agent 2', () => h.hears(callerUuid, targetUuid!) && h.hears(targetUuid!, callerUuid));
    expect(h.sim.channel(targetUuid!)!.name).toMatch(/1002/);
    await waitFor('old agent leg gone', () => !h.up(agentUuid));
    expect(h.up(callerUuid)).toBe(true);
    await waitFor('agent 1 in wrap-up', () => h.engine.agent(1)!.state === 'wrap_up');
    // Agent 2 has the call: on a direct call in the engine (supervisors see on_call) and can act on it.
    expect(h.engine.agent(2)).toMatchObject({ state: 'on_call', callId: callerUuid, direct: { kind: 'transfer', queue: 'support' }, callsHandled: handled });
    expect(h.engine.agent(2)!.reason).toBeUndefined();
    expect(h.control.current(2)).toMatchObject({ caller_uuid: callerUuid, agent_uuid: targetUuid, source: 'transfer' });
    expect(h.control.current(1)).toBeUndefined();
    // Not offered a queue call meanwhile.
    const before = h.effects.length;
    h.engine.enqueue({ id: 'waiting-1', node: 'sim1', queue: 'billing', priority: 0, skills: [], callerNumber: '15550000001', data: {} });
    expect(h.effects.slice(before).filter((e) => e.kind === 'offer')).toEqual([]);
    await h.control.hold(2);
    await waitFor('caller on hold music', () => h.sim.whoDoesHear(callerUuid).includes('moh'));
    await new Promise((r) => setTimeout(r, 20));
    await h.control.hangup(2);
    await waitFor('call over', () => !h.up(callerUuid) && !h.up(targetUuid!));
    // Counted, then the queue's wrap-up; when it ends the waiting call is offered to agent 2.
    await waitFor('agent 2 in wrap-up', () => h.engine.agent(2)!.state === 'wrap_up');
    expect(h.engine.agent(2)).toMatchObject({ callsHandled: handled + 1, callId: callerUuid });
    expect(h.engine.agent(2)!.talkMs).toBeGreaterThan(talked);
    expect(h.engine.agent(2)!.direct).toBeUndefined();
    h.engine.endWrapUp(2);
    expect(h.effects.slice(before).some((e) => e.kind === 'offer' && e.callId === 'waiting-1' && e.agentIds.includes(2))).toBe(true);
  });

  test('a transferred call transferred on: the first target ends its call (wrap-up), the next one has it', async () => {
    const { callerUuid } = await h.connect(1);
    h.engine.setReady(2);
    h.engine.setReady(3);
    const first = await h.control.blindTransfer(1, { agent: 2 });
    await waitFor('caller talks to agent 2', () => h.hears(callerUuid, first.targetUuid!));
    expect(h.engine.agent(2)).toMatchObject({ state: 'on_call', direct: { kind: 'transfer' } });
    const second = await h.control.blindTransfer(2, { agent: 3 });
    await waitFor('caller talks to agent 3', () => h.hears(callerUuid, second.targetUuid!));
    await waitFor('agent 2 in wrap-up', () => h.engine.agent(2)!.state === 'wrap_up');
    expect(h.engine.agent(3)).toMatchObject({ state: 'on_call', callId: callerUuid, direct: { kind: 'transfer', queue: 'support' } });
    expect(h.control.current(2)).toBeUndefined();
    expect(h.control.current(3)).toMatchObject({ caller_uuid: callerUuid, source: 'transfer' });
  });

  test('blind transfer to an agent who is not available is refused and the call stays', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    expect(await code(h.control.blindTransfer(1, { agent: 2 }))).toBe('target_unavailable');
    expect(await code(h.control.blindTransfer(1, { agent: 1 }))).toBe('target_unavailable');
    expect(await code(h.control.blindTransfer(1, { agent: 99 }))).toBe('not_found');
    expect(h.hears(callerUuid, agentUuid)).toBe(true);
  });

  test('blind transfer whose target does not answer: the caller is back with the agent', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    h.engine.setReady(3);
    h.sim.setSoftphoneBehavior('1003', { reject: true, rejectDelayMs: 30 });
    try {
      expect(await code(h.control.blindTransfer(1, { agent: 3 }))).toBe('failed');
    } finally {
      h.sim.setSoftphoneBehavior('1003', { reject: false, answerDelayMs: 30 });
    }
    await waitFor('talking again', () => h.hears(callerUuid, agentUuid) && h.hears(agentUuid, callerUuid));
    expect(h.engine.agent(3)!.state).toBe('available');
    expect(h.engine.agent(3)!.direct).toBeUndefined();
    expect(h.control.current(1)).toMatchObject({ held: false, mode: 'talking' });
  });

  test('blind transfer to a number: the caller is bridged to the gateway leg', async () => {
    h.sim.setGatewayOutcome('15559990001', { outcome: 'answer', ringMs: 30 });
    const { callerUuid, agentUuid } = await h.connect(1);
    const { targetUuid } = await h.control.blindTransfer(1, { number: '15559990001' });
    await waitFor('caller talks to the number', () => h.hears(callerUuid, targetUuid!));
    expect(h.sim.channel(targetUuid!)!.name).toBe(`sofia/gateway/${GATEWAY}/15559990001`);
    await waitFor('agent released', () => !h.up(agentUuid) && h.engine.agent(1)!.state === 'wrap_up');
    expect(await code(h.control.blindTransfer(1, { number: '1555;hupall' }))).toBe('no_call');
  });

  test('blind transfer to a queue: caller on music, agent in wrap-up, call waiting in the new queue with its data', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    await h.control.blindTransfer(1, { queue: 'billing' });
    await waitFor('agent leg gone', () => !h.up(agentUuid));
    expect(h.sim.whoDoesHear(callerUuid)).toEqual(['file:local_stream://moh']);
    expect(h.engine.agent(1)!.state).toBe('wrap_up');
    expect(h.engine.waitingCalls('billing').map((c) => c.id)).toEqual([callerUuid]);
    // The next agent that frees up is offered the call.
    const before = h.effects.length;
    h.engine.setReady(4);
    expect(h.effects.slice(before).some((e) => e.kind === 'offer' && e.callId === callerUuid && e.agentIds.includes(4))).toBe(true);
  });

  test('blind transfer to an unknown queue is refused before anything moves', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    expect(await code(h.control.blindTransfer(1, { queue: 'nosuch' }))).toBe('not_found');
    expect(h.hears(callerUuid, agentUuid)).toBe(true);
  });

  test('attended transfer, completed: consult with the target while the caller hears music, then caller to target', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    h.engine.setReady(2);
    const handled = h.engine.agent(2)!.callsHandled;
    const { consultUuid } = await h.control.attendedTransfer(1, { agent: 2 });
    await waitFor('agent talks to target', () => h.hears(agentUuid, consultUuid) && h.hears(consultUuid, agentUuid));
    // The target is on a call from the consultation on.
    expect(h.engine.agent(2)).toMatchObject({ state: 'on_call', callId: callerUuid, direct: { kind: 'transfer', queue: 'support' } });
    expect(h.sim.whoDoesHear(callerUuid)).toEqual(['file:local_stream://moh']);
    expect(h.control.current(1)).toMatchObject({ mode: 'consulting', consult_uuid: consultUuid });
    expect(await code(h.control.hold(1))).toBe('invalid_state');
    await h.control.completeTransfer(1);
    await waitFor('caller talks to target', () => h.hears(callerUuid, consultUuid) && h.hears(consultUuid, callerUuid));
    await waitFor('agent released', () => !h.up(agentUuid) && h.engine.agent(1)!.state === 'wrap_up');
    expect(h.control.current(2)).toMatchObject({ caller_uuid: callerUuid, agent_uuid: consultUuid });
    expect(h.engine.agent(2)).toMatchObject({ state: 'on_call', callId: callerUuid, direct: { kind: 'transfer' } });
    await h.control.hangup(2);
    await waitFor('agent 2 in wrap-up', () => h.engine.agent(2)!.state === 'wrap_up');
    expect(h.engine.agent(2)!.callsHandled).toBe(handled + 1);
  });

  test('attended transfer, cancelled: the target leg ends and the caller is back with the agent', async () => {
    h.sim.setGatewayOutcome('15559990002', { outcome: 'answer', ringMs: 30 });
    const { callerUuid, agentUuid } = await h.connect(1);
    const { consultUuid } = await h.control.attendedTransfer(1, { number: '15559990002' });
    await waitFor('agent talks to target', () => h.hears(agentUuid, consultUuid));
    expect(await code(h.control.completeTransfer(2))).toBe('no_call');
    await h.control.cancelTransfer(1);
    await waitFor('caller back with the agent', () => h.hears(callerUuid, agentUuid) && h.hears(agentUuid, callerUuid));
    await waitFor('consult leg gone', () => !h.up(consultUuid));
    expect(h.control.current(1)).toMatchObject({ mode: 'talking', consult_uuid: null });
    expect(h.engine.agent(1)!.state).toBe('on_call');
    // park_after_bridge is off again: when the caller hangs up, the agent leg ends too.
    expect(h.sim.channel(agentUuid)!.variables.park_after_bridge).toBeUndefined();
    h.sim.hangup(callerUuid);
    await waitFor('agent leg ends with the caller', () => !h.up(agentUuid));
  });

  test('attended transfer: the target hanging up brings the caller back by itself', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    h.engine.setReady(2);
    const handled = h.engine.agent(2)!.callsHandled;
    const { consultUuid } = await h.control.attendedTransfer(1, { agent: 2 });
    await waitFor('agent talks to target', () => h.hears(agentUuid, consultUuid));
    h.sim.hangup(consultUuid);
    await waitFor('caller back with the agent', () => h.hears(callerUuid, agentUuid) && h.hears(agentUuid, callerUuid));
    await waitFor('mode talking', () => h.control.current(1)?.mode === 'talking');
    // The consultation was a call of agent 2: counted, then wrap-up.
    await waitFor('agent 2 in wrap-up', () => h.engine.agent(2)!.state === 'wrap_up');
    expect(h.engine.agent(2)!.callsHandled).toBe(handled + 1);
    expect(h.engine.agent(1)!.state).toBe('on_call');
  });

  test('3-way: caller, agent and third party hear each other in a conference; the agent can leave', async () => {
    const { callerUuid, agentUuid } = await h.connect(1);
    h.engine.setReady(3);
    const handled = h.engine.agent(3)!.callsHandled;
    const { conference, thirdUuid } = await h.control.threeWay(1, { agent: 3 });
    expect(conference).toBe(`sb3w-${callerUuid}`);
    await waitFor('three in the room', () => h.hears(thirdUuid, callerUuid) && h.hears(thirdUuid, agentUuid));
    expect(h.sim.whoDoesHear(callerUuid).sort()).toEqual([agentUuid, thirdUuid].sort());
    expect(h.sim.whoDoesHear(agentUuid).sort()).toEqual([callerUuid, thirdUuid].sort());
    expect(h.sim.whoDoesHear(thirdUuid).sort()).toEqual([agentUuid, callerUuid].sort());
    expect(h.audioKinds(callerUuid)).toEqual(['conference']);
    const list = await h.cluster.client('sim1').api((await import('../../src/freeswitch/call-control-builders')).conferenceList(conference));
    expect(list.body.trim().split('\n')).toHaveLength(3);
    expect(h.control.current(1)).toMatchObject({ mode: 'conference', conference, third_party_uuid: thirdUuid });
    expect(h.engine.agent(3)).toMatchObject({ state: 'on_call', callId: callerUuid, direct: { kind: 'conference', queue: 'support' } });
    expect(await code(h.control.hold(1))).toBe('invalid_state');
    // The agent leaves: caller and third party go on; the agent goes to wrap-up.
    await h.control.hangup(1);
    await waitFor('agent gone', () => !h.up(agentUuid));
    await waitFor('agent 1 wrap-up', () => h.engine.agent(1)!.state === 'wrap_up');
    expect(h.sim.whoDoesHear(callerUuid)).toEqual([thirdUuid]);
    expect(h.sim.whoDoesHear(thirdUuid)).toEqual([callerUuid]);
    // mintwo: when the third party leaves too, the room ends and the caller is hung up, not left alone.
    await h.control.hangup(3);
    await waitFor('room over', () => !h.up(callerUuid) && !h.up(thirdUuid));
    await waitFor('agent 3 in wrap-up', () => h.engine.agent(3)!.state === 'wrap_up');
    expect(h.engine.agent(3)!.callsHandled).toBe(handled + 1);
  });

  test('3-way whose third party does not answer: caller and agent are bridged again', async () => {
    h.sim.setGatewayOutcome('15559990003', { outcome: 'busy', ringMs: 30 });
    const { callerUuid, agentUuid } = await h.connect(1);
    expect(await code(h.control.threeWay(1, { number: '15559990003' }))).toBe('failed');
    await waitFor('talking again', () => h.hears(callerUuid, agentUuid) && h.hears(agentUuid, callerUuid));
    expect(h.up(callerUuid) && h.up(agentUuid)).toBe(true);
    expect(h.control.current(1)).toMatchObject({ mode: 'talking', conference: null });
  });

  test('manual outbound: the agent phone rings first, then the customer, bridged; on a call meanwhile', async () => {
    h.sim.setGatewayOutcome('15559990004', { outcome: 'answer', ringMs: 50 });
    h.engine.setReady(5);
    const { callsHandled: handled, talkMs: talked } = h.engine.agent(5)!;
    const { agentUuid, customerUuid } = await h.control.manualOutbound(5, '15559990004');
    expect(h.sim.channel(agentUuid)!.name).toMatch(/1005/);
    await waitFor('agent talks to customer', () => h.hears(agentUuid, customerUuid) && h.hears(customerUuid, agentUuid));
    expect(h.sim.channel(customerUuid)!.name).toBe(`sofia/gateway/${GATEWAY}/15559990004`);
    expect(h.engine.agent(5)).toMatchObject({ state: 'on_call', callId: customerUuid, direct: { kind: 'outbound' } });
    expect(h.control.current(5)).toMatchObject({ source: 'outbound', caller_uuid: customerUuid, agent_uuid: agentUuid });
    expect(await code(h.control.manualOutbound(5, '15559990004'))).toBe('invalid_state');
    await h.control.hold(5);
    await waitFor('customer hears music', () => h.sim.whoDoesHear(customerUuid).includes('moh'));
    await h.control.unhold(5);
    await h.control.hangup(5);
    await waitFor('call over', () => !h.up(agentUuid) && !h.up(customerUuid));
    // No queue: the engine's outbound wrap-up (0 s), straight back to available; counted.
    await waitFor('available again', () => h.engine.agent(5)!.state === 'available');
    expect(h.engine.agent(5)!.callsHandled).toBe(handled + 1);
    expect(h.engine.agent(5)!.talkMs).toBeGreaterThan(talked);
  });

  test('manual outbound from not ready: on a call meanwhile, then the same not-ready again', async () => {
    h.sim.setGatewayOutcome('15559990005', { outcome: 'answer', ringMs: 30 });
    expect(h.engine.agent(5)).toMatchObject({ state: 'not_ready', reason: 'break' });
    const handled = h.engine.agent(5)!.callsHandled;
    const { agentUuid, customerUuid } = await h.control.manualOutbound(5, '15559990005');
    await waitFor('agent talks to customer', () => h.hears(agentUuid, customerUuid));
    expect(h.engine.agent(5)).toMatchObject({ state: 'on_call', callId: customerUuid, pending: { state: 'not_ready', reason: 'break' } });
    // The customer hangs up: the agent leg follows, and the agent is not ready (break) again.
    h.sim.hangup(customerUuid);
    await waitFor('not ready again', () => h.engine.agent(5)!.state === 'not_ready');
    expect(h.engine.agent(5)).toMatchObject({ reason: 'break', callsHandled: handled + 1 });
    expect(h.control.current(5)).toBeUndefined();
  });

  test('manual outbound whose agent phone does not answer: back as before, nothing counted', async () => {
    h.engine.setReady(5);
    const { callsHandled, talkMs } = h.engine.agent(5)!;
    h.sim.setSoftphoneBehavior('1005', { reject: true, rejectDelayMs: 30 });
    try {
      expect(await code(h.control.manualOutbound(5, '15559990004'))).toBe('failed');
    } finally {
      h.sim.setSoftphoneBehavior('1005', { reject: false, answerDelayMs: 30 });
    }
    expect(h.engine.agent(5)).toMatchObject({ state: 'available', callsHandled, talkMs });
    expect(h.engine.agent(5)!.direct).toBeUndefined();
    expect(h.control.current(5)).toBeUndefined();
  });

  test('manual outbound refusals: a bad number, an agent on a call', async () => {
    expect(await code(h.control.manualOutbound(5, '1555\n\nbgapi system'))).toBe('invalid_input');
    expect(await code(h.control.manualOutbound(5, '${system(id)}'))).toBe('invalid_input');
    await h.connect(1);
    expect(await code(h.control.manualOutbound(1, '15559990004'))).toBe('invalid_state');
    expect(h.engine.agent(5)!.state).toBe('not_ready');
  });
});
