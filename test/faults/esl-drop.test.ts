/**
 * Issue 11's ESL drop and reconnect fault, on the simulator with the whole service: 30 callers for 10 agents (20
 * wait in queue while 10 ring or talk), and the simulator cuts every ESL socket (as `reload mod_event_socket` or a
 * network failure does) mid-queue, mid-talk, and twice in a row. The service reconnects and resyncs; then every
 * call runs to its end. Afterwards: each leg the switch had has exactly one CDR row, no agent is stuck, every caller
 * who waited was kept in the queue and answered, and the calls in talk stayed up through the drop.
 *
 * No call ends while the service is blind (between the drop and the reconnect): its CHANNEL_HANGUP_COMPLETE would
 * go to no listener, and that CDR can only come from mod_xml_cdr (the second CDR path) — this test is about ESL.
 */
import type { SoftphoneBehavior } from '../../src/simulator';
import { describeEachEngine } from '../helpers/databases';
import { AcdHarness, sleep, waitFor } from '../acd-runtime/harness';

const AGENTS = 10;
const CALLERS = 30;

describeEachEngine('ESL drop and reconnect under load', (engine) => {
  const h = new AcdHarness(engine);
  const { queue, agent, call, state, queueCall } = h;
  /** Every channel the switch destroyed since the scenario began (its legs). */
  const legs = new Set<string>();

  beforeAll(async () => {
    await h.start();
    h.sim.engine.destroyListeners.push((ch) => legs.add(ch.uuid));
  }, 30_000);
  afterAll(() => h.stop());

  interface Load {
    name: string;
    exts: string[];
    agentIds: number[];
    callers: string[];
  }

  /**
   * A queue, its agents and its callers, with 10 ringing (phones that wait to be picked up) or talking (until hung
   * up) and 20 waiting.
   */
  async function load(name: string, firstExt: number, until: 'reserved' | 'on_call'): Promise<Load> {
    legs.clear();
    await queue(name);
    const exts = Array.from({ length: AGENTS }, (_, i) => String(firstExt + i));
    const agentIds: number[] = [];
    const phone: SoftphoneBehavior = until === 'reserved' ? { manualAnswer: true } : { answerDelayMs: 100 };
    for (const ext of exts) agentIds.push(await agent(ext, [name], phone));
    const callers: string[] = [];
    for (let i = 0; i < CALLERS; i++) {
      callers.push(call(name, `+1415556${String(firstExt + i).padStart(4, '0')}`));
      await sleep(10);
    }
    // A caller being offered still waits in the queue until the agent answers.
    const stillWaiting = until === 'reserved' ? CALLERS : CALLERS - AGENTS;
    await waitFor(
      () => `${AGENTS} agents ${until} and ${stillWaiting} waiting (${JSON.stringify(agentIds.map(state))}, ${h.service.acd.engine.waitingCalls(name).length} waiting)`,
      () =>
        agentIds.every((id) => state(id) === until) &&
        h.service.acd.engine.waitingCalls(name).length === stillWaiting &&
        (until === 'reserved' || inTalk({ name, exts, agentIds, callers }).length === AGENTS),
    );
    return { name, exts, agentIds, callers };
  }

  /** Callers bridged to their agent on the switch: [caller, agent leg]. */
  function inTalk(l: Load): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const id of l.callers) {
      const agentUuid = h.service.acd.legsOfCall(id)?.agentUuid;
      if (agentUuid && h.sim.channel(id)?.bridgedTo === agentUuid) out.push([id, agentUuid]);
    }
    return out;
  }

  const waiting = (l: Load): string[] => h.service.acd.engine.waitingCalls(l.name).map((c) => c.id).sort();

  /**
   * Cuts every ESL socket `times` times, each further cut landing on the connection the previous reconnect opened,
   * and returns once the service has seen the last cut and is connected again. (Right after a cut the client still
   * says 'ready' until its socket's close arrives: a test that went on then would end calls while it is blind.)
   */
  async function dropAndReconnect(times: number): Promise<void> {
    const client = h.service.cluster.client('sim1');
    const resyncs = h.service.acd.stats().resyncs;
    const statuses: string[] = [];
    const onStatus = (status: string): void => void statuses.push(status);
    client.on('status', onStatus);
    try {
      for (let i = 0; i < times; i++) {
        // The next cut hits the new connection while it logs in and subscribes (or just after).
        if (i > 0) await waitFor('the service to reconnect', () => h.sim.connectionCount() > 0);
        statuses.length = 0;
        expect(h.sim.dropConnections()).toBeGreaterThan(0);
      }
      await waitFor(
        () => `the service to see the cut and connect again (${statuses.join(' ')})`,
        () => statuses.includes('reconnecting') && statuses.lastIndexOf('ready') > statuses.lastIndexOf('reconnecting') && h.service.cluster.allConnected(),
      );
    } finally {
      client.off('status', onStatus);
    }
    // The new connection's epoch made the ACD check which legs survived.
    await waitFor('the ACD resync', () => h.service.acd.stats().resyncs > resyncs);
  }

  /** The calls in talk end (half by the caller, half by the agent's phone); the next ones end by themselves. */
  async function letEveryCallEnd(l: Load): Promise<void> {
    const talkAndHangUp: SoftphoneBehavior = { manualAnswer: false, answerDelayMs: 100, hangupAfterMs: 300 };
    for (const ext of l.exts) expect(h.sim.setSoftphoneBehavior(ext, talkAndHangUp)).toBe(true);
    await waitFor('the first 10 calls in talk', () => inTalk(l).length === AGENTS);
    inTalk(l).forEach(([caller], i) => {
      if (i % 2 === 0) h.sim.hangup(caller);
      else h.sim.softphoneHangup(String(h.sim.channel(h.service.acd.legsOfCall(caller)!.agentUuid!)!.variables.dialed_user));
    });
    await h.finish(l.agentIds, l.callers);
  }

  /** Every leg the switch had has exactly one CDR; every caller was answered; nobody is stuck. */
  async function checkOutcome(l: Load): Promise<void> {
    for (const id of l.callers) expect((await queueCall(id)).outcome).toBe('answered');
    expect(legs.size).toBeGreaterThanOrEqual(2 * CALLERS);
    const uuids = [...legs];
    const counts = await waitFor(
      'a CDR row for every leg',
      async () => {
        await h.service.cdrWriter.flush();
        const rows = (await h.service.dataSource.query(
          `SELECT uuid, COUNT(*) AS n FROM cdrs WHERE uuid IN (${uuids.map(() => '?').join(',')}) GROUP BY uuid`,
          uuids,
        )) as Array<{ uuid: string; n: number | string }>;
        return rows.length === uuids.length ? rows : undefined;
      },
      20_000,
    );
    expect(counts.filter((r) => Number(r.n) !== 1)).toEqual([]);
    const duplicated = (await h.service.dataSource.query(`SELECT uuid, COUNT(*) AS n FROM cdrs GROUP BY uuid HAVING COUNT(*) > 1`)) as unknown[];
    expect(duplicated).toEqual([]);
    expect(h.service.acd.stuckAgents(h.live())).toEqual([]);
    for (const id of l.agentIds) expect(state(id)).toBe('available');
  }

  it('mid-queue (10 agents ringing, 20 waiting): the offers survive, the waiting callers stay queued, all are answered', async () => {
    const l = await load('dropq', 6000, 'reserved');
    const queued = waiting(l);
    await dropAndReconnect(1);
    expect(waiting(l)).toEqual(queued);
    for (const id of queued) expect(h.sim.channel(id)).toBeDefined();
    // The originate replies of the ringing offers were lost with the socket; the agents pick up now.
    for (const ext of l.exts) expect(h.sim.softphoneAnswer(ext)).toBe(true);
    await waitFor('the rung agents to answer', () => l.agentIds.every((id) => state(id) === 'on_call') && inTalk(l).length === AGENTS);
    const answered = new Set(inTalk(l).map(([caller]) => caller));
    expect(waiting(l)).toEqual(queued.filter((id) => !answered.has(id)));
    await letEveryCallEnd(l);
    await checkOutcome(l);
  }, 120_000);

  // Mid-talk, once and twice in a row (the second cut hits the reconnect): the same outcome.
  it.each([
    ['mid-talk (10 in talk, 20 waiting): the calls in talk stay up, the waiting callers stay queued, all are answered', 'dropt', 6100, 1],
    ['twice in a row (the second cut hits the reconnect): same outcome', 'drop2', 6200, 2],
  ])('%s', async (_title, queueName, firstExt, cuts) => {
    const l = await load(queueName, firstExt, 'on_call');
    const talking = inTalk(l);
    const queued = waiting(l);
    await dropAndReconnect(cuts);
    expect(inTalk(l)).toEqual(talking);
    expect(waiting(l)).toEqual(queued);
    for (const id of l.agentIds) expect(state(id)).toBe('on_call');
    await letEveryCallEnd(l);
    await checkOutcome(l);
  }, 120_000);
});
