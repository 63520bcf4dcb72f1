/**
 * End to end: the service stops while calls run on FreeSWITCH (callers on hold, callers talking to agents) and a new
 * instance starts on the same database and switch. It must take the calls over from what FreeSWITCH and the database
 * say (src/acd/runtime/takeover-plan.ts): the waiting callers keep their order and get the agents when they free up,
 * the agents talking stay on_call until their call ends and then wrap up, every leg gets exactly one CDR linked to
 * its queue call, and nobody is stuck.
 */
import type { CdrRow } from '../../src/db/entities/cdr';
import { describeEachEngine } from '../helpers/databases';
import { AcdHarness, GATEWAY, sleep, waitFor } from './harness';

describeEachEngine('ACD takeover of the calls already on the switch', (engine) => {
  const h = new AcdHarness(engine);

  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  it('a restart keeps waiting callers in order and talking agents on their calls', async () => {
    await h.queue('tk', { wrapUpSec: 1 });
    // The first two calls last until the test hangs them up: with a timed hangup, a restart slowed by a loaded
    // machine could outlast them, leaving nothing talking to take over.
    const a = await h.agent('5100', ['tk'], { answerDelayMs: 80 });
    const b = await h.agent('5101', ['tk'], { answerDelayMs: 80 });
    const callers: string[] = [];
    for (let i = 0; i < 5; i++) {
      callers.push(h.call('tk', `+1415555${String(2100 + i)}`));
      await sleep(120);
    }
    // Two talking, three on hold.
    await waitFor('two callers bridged to agents', () => h.sim.channels().filter((c) => callers.includes(c.uuid) && c.bridgedTo).length === 2);
    await waitFor('three callers waiting', () => h.service.acd.engine.waitingCalls('tk').length === 3);
    const waitingBefore = h.service.acd.engine.waitingCalls('tk').map((c) => c.id);
    const talking = h.sim.channels().filter((c) => callers.includes(c.uuid) && c.bridgedTo).map((c) => c.uuid);
    const enteredBefore = new Map(h.service.acd.engine.waitingCalls('tk').map((c) => [c.id, c.enteredAt]));

    await h.restartService();

    // The new instance holds the same calls, from the switch and the database.
    expect(h.service.acd.engine.waitingCalls('tk').map((c) => c.id)).toEqual(waitingBefore);
    for (const c of h.service.acd.engine.waitingCalls('tk')) expect(c.enteredAt).toBe(enteredBefore.get(c.id));
    expect(h.service.acd.stats()).toMatchObject({ connectedCalls: 2, takeovers: 1 });
    for (const id of [a, b]) expect(h.state(id)).toBe('on_call');
    for (const uuid of talking) expect(h.service.acd.legsOfCall(uuid)).toMatchObject({ callerUuid: uuid });

    // Everyone is answered in the end: the talking calls end, their agents wrap up and take the waiting ones.
    for (const ext of ['5100', '5101']) {
      h.sim.setSoftphoneBehavior(ext, { answerDelayMs: 80, hangupAfterMs: 2500 });
      expect(h.sim.softphoneHangup(ext)).toBe(1);
    }
    await h.finish([a, b], callers);
    for (const id of callers) {
      const row = await h.queueCall(id);
      expect(row).toMatchObject({ queue: 'tk', outcome: 'answered' });
      expect([a, b]).toContain(Number(row.agent_id));
    }
    // One CDR per leg, each linked to its queue call; the adopted calls' agent legs too.
    await h.service.cdrWriter.flush();
    for (const id of callers) {
      const rows = (await h.service.dataSource.query(`SELECT uuid, queue_call_id, agent_id FROM cdrs WHERE uuid = ?`, [id])) as CdrRow[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.queue_call_id).toBe(id);
      const legs = await h.cdrsOfCall(id);
      expect(legs.length).toBe(2);
      expect(new Set(legs.map((l) => l.uuid)).size).toBe(2);
    }
    const dup = (await h.service.dataSource.query(`SELECT uuid, COUNT(*) AS n FROM cdrs GROUP BY uuid HAVING COUNT(*) > 1`)) as unknown[];
    expect(dup).toEqual([]);
  }, 60_000);

  it('an offer ringing when the service stopped is hung up and the caller is offered again', async () => {
    await h.queue('tk2', { wrapUpSec: 0 });
    const slow = await h.agent('5200', ['tk2'], { answerDelayMs: 60_000 });
    const caller = h.call('tk2', '+14155552200');
    await waitFor('the agent phone to ring', () => h.sim.channels().some((c) => c.destinationNumber === '5200' || c.name.includes('5200')));
    await h.restartService();
    // The stray ringing leg is gone, and the caller rings the agent again from the new instance.
    await waitFor('the caller to be offered again', () => h.service.acd.stats().ringingLegs === 1);
    expect(h.service.acd.engine.waitingCalls('tk2').map((c) => c.id)).toEqual([caller]);
    h.sim.setSoftphoneBehavior('5200', { answerDelayMs: 80, hangupAfterMs: 200 });
    h.sim.hangup(caller);
    // The offer ends with its originate's reply (the cancelled job), which may come a moment after the channels went.
    await waitFor('the offer to end', () => h.service.acd.stats().ringingLegs === 0);
    await h.finish([slow], [caller]);
  }, 60_000);

  it('a callback request held in memory keeps its place across a restart and is dialled by the new instance', async () => {
    await h.queue('tkcb', { callbackKey: '*', callbackConnect: 'customer_first', wrapUpSec: 0 });
    const a = await h.agent('5300', ['tkcb'], { answerDelayMs: 100 }, { ready: false });
    const first = '+14155553301';
    const second = '+14155553302';
    for (const n of [first, second]) h.sim.setGatewayOutcome(n, { outcome: 'answer', ringMs: 100, hangupAfterMs: 600 });
    const ids: string[] = [];
    for (const n of [first, second]) {
      const id = h.call('tkcb', n);
      ids.push(id);
      await waitFor('the call to be queued', () => h.service.acd.engine.waitingCalls('tkcb').some((c) => c.id === id));
      await sleep(200);
      expect(h.sim.pressDigits(id, '*')).toBe(true);
      await waitFor('the caller to be hung up after the confirmation', () => !h.sim.channel(id));
    }
    const before = h.service.acd.engine.waitingCalls('tkcb').map((c) => [c.id, c.enteredAt]);
    expect(before.map(([id]) => id)).toEqual(ids);

    await h.restartService();

    // Both requests are back in the queue, in their order and with their entry time, though no channel is left.
    expect(h.service.acd.engine.waitingCalls('tkcb').map((c) => [c.id, c.enteredAt])).toEqual(before);
    h.service.acd.engine.setReady(a);
    for (const [i, n] of [first, second].entries()) {
      const customer = await waitFor(`customer ${i + 1} to be dialled`, () => h.events.find((e) => e.name === 'CHANNEL_CREATE' && e.channel?.includes(`gateway/${GATEWAY}/${n}`)));
      await waitFor(`customer ${i + 1} bridged to the agent`, () => h.eventsOf(customer.uuid, 'CHANNEL_BRIDGE').length > 0, 15_000);
    }
    await h.finish([a], ids);
    for (const id of ids) {
      const row = await h.queueCall(id);
      expect(row).toMatchObject({ outcome: 'callback_requested' });
      expect(Number(row.agent_id)).toBe(a);
      const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>;
      expect(data.final_outcome).toBe('answered');
    }
  }, 60_000);

  it('callbacks being dialled back across a restart: the one talking stays with its agent, the one waiting on the line gets an agent', async () => {
    await h.queue('tkcd', { callbackKey: '*', callbackConnect: 'customer_first', wrapUpSec: 0, offerTimeoutSec: 30 });
    // The talker's agent answers at once; the other agent's phone rings for a long time (the customer waits on music).
    // The talker's call lasts until the test hangs it up, so the waiting customer can only go to the other agent
    // (with a timed hangup the quick agent could free up first on a slow machine and take it).
    const quick = await h.agent('5400', ['tkcd'], { answerDelayMs: 100 }, { ready: false });
    const slow = await h.agent('5401', ['tkcd'], { answerDelayMs: 60_000 }, { ready: false });
    const talker = '+14155553401';
    const waiter = '+14155553402';
    h.sim.setGatewayOutcome(talker, { outcome: 'answer', ringMs: 100 });
    h.sim.setGatewayOutcome(waiter, { outcome: 'answer', ringMs: 100, hangupAfterMs: 20_000 });
    const ask = async (n: string): Promise<string> => {
      const id = h.call('tkcd', n);
      await waitFor('the call to be queued', () => h.service.acd.engine.waitingCalls('tkcd').some((c) => c.id === id));
      await sleep(200);
      expect(h.sim.pressDigits(id, '*')).toBe(true);
      await waitFor('the caller to be hung up after the confirmation', () => !h.sim.channel(id));
      return id;
    };
    const talkId = await ask(talker);
    h.service.acd.engine.setReady(quick);
    const customerOf = (n: string) => waitFor(`the customer leg of ${n}`, () => h.events.find((e) => e.name === 'CHANNEL_CREATE' && e.channel?.includes(`gateway/${GATEWAY}/${n}`)));
    const talkLeg = (await customerOf(talker)).uuid;
    await waitFor('the first customer bridged to the agent', () => h.eventsOf(talkLeg, 'CHANNEL_BRIDGE').length > 0);
    const waitId = await ask(waiter);
    h.service.acd.engine.setReady(slow);
    const waitLeg = (await customerOf(waiter)).uuid;
    await waitFor('the second customer answered, on music, the slow agent ringing', () => h.eventsOf(waitLeg, 'CHANNEL_ANSWER').length > 0 && h.service.acd.stats().ringingLegs === 1);

    await h.restartService();

    // The talking callback is the agent's call; the waiting customer is in the queue again (its stray offer hung up).
    expect(h.state(quick)).toBe('on_call');
    expect(h.service.acd.legsOfAgent(quick)).toMatchObject({ callerUuid: talkLeg });
    expect(h.service.acd.engine.waitingCalls('tkcd').map((c) => c.id)).toEqual([waitId]);
    expect(h.sim.channel(waitLeg)).toBeDefined();
    // The slow agent's phone now answers: the new instance's offer of the waiting customer is taken.
    h.sim.setSoftphoneBehavior('5401', { answerDelayMs: 100, hangupAfterMs: 500 });
    await waitFor('the waiting customer bridged to an agent', () => h.service.acd.legsOfCall(waitId)?.callerUuid === waitLeg && h.sim.whoDoesHear(waitLeg).length > 0, 20_000);
    expect(h.state(quick)).toBe('on_call');
    expect(h.sim.softphoneHangup('5400')).toBe(1);
    await h.finish([quick, slow], [talkId, waitId]);
    for (const [id, agent] of [[talkId, quick], [waitId, slow]] as const) {
      const row = await h.queueCall(id);
      expect(row).toMatchObject({ outcome: 'callback_requested' });
      expect(Number(row.agent_id)).toBe(agent);
      const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>;
      expect(data.final_outcome).toBe('answered');
    }
  }, 60_000);
});
