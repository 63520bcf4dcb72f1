/**
 * Issue 11's slow-consumer / event-storm fault, on the simulator with the whole service: FreeSWITCH kills a
 * listener that falls behind (mod_event_socket: MAX_QUEUE_LEN queued, then MAX_MISSED lost events), so the ESL
 * client must read the socket at wire speed whatever its consumers do, drop what they cannot take (the oldest,
 * counted in switchboard_esl_events_dropped_total) and then repair the state those events carried by a resync.
 *
 * The storm is a burst of HEARTBEATs (what `sendevent HEARTBEAT` in a loop makes a real FreeSWITCH send), the slow
 * consumer an event listener that burns CPU for each event. The simulator's listener queue is scaled down from
 * FreeSWITCH's 100000 so that a listener that stops reading is killed within a storm a test can afford.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { engines } from '../helpers/databases';
import { AcdHarness, waitFor } from '../acd-runtime/harness';

const QUEUE_MAX = 200;
const STORM = 20_000;
/** Per event: far slower than the socket delivers them, so the bounded queue overflows. */
const SLOW_CONSUMER_MS = 0.5;

function burn(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the consumer holds the thread as a slow synchronous handler would
  }
}

/** A raw ESL listener subscribed to HEARTBEAT that stops reading its socket once subscribed (a lagging consumer). */
async function laggingListener(port: number, password: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('auth/request') && !seen.includes('sent-auth')) {
        seen += 'sent-auth';
        socket.write(`auth ${password}\n\n`);
      }
      if (seen.includes('+OK accepted') && !seen.includes('sent-event')) {
        seen += 'sent-event';
        socket.write('event plain HEARTBEAT\n\n');
      }
      if (seen.includes('+OK event listener enabled')) resolve();
    });
  });
  socket.removeAllListeners('data');
  socket.on('error', () => undefined);
  socket.pause();
  return socket;
}

describe('ESL event storm and slow consumer', () => {
  const h = new AcdHarness(engines.sqlite, { env: { ESL_EVENT_QUEUE_MAX: String(QUEUE_MAX) }, simulator: { maxQueue: 2000, maxMissed: 500 } });
  const { queue, agent, call, state, queueCall } = h;

  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  it('keeps reading the socket through a storm: a lagging listener is killed, ours is not; the overflow is dropped, counted and exported', async () => {
    const client = h.service.cluster.client('sim1');
    const before = client.stats();
    const lagging = await laggingListener(h.sim.port, 'acd-secret');
    expect(h.sim.connectionCount()).toBe(2);
    const resyncs: number[] = [];
    const offResync = h.service.cluster.onResync((_node, dropped) => resyncs.push(dropped));
    const offSlow = h.service.cluster.onEvent(() => burn(SLOW_CONSUMER_MS));
    try {
      await h.sim.heartbeatStorm(STORM);
      // FreeSWITCH's rule, applied by the simulator: the listener that stopped reading was killed...
      await waitFor('the lagging listener to be killed', () => h.sim.connectionCount() === 1);
      await waitFor('the service to receive the whole storm', () => client.stats().eventsReceived - before.eventsReceived >= STORM);
      await waitFor('the queue to drain', () => client.stats().queueDepth === 0);
      // The drops announce a resync of the node (the ACD, dialer and registrations listen), after the burst.
      await waitFor('the resync signal', () => resyncs.length > 0);
    } finally {
      offSlow();
      offResync();
      lagging.destroy();
    }
    const after = client.stats();
    // ...ours was read at wire speed: the same connection, every event of the storm received from the socket,
    // the excess dropped in the client's queue rather than left on the switch.
    expect(after.connectionEpoch).toBe(before.connectionEpoch);
    expect(after.reconnects).toBe(before.reconnects);
    expect(after.status).toBe('ready');
    expect(after.eventsDropped - before.eventsDropped).toBeGreaterThan(0);
    expect(after.eventsDropped - before.eventsDropped).toBeLessThan(STORM);
    expect(resyncs[0]).toBeGreaterThan(before.eventsDropped);

    const metrics = await (await h.api('/metrics')).text();
    const exported = /switchboard_esl_events_dropped_total\{node="sim1"\} (\d+)/.exec(metrics);
    expect(Number(exported?.[1])).toBe(after.eventsDropped);
    const health = (await (await h.api('/healthz')).json()) as { freeswitch: Array<{ node: string; events_dropped: number; status: string }> };
    expect(health.freeswitch).toEqual([expect.objectContaining({ node: 'sim1', status: 'connected', events_dropped: after.eventsDropped })]);
  }, 120_000);

  it('repairs the state after a storm swallowed the hangup of a call in talk: the agent is freed and takes the next caller', async () => {
    await queue('storm');
    const ext = '4100';
    const a = await agent(ext, ['storm'], { answerDelayMs: 100 });
    const first = call('storm', '+14155554100');
    await waitFor('the first call in talk', () => state(a) === 'on_call' && h.sim.channel(first)?.bridgedTo !== undefined);
    const agentUuid = h.service.acd.legsOfCall(first)?.agentUuid;
    expect(agentUuid).toBeDefined();
    const second = call('storm', '+14155554101');
    await waitFor('the second caller queued', () => h.service.acd.engine.waitingCalls('storm').some((c) => c.id === second));

    const client = h.service.cluster.client('sim1');
    const droppedBefore = client.stats().eventsDropped;
    const offSlow = h.service.cluster.onEvent(() => burn(SLOW_CONSUMER_MS));
    try {
      const storm = h.sim.heartbeatStorm(STORM);
      // The queue is overflowing: the agent hangs up in the middle of the storm.
      await waitFor('the queue to overflow', () => client.stats().eventsDropped > droppedBefore);
      expect(h.sim.softphoneHangup(ext)).toBe(1);
      await storm;
      await waitFor('the queue to drain', () => client.stats().queueDepth === 0);
    } finally {
      offSlow();
    }
    // The premise: both legs are gone on the switch and their hangup events never reached the service.
    expect(h.sim.channel(first)).toBeUndefined();
    expect(h.sim.channel(agentUuid!)).toBeUndefined();
    expect(h.eventsOf(first, 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE')).toEqual([]);
    expect(h.eventsOf(agentUuid!, 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE')).toEqual([]);

    // The resync after the drop ends the call in the engine: the agent wraps up and takes the waiting caller.
    await waitFor(
      () => `the second caller answered (agent ${state(a)}, legs ${JSON.stringify(h.service.acd.legsOfCall(second))})`,
      () => state(a) === 'on_call' && h.service.acd.legsOfCall(second)?.agentUuid !== undefined,
    );
    const r1 = await queueCall(first);
    expect(r1).toMatchObject({ outcome: 'answered' });
    expect(Number(r1.agent_id)).toBe(a);
    expect(h.service.acd.stuckAgents(h.live())).toEqual([]);
    // The CDRs of the swallowed legs cannot come from ESL (their CHANNEL_HANGUP_COMPLETE was dropped): in production
    // mod_xml_cdr posts them (the second CDR path). Calls after the storm have theirs as usual.
    const secondAgentUuid = h.service.acd.legsOfCall(second)!.agentUuid!;
    expect(h.sim.softphoneHangup(ext)).toBe(1);
    await h.finish([a], [first, second]);
    expect((await h.cdr(second)).uuid).toBe(second);
    expect((await h.cdr(secondAgentUuid)).uuid).toBe(secondAgentUuid);
  }, 120_000);
});
