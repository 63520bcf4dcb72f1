/** The cluster's health per node (what /healthz shows and the console's nodes page reads): reconnects counted. */
import { FreeSwitchCluster } from '../../src/freeswitch/cluster';
import { silentLogger } from '../../src/log/logger';
import { startSimulator } from '../../src/simulator';

async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('counts reconnects and connections per node, and reports the last heartbeat with its session count', async () => {
  const sim = await startSimulator({ seed: 3, heartbeatMs: 0 });
  const cluster = new FreeSwitchCluster([{ name: 'fs1', host: '127.0.0.1', port: sim.port, password: 'ClueCon' }], {
    logger: silentLogger,
    commandTimeoutMs: 5000,
    reconnectMaxMs: 200,
    eventQueueMax: 10_000,
  });
  try {
    await cluster.start();
    expect(cluster.health()[0]).toMatchObject({ node: 'fs1', status: 'connected', reconnects: 0, connections: 1 });
    sim.fireHeartbeat();
    await until('a heartbeat', () => cluster.health()[0]!.last_heartbeat !== undefined);
    expect(cluster.health()[0]!.last_heartbeat).toMatchObject({ session_count: 0 });

    for (const n of [1, 2]) {
      expect(sim.dropConnections()).toBe(1);
      await until(`reconnect ${n}`, () => cluster.health()[0]!.status === 'connected' && cluster.health()[0]!.connections === n + 1);
      expect(cluster.health()[0]).toMatchObject({ reconnects: n });
    }
    const h = cluster.health()[0]!;
    expect(Date.parse(h.connected_since!)).toBeGreaterThan(0);
  } finally {
    await cluster.close();
    await sim.close();
  }
});
