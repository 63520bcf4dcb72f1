/**
 * planTakeover: which live channels an ACD starting next to running calls adopts (waiting, connected), hangs up
 * (orphaned offers) or leaves alone (not the ACD's any more), from the channels' `uuid_dump json`.
 */
import type { EslEvent } from '../../src/esl/types';
import { planTakeover } from '../../src/acd/runtime/takeover-plan';

function channel(uuid: string, vars: Record<string, string>, headers: Record<string, string> = {}): EslEvent {
  const h: Record<string, string> = { 'Event-Name': 'CHANNEL_DATA', 'Unique-ID': uuid, 'Channel-Call-State': 'ACTIVE', ...headers };
  for (const [k, v] of Object.entries(vars)) h[`variable_${k}`] = v;
  return { name: 'CHANNEL_DATA', headers: h, format: 'json' };
}

const caller = (uuid: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}): EslEvent =>
  channel(
    uuid,
    { switchboard_queue_call: uuid, switchboard_queue: 'sales', switchboard_queue_priority: '5', switchboard_queue_entered: '1700000000000', current_application: 'playback', ...extra },
    { 'Caller-Caller-ID-Number': '+14155550100', 'Caller-Caller-ID-Name': 'Ada', ...headers },
  );
const agentLeg = (uuid: string, callId: string, agentId: number, extra: Record<string, string> = {}): EslEvent =>
  channel(uuid, { switchboard_queue_call: callId, switchboard_queue: 'sales', switchboard_agent_id: String(agentId), current_application: 'park', ...extra }, { 'Caller-Channel-Answered-Time': '1700000005000000' });

describe('planTakeover', () => {
  it('a caller on hold waits again with its queue, priority, place in line and caller id', () => {
    const plan = planTakeover([caller('c1', { switchboard_queue_skills: 'fr, billing' })], 1);
    expect(plan).toEqual({
      waiting: [{ uuid: 'c1', queue: 'sales', priority: 5, enteredAt: 1700000000000, skills: ['fr', 'billing'], callerNumber: '+14155550100', callerName: 'Ada' }],
      connected: [],
      callbacks: [],
      strayAgentLegs: [],
      sessions: [],
    });
  });

  it('nailed-up session legs are sessions, never strays: idle when parked, busy when bridged to their caller', () => {
    const plan = planTakeover(
      [
        caller('c1', { bridge_uuid: 's1', current_application: 'park' }),
        agentLeg('s1', 'c1', 7, { bridge_uuid: 'c1', switchboard_nailed_agent: '7' }),
        // Parked between calls, with the variables of its last call still on it.
        agentLeg('s2', 'gone', 8, { bridge_uuid: 'gone', switchboard_nailed_agent: '8' }),
      ],
      1,
    );
    expect(plan.connected.map((c) => [c.uuid, c.agentUuid, c.agentId])).toEqual([['c1', 's1', 7]]);
    expect(plan.strayAgentLegs).toEqual([]);
    expect(plan.sessions).toEqual([
      { uuid: 's1', agentId: 7, busy: true },
      { uuid: 's2', agentId: 8, busy: false },
    ]);
  });

  it("a callback's customer legs: ringing, answered and waiting, or talking to the request's agent (whose leg is then no stray)", () => {
    const customer = (uuid: string, callId: string, extra: Record<string, string> = {}, answered = true): EslEvent =>
      channel(uuid, { switchboard_queue_call: callId, switchboard_queue: 'sales', switchboard_callback: 'true', current_application: 'park', ...extra }, answered ? { 'Caller-Channel-Answered-Time': '1700000007000000' } : {});
    const plan = planTakeover(
      [
        customer('k1', 'req1', {}, false),
        customer('k2', 'req2'),
        customer('k3', 'req3', { bridge_uuid: 'a3' }),
        agentLeg('a3', 'req3', 9, { bridge_uuid: 'k3' }),
      ],
      1,
    );
    expect(plan.callbacks).toEqual([
      { callId: 'req1', customerUuid: 'k1', queue: 'sales', answered: false },
      { callId: 'req2', customerUuid: 'k2', queue: 'sales', answered: true },
      { callId: 'req3', customerUuid: 'k3', queue: 'sales', answered: true, agent: { agentUuid: 'a3', agentId: 9, connectedAt: 1700000005000 } },
    ]);
    // Not callers of their own (their queue call is the request's), and the talking agent's leg is no stray.
    expect(plan.waiting).toEqual([]);
    expect(plan.connected).toEqual([]);
    expect(plan.strayAgentLegs).toEqual([]);
  });

  it('waiting callers come back oldest first', () => {
    const plan = planTakeover([caller('late', { switchboard_queue_entered: '1700000009000' }), caller('early', { switchboard_queue_entered: '1700000001000' })], 1);
    expect(plan.waiting.map((c) => c.uuid)).toEqual(['early', 'late']);
  });

  it('a caller bridged to its own agent leg is a connected call, answered when the agent leg answered', () => {
    const plan = planTakeover([caller('c1', { bridge_uuid: 'a1', current_application: 'park' }), agentLeg('a1', 'c1', 7, { bridge_uuid: 'c1' })], 1);
    expect(plan.waiting).toEqual([]);
    expect(plan.strayAgentLegs).toEqual([]);
    expect(plan.connected).toEqual([expect.objectContaining({ uuid: 'c1', agentUuid: 'a1', agentId: 7, connectedAt: 1700000005000, queue: 'sales' })]);
  });

  it('an agent leg that is not bridged to its caller is an orphaned offer; its caller waits again', () => {
    const plan = planTakeover([caller('c1'), agentLeg('a1', 'c1', 7)], 1);
    expect(plan.waiting.map((c) => c.uuid)).toEqual(['c1']);
    expect(plan.strayAgentLegs).toEqual(['a1']);
    // Still ringing (no application yet): orphaned too.
    expect(planTakeover([agentLeg('a2', 'gone', 8, { current_application: '' })], 1).strayAgentLegs).toEqual(['a2']);
  });

  it('calls that left the ACD are left alone: a caller bridged to a transfer target, in voicemail, an agent in a 3-way', () => {
    const plan = planTakeover(
      [
        caller('c1', { bridge_uuid: 'x1' }),
        channel('x1', { bridge_uuid: 'c1' }),
        caller('c2', { current_application: 'voicemail' }),
        agentLeg('a3', 'c3', 9, { current_application: 'conference' }),
        agentLeg('a4', 'c4', 9, { bridge_uuid: 'x1' }),
      ],
      1,
    );
    expect(plan).toEqual({ waiting: [], connected: [], callbacks: [], strayAgentLegs: [], sessions: [] });
  });

  it('channels without the ACD variables are not the ACD`s, whatever they run', () => {
    expect(planTakeover([channel('ivr1', { current_application: 'park', switchboard_did: '18005550100' })], 1)).toEqual({ waiting: [], connected: [], callbacks: [], strayAgentLegs: [], sessions: [] });
  });

  it('hostile or missing numbers fall back instead of breaking the plan', () => {
    const plan = planTakeover([caller('c1', { switchboard_queue_priority: '9e99', switchboard_queue_entered: 'soon' }, { 'Caller-Channel-Created-Time': '1700000000123000' })], 42);
    expect(plan.waiting[0]).toMatchObject({ priority: 0, enteredAt: 1700000000123 });
  });
});
