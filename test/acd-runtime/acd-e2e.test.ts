/**
 * End to end: the simulator on a real TCP port and the whole service with the ACD. Callers dial a DID whose flow
 * queues them; agents on simulated softphones answer slowly, never answer, reject; callers hang up while queued and
 * while an agent rings; an agent logs out mid-offer; the FreeSWITCH connection drops in the middle. Every time the
 * engine must end with no agent reserved or on a call that is gone, and the history tables and CDRs must say what
 * happened.
 */
import type { AcdAgentStateLogRow } from '../../src/db/entities/acd-history';
import type { CdrRow } from '../../src/db/entities/cdr';
import { describeEachEngine } from '../helpers/databases';
import { AcdHarness, sleep, waitFor } from './harness';

describeEachEngine('ACD runtime end to end', (engine) => {
  const h = new AcdHarness(engine);
  const { queue, agent, call, state, queueCall, offers, cdr, settled } = h;

  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  it('many callers, many agents: every call is answered, history and CDRs are linked, nobody is stuck', async () => {
    await queue('sales');
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await agent(String(3000 + i), ['sales'], { answerDelayMs: 100 + i * 60, hangupAfterMs: 400 + i * 100 }));
    const callers: string[] = [];
    for (let i = 0; i < 14; i++) {
      callers.push(call('sales', `+1415555${String(1000 + i)}`));
      await sleep(60);
    }
    await settled(ids);
    for (const id of callers) {
      const row = await queueCall(id);
      expect(row).toMatchObject({ queue: 'sales', outcome: 'answered' });
      expect(ids).toContain(Number(row.agent_id));
      expect(Number(row.offered_count)).toBeGreaterThanOrEqual(1);
      expect(Number(row.wait_ms)).toBeGreaterThanOrEqual(0);
      expect(Number(row.talk_ms)).toBeGreaterThan(0);
      expect(row.answered_at).not.toBeNull();
      const rows = await offers(id);
      expect(rows.some((o) => o.result === 'answered' && Number(o.agent_id) === Number(row.agent_id))).toBe(true);
      const c = await cdr(id);
      expect(c.queue_call_id).toBe(id);
      expect(Number(c.agent_id)).toBe(Number(row.agent_id));
    }
    // The agent legs carry the queue call too.
    const agentLegs = (await h.service.dataSource.query(`SELECT uuid, queue_call_id, agent_id FROM cdrs WHERE queue_call_id IS NOT NULL AND uuid <> queue_call_id`)) as CdrRow[];
    expect(agentLegs.length).toBeGreaterThanOrEqual(callers.length);
    const states = (await h.service.dataSource.query(`SELECT * FROM acd_agent_state_log WHERE agent_id = ? ORDER BY id`, [ids[0]])) as AcdAgentStateLogRow[];
    expect(states.map((s) => s.state)).toEqual(expect.arrayContaining(['available', 'reserved', 'on_call', 'wrap_up']));
    for (const s of states.slice(1)) expect(Number(s.version)).toBeGreaterThan(0);
  }, 60_000);

  it('an agent who does not answer: the next agent is tried; after maxNoAnswer misses in a row they are set not ready', async () => {
    await queue('nask');
    const deaf = await agent('3100', ['nask'], { noAnswer: true });
    await sleep(20);
    const good = await agent('3101', ['nask'], { answerDelayMs: 150, hangupAfterMs: 300 });
    const first = call('nask');
    const r1 = await queueCall(first);
    expect(r1).toMatchObject({ outcome: 'answered' });
    expect(Number(r1.agent_id)).toBe(good);
    const o1 = await offers(first);
    expect(o1.map((o) => [Number(o.agent_id), o.result])).toEqual([
      [deaf, 'no_answer'],
      [good, 'answered'],
    ]);
    await waitFor('the good agent to be free', () => state(good) === 'available');
    const second = call('nask');
    const r2 = await queueCall(second);
    expect(Number(r2.agent_id)).toBe(good);
    await waitFor('the deaf agent to be set not ready', () => state(deaf) === 'not_ready');
    expect(h.service.acd.engine.agent(deaf)?.reason).toBe('no_answer');
    await settled([deaf, good]);
  }, 60_000);

  it('callers who hang up while queued or while an agent rings are abandons with their wait; the agent is released', async () => {
    await queue('lonely');
    const ringer = await agent('3200', ['lonely'], { noAnswer: true }, { ready: false });
    // Nobody ready: the caller waits, then gives up.
    const waiting = call('lonely');
    await waitFor('the call to be queued', () => h.service.acd.engine.waitingCalls('lonely').some((c) => c.id === waiting));
    await sleep(700);
    h.sim.hangup(waiting);
    const r1 = await queueCall(waiting);
    expect(r1.outcome).toBe('abandoned');
    expect(Number(r1.wait_ms)).toBeGreaterThanOrEqual(600);
    expect(Number(r1.offered_count)).toBe(0);

    // The agent is ready now and rings; the caller hangs up during the ring.
    h.service.acd.engine.setReady(ringer);
    const ringing = call('lonely');
    await waitFor('the agent to be rung', () => state(ringer) === 'reserved' && h.sim.channels().length === 2);
    await sleep(300);
    h.sim.hangup(ringing);
    const r2 = await queueCall(ringing);
    expect(r2.outcome).toBe('abandoned');
    expect(Number(r2.offered_count)).toBe(1);
    const o = await waitFor('the cancelled offer row', async () => ((await offers(ringing)).length ? offers(ringing) : undefined));
    expect(o.map((x) => x.result)).toEqual(['cancelled']);
    await settled([ringer]);
    expect(state(ringer)).toBe('available');
  }, 60_000);

  it('an agent logging out mid-offer: the ring stops and the call goes to another agent', async () => {
    await queue('logout');
    const leaver = await agent('3300', ['logout'], { noAnswer: true });
    await sleep(20);
    const stayer = await agent('3301', ['logout'], { answerDelayMs: 150, hangupAfterMs: 300 });
    const id = call('logout');
    await waitFor('the first agent to ring', () => state(leaver) === 'reserved');
    await sleep(200);
    h.service.acd.engine.logout(leaver, 'end_of_shift');
    const row = await queueCall(id);
    expect(row.outcome).toBe('answered');
    expect(Number(row.agent_id)).toBe(stayer);
    expect(state(leaver)).toBe('logged_out');
    const o = await offers(id);
    expect(o.map((x) => [Number(x.agent_id), x.result])).toEqual([
      [leaver, 'cancelled'],
      [stayer, 'answered'],
    ]);
    await settled([leaver, stayer]);
  }, 60_000);

  it('a FreeSWITCH reconnect in the middle: calls that ended meanwhile end in the engine, nobody is stuck', async () => {
    await queue('reconnect');
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await agent(String(3400 + i), ['reconnect'], { answerDelayMs: 100, hangupAfterMs: 60_000 }));
    const callers = Array.from({ length: 5 }, (_, i) => call('reconnect', `+1415555${2000 + i}`));
    await waitFor('three calls connected', () => ids.every((id) => state(id) === 'on_call'));
    await waitFor('two callers queued', () => h.service.acd.engine.waitingCalls('reconnect').length === 2);
    const epochBefore = h.service.cluster.client('sim1').connectionEpoch;
    h.sim.dropConnections();
    // While the service is blind: one connected call ends on the agent's side, one waiting caller gives up.
    const connected = callers.filter((c) => !h.service.acd.engine.waitingCalls('reconnect').some((w) => w.id === c));
    const queued = callers.filter((c) => !connected.includes(c));
    h.sim.softphoneHangup(String(h.sim.channel(h.service.acd.legsOfCall(connected[0]!)!.agentUuid!)?.variables.dialed_user ?? '3400'));
    h.sim.hangup(queued[0]!);
    await waitFor('the reconnect', () => h.service.cluster.client('sim1').connectionEpoch > epochBefore && h.service.cluster.allConnected(), 20_000);
    const r1 = await queueCall(queued[0]!);
    expect(r1.outcome).toBe('abandoned');
    // The freed agent takes the other waiting caller; then everybody hangs up.
    await waitFor('the remaining caller connected', () => h.service.acd.engine.waitingCalls('reconnect').length === 0);
    for (const ext of ['3400', '3401', '3402']) h.sim.softphoneHangup(ext);
    await waitFor('all connected calls to end', () => h.sim.channels().length === 0);
    await settled(ids);
    const row = await queueCall(connected[0]!);
    expect(row.outcome).toBe('answered');
  }, 60_000);

  it('a uuid_bridge lost in a reconnect and the agent gone before the resync: the caller is hung up, not left parked', async () => {
    await queue('lostbridge');
    const a = await agent('3450', ['lostbridge'], { answerDelayMs: 100, hangupAfterMs: 40 });
    h.sim.dropConnectionsOnNext('uuid_bridge');
    const id = call('lostbridge', '+14155552100');
    await waitFor('the caller to be hung up', () => !h.sim.channel(id));
    const row = await queueCall(id);
    expect(row.outcome).toBe('answered');
    expect(Number(row.agent_id)).toBe(a);
    await settled([a]);
  }, 60_000);

  it('the callback key: the caller leaves a callback, the agent is rung first, then the customer, and they are bridged', async () => {
    await queue('cb', { callbackKey: '*', callbackConnect: 'agent_first' });
    const cbAgent = await agent('3500', ['cb'], { answerDelayMs: 100 }, { ready: false });
    const from = '+14155553333';
    h.sim.setGatewayOutcome(from, { outcome: 'answer', ringMs: 200, hangupAfterMs: 500 });
    const id = call('cb', from);
    await waitFor('the call to be queued', () => h.service.acd.engine.waitingCalls('cb').some((c) => c.id === id));
    await sleep(300);
    h.sim.pressDigits(id, '*');
    await waitFor('the caller to be hung up', () => !h.sim.channel(id));
    h.service.acd.engine.setReady(cbAgent);
    const row = await queueCall(id);
    expect(row.outcome).toBe('callback_requested');
    expect(Number(row.agent_id)).toBe(cbAgent);
    const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
    expect(data.final_outcome).toBe('answered');
    await settled([cbAgent]);
    // The callback's caller left long ago; once the callback ended too, nothing of it is kept.
    await waitFor('the callback to be forgotten', () => h.service.acd.callData(id) === undefined || undefined);
  }, 60_000);

  it('what a call entered with is kept while it is held and forgotten once it ended and its caller is gone', async () => {
    await queue('forget');
    const a = await agent('3600', ['forget'], { answerDelayMs: 100, hangupAfterMs: 300 }, { ready: false });
    const abandoned = call('forget', '+14155554001');
    await waitFor('the call to be queued', () => h.service.acd.engine.waitingCalls('forget').some((c) => c.id === abandoned));
    expect(h.service.acd.callData(abandoned)).toMatchObject({ queue: 'forget', callerNumber: '+14155554001' });
    h.sim.hangup(abandoned);
    expect((await queueCall(abandoned)).outcome).toBe('abandoned');
    h.service.acd.engine.setReady(a);
    const answered = call('forget', '+14155554002');
    await waitFor('the call to be connected', () => state(a) === 'on_call' || undefined);
    expect(h.service.acd.callData(answered)).toMatchObject({ queue: 'forget', callerNumber: '+14155554002' });
    expect((await queueCall(answered)).outcome).toBe('answered');
    await settled([a]);
    for (const id of [abandoned, answered]) await waitFor(`call ${id} to be forgotten`, () => h.service.acd.callData(id) === undefined || undefined);
  }, 60_000);
});
