/**
 * Nailed-up agents (issue 13, README "Nailed-up agents"), on the simulator with the whole service: an agent of a
 * queue with nailedUp gets one call to their phone at login, kept parked; offers are bridged to that leg at once
 * (no new leg, no ringing, a beep mixed in), the leg parks again when the caller hangs up and takes the next call;
 * the agent putting the phone down ends the session (and the call), the next readiness dials a new one; logging out
 * hangs it up.
 */
import { describeEachEngine } from '../helpers/databases';
import { AcdHarness, sleep, waitFor } from '../acd-runtime/harness';
import { NAILED_UP_BEEP } from '../../src/acd/runtime/nailed-up';

describeEachEngine('nailed-up agents', (engine) => {
  const h = new AcdHarness(engine);
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  const session = (agentId: number) => h.service.acd.nailedUpSessions().find((s) => s.agentId === agentId);
  const idleSession = (agentId: number) =>
    waitFor(`agent ${agentId}'s nailed-up session to be up`, () => {
      const s = session(agentId);
      return s?.state === 'idle' ? s : undefined;
    }, 10_000);

  it('a slow phone answers once at login; each call is bridged to the waiting leg at once and it parks again after', async () => {
    await h.queue('nailed', { nailedUp: true, wrapUpSec: 1 });
    // A phone that takes 1.5 s to answer: paid once, at login.
    const agentId = await h.agent('7101', ['nailed'], { answerDelayMs: 1500 });
    const s = await idleSession(agentId);
    const leg = h.sim.channel(s.uuid)!;
    expect(leg.variables.switchboard_nailed_agent).toBe(String(agentId));
    expect(leg.variables.park_after_bridge).toBe('true');
    expect(leg.variables.hangup_after_bridge).toBe('false');

    for (const from of ['+14155550201', '+14155550202']) {
      const channelsBefore = h.sim.channels().length;
      const started = Date.now();
      const caller = h.call('nailed', from);
      await waitFor('the caller bridged to the nailed-up leg', () => h.sim.channel(caller)?.bridgedTo === s.uuid, 5_000);
      // Far below the phone's 1.5 s ring: nothing rang.
      expect(Date.now() - started).toBeLessThan(1400);
      // Only the caller's own leg was created.
      expect(h.sim.channels().length).toBe(channelsBefore + 1);
      expect(h.state(agentId)).toBe('on_call');
      const model = h.sim.rawChannel(s.uuid)!;
      await waitFor('the beep', () => model.displaced.length > 0);
      expect(model.displaced.at(-1)).toBe(NAILED_UP_BEEP);
      model.displaced.length = 0;
      h.sim.hangup(caller);
      await waitFor('the agent back to available', () => h.state(agentId) === 'available', 5_000);
      // The leg stayed up and parked, the session is idle again.
      expect(h.sim.channel(s.uuid)?.application).toBe('park');
      expect(session(agentId)).toMatchObject({ uuid: s.uuid, state: 'idle' });
      const row = await h.queueCall(caller);
      expect(row.outcome).toBe('answered');
      expect(row.agent_id).toBe(agentId);
    }
    h.service.acd.engine.logout(agentId);
    await waitFor('the session leg hung up at logout', () => !h.sim.channel(s.uuid), 5_000);
    expect(session(agentId)).toBeUndefined();
  }, 60_000);

  it('the agent hanging the phone up ends the call and the session; the next readiness dials a new one', async () => {
    await h.queue('nailed2', { nailedUp: true, wrapUpSec: 1 });
    const agentId = await h.agent('7102', ['nailed2'], { answerDelayMs: 200 });
    const first = await idleSession(agentId);
    const caller = h.call('nailed2', '+14155550203');
    await waitFor('the call on the nailed-up leg', () => h.sim.channel(caller)?.bridgedTo === first.uuid, 5_000);
    expect(h.sim.softphoneHangup('7102')).toBeGreaterThan(0);
    await waitFor('the caller hung up with the bridge (hangup_after_bridge)', () => !h.sim.channel(caller), 5_000);
    const second = await idleSession(agentId);
    expect(second.uuid).not.toBe(first.uuid);
    expect((await h.queueCall(caller)).outcome).toBe('answered');
    h.service.acd.engine.logout(agentId);
    await waitFor('the session gone', () => !h.sim.channel(second.uuid), 5_000);
  }, 60_000);

  it("the agent's hang-up button ends the customer's side only: the session waits for the next call", async () => {
    await h.queue('nailed3', { nailedUp: true, wrapUpSec: 1 });
    const agentId = await h.agent('7104', ['nailed3'], { answerDelayMs: 200 });
    const s = await idleSession(agentId);
    const caller = h.call('nailed3', '+14155550205');
    await waitFor('the call on the nailed-up leg', () => h.sim.channel(caller)?.bridgedTo === s.uuid, 5_000);
    const res = await h.api(`/api/v1/acd/agents/${agentId}/call/hangup`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { killed: string[] }).killed).toEqual([caller]);
    await waitFor('the caller gone', () => !h.sim.channel(caller), 5_000);
    await waitFor('the agent available again', () => h.state(agentId) === 'available', 5_000);
    expect(h.sim.channel(s.uuid)?.application).toBe('park');
    expect(session(agentId)).toMatchObject({ uuid: s.uuid, state: 'idle' });
    h.service.acd.engine.logout(agentId);
    await waitFor('the session gone', () => !h.sim.channel(s.uuid), 5_000);
  }, 30_000);

  it('a queue without nailedUp rings the phone for each offer as before', async () => {
    await h.queue('plain');
    const agentId = await h.agent('7103', ['plain'], { answerDelayMs: 100, hangupAfterMs: 200 });
    await sleep(300);
    expect(session(agentId)).toBeUndefined();
    const caller = h.call('plain', '+14155550204');
    await h.finish([agentId], [caller]);
    h.service.acd.engine.logout(agentId);
  }, 30_000);
});
