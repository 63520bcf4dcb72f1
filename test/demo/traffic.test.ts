/**
 * The demo's traffic model (src/demo/traffic.ts): how many arrivals become inbound callers for the ACD. Before issue
 * 9 every arrival that found the outbound softphones busy was sent inbound, so the queues got ~46% of the calls
 * instead of 30% and fell behind for good. And what it leaves on the simulator after its calls ended.
 */
import { systemClock } from '../../src/clock/clock';
import { arrivalKind, DemoTraffic } from '../../src/demo/traffic';
import { FreeSwitchCluster } from '../../src/freeswitch/cluster';
import { dialUser } from '../../src/freeswitch';
import { silentLogger } from '../../src/log/logger';
import { Rng } from '../../src/random/rng';
import { startSimulator } from '../../src/simulator';

describe('demo traffic: arrivals', () => {
  it('an arrival is inbound by its share only; busy softphones drop the outbound call', () => {
    expect(arrivalKind(0.1, 0.2, 0)).toBe('inbound');
    expect(arrivalKind(0.5, 0.2, 3)).toBe('outbound');
    expect(arrivalKind(0.5, 0.2, 0)).toBe('none');
  });

  it('the inbound share stays the configured one however busy the outbound side is', () => {
    const rng = new Rng(3);
    for (const freePhones of [0, 1, 20]) {
      let inbound = 0;
      for (let i = 0; i < 20_000; i++) if (arrivalKind(rng.next(), 0.2, freePhones) === 'inbound') inbound++;
      expect(inbound / 20_000).toBeCloseTo(0.2, 1);
    }
  });
});

describe('demo traffic on the simulator', () => {
  it('forgets the gateway outcome of every outbound call it placed once the call ended', async () => {
    // One softphone per call: a busy one takes no new call until its call ended.
    const agents = ['1001', '1002', '1003', '1004', '1005', '1006'];
    const sim = await startSimulator({ seed: 3, heartbeatMs: 0, stockDialplanWarnings: false, softphones: Object.fromEntries(agents.map((a) => [a, { answerDelayMs: 100 }])) });
    const cluster = new FreeSwitchCluster([{ name: 'fs1', host: '127.0.0.1', port: sim.port, password: 'ClueCon' }], {
      logger: silentLogger,
      commandTimeoutMs: 5000,
      reconnectMaxMs: 500,
      eventQueueMax: 10_000,
    });
    const set = jest.spyOn(sim.gateway, 'setNumber');
    const cleared = jest.spyOn(sim.gateway, 'clearNumber');
    const traffic = new DemoTraffic({
      cluster,
      node: 'fs1',
      sim,
      clock: systemClock,
      logger: silentLogger,
      callsPerSecond: 50,
      agents,
      phone: (ext) => dialUser(ext),
      gateway: 'carrier',
      inboundDid: '+18005550100',
      inboundShare: 0,
      seed: 5,
    });
    try {
      await cluster.start();
      traffic.start();
      await until('six outbound calls placed', () => traffic.summary().calls_placed >= 6, 10_000);
      traffic.stopPlacing();
      // Hangs up whatever is still up after a moment; then the last CHANNEL_HANGUP_COMPLETEs arrive.
      await traffic.drain(300);
      await until('every call ended', () => sim.channels().length === 0 && cleared.mock.calls.length >= set.mock.calls.length, 10_000);
      expect(set.mock.calls.length).toBe(traffic.summary().calls_placed);
      expect(new Set(cleared.mock.calls.map(([n]) => n))).toEqual(new Set(set.mock.calls.map(([n]) => n)));
    } finally {
      traffic.close();
      await cluster.close();
      await sim.close();
    }
  });
});

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
