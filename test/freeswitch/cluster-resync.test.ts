/**
 * The cluster's resync signal after dropped events: one per burst of drops, RESYNC_AFTER_DROP_MS after the first
 * drop of the burst (on the cluster's clock), none while the node is not connected (its reconnect resyncs instead).
 */
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../../src/clock/clock';
import { FreeSwitchCluster, RESYNC_AFTER_DROP_MS } from '../../src/freeswitch/cluster';
import { silentLogger } from '../../src/log/logger';
import { startSimulator, type Simulator } from '../../src/simulator';

async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('FreeSwitchCluster.onResync', () => {
  let sim: Simulator;
  let cluster: FreeSwitchCluster;
  const clock = new VirtualClock();
  const signals: Array<[string, number]> = [];

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, heartbeatMs: 0 });
    cluster = new FreeSwitchCluster([{ name: 'fs1', host: '127.0.0.1', port: sim.port, password: 'ClueCon' }], {
      logger: silentLogger,
      clock,
      commandTimeoutMs: 5000,
      reconnectMaxMs: 200,
      eventQueueMax: 100,
    });
    await cluster.start();
    cluster.onResync((node, dropped) => signals.push([node, dropped]));
    // A consumer far slower than the socket: 2000 events cannot all fit in the 100-event queue.
    cluster.onEvent(() => {
      const end = performance.now() + 1;
      while (performance.now() < end) {
        // busy
      }
    });
  });

  afterAll(async () => {
    await cluster.close();
    await sim.close();
  });

  const client = (): ReturnType<FreeSwitchCluster['client']> => cluster.client('fs1');

  /** Fires `n` events at once and waits until the client has read them all and drained its queue. */
  async function burst(n: number): Promise<void> {
    const received = client().stats().eventsReceived;
    for (let i = 0; i < n; i++) sim.fireHeartbeat();
    await until('the burst read', () => client().stats().eventsReceived >= received + n && client().stats().queueDepth === 0);
  }

  it('signals once per burst, a window after its first drop, with the drop count', async () => {
    await burst(2000);
    const dropped = client().stats().eventsDropped;
    expect(dropped).toBeGreaterThan(0);
    clock.advance(RESYNC_AFTER_DROP_MS - 1);
    expect(signals).toEqual([]);
    clock.advance(1);
    expect(signals).toEqual([['fs1', dropped]]);
    clock.advance(10 * RESYNC_AFTER_DROP_MS);
    expect(signals).toHaveLength(1);

    await burst(2000);
    clock.advance(RESYNC_AFTER_DROP_MS);
    expect(signals).toEqual([
      ['fs1', dropped],
      ['fs1', client().stats().eventsDropped],
    ]);
    expect(client().stats().eventsDropped).toBeGreaterThan(dropped);
  });

  it('stays silent when the connection is lost before the window ends: the reconnect resyncs instead', async () => {
    signals.length = 0;
    const droppedBefore = client().stats().eventsDropped;
    await burst(2000);
    expect(client().stats().eventsDropped).toBeGreaterThan(droppedBefore);
    const epoch = client().connectionEpoch;
    expect(sim.dropConnections()).toBe(1);
    await until('the loss seen', () => client().status !== 'ready');
    clock.advance(RESYNC_AFTER_DROP_MS);
    expect(signals).toEqual([]);
    // The backoff runs on the virtual clock too.
    for (let i = 0; i < 100 && client().connectionEpoch === epoch; i++) {
      clock.advance(200);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(client().connectionEpoch).toBeGreaterThan(epoch);
  });
});
