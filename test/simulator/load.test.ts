import { connect, type Socket } from 'node:net';
import { VirtualClock } from '../../src/clock/clock';
import { startSimulator, type Simulator } from '../../src/simulator';
import { sleepReal } from './helpers';

/** Counts events by name as they stream in, without keeping the bytes (tens of MB at this scale). */
class CountingClient {
  readonly socket: Socket;
  readonly counts = new Map<string, number>();
  bytes = 0;
  private buf: Buffer = Buffer.alloc(0);

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.bytes += d.length;
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      for (;;) {
        const end = this.buf.indexOf('\n\n');
        if (end < 0) return;
        const head = this.buf.toString('utf8', 0, end);
        const cl = /Content-Length: (\d+)/.exec(head);
        const len = cl ? Number(cl[1]) : 0;
        if (this.buf.length < end + 2 + len) return;
        const body = this.buf.toString('utf8', end + 2, end + 2 + len);
        const name = /"Event-Name":"([A-Z_]+)"/.exec(body.slice(0, 120))?.[1] ?? (head.includes('Reply-Text') ? 'reply' : 'other');
        this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        this.buf = this.buf.subarray(end + 2 + len);
      }
    });
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  async until(pred: () => boolean, maxMs = 40_000): Promise<void> {
    const start = Date.now();
    while (!pred()) {
      if (Date.now() - start > maxMs) throw new Error('timeout');
      await sleepReal(10);
    }
  }
}

describe('scale', () => {
  let sim: Simulator;
  afterAll(async () => sim?.close());

  it('2,000 concurrent channels (1,000 callers bridged to 1,000 agents) with a json ALL listener', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    sim = await startSimulator({ clock, seed: 1, heartbeatMs: 0 });
    const client = new CountingClient(sim.port);
    client.socket.write('auth ClueCon\n\nevent json ALL\n\n');
    await client.until(() => client.count('reply') === 2);
    const N = 1000;
    const callers: string[] = [];
    for (let i = 0; i < N; i++) {
      sim.registerSoftphone(String(10000 + i), { answerDelayMs: 500 + (i % 7) * 100 });
      callers.push(sim.injectInboundCall({ from: `1555${String(i).padStart(7, '0')}`, to: '18005550100' }));
    }
    const agents: string[] = new Array(N);
    let answered = 0;
    for (let i = 0; i < N; i++) {
      sim.api('originate', `user/${10000 + i} &park`, (out) => {
        agents[i] = out.slice(4, 40);
        answered++;
      });
    }
    clock.advance(2000);
    expect(answered).toBe(N);
    for (let i = 0; i < N; i++) expect(await sim.apiAsync('uuid_bridge', `${callers[i]} ${agents[i]}`)).toMatch(/^\+OK/);
    expect(sim.channels()).toHaveLength(2 * N);
    expect(sim.channels().filter((c) => c.bridgedTo)).toHaveLength(2 * N);
    expect(sim.audioRoutes().filter((r) => r.kind === 'bridge')).toHaveLength(2 * N);
    await sim.apiAsync('hupall', 'NORMAL_CLEARING');
    clock.advance(100);
    expect(sim.channels()).toHaveLength(0);
    await client.until(() => client.count('CHANNEL_HANGUP_COMPLETE') === 2 * N);
    expect(client.count('CHANNEL_CREATE')).toBe(2 * N);
    expect(client.count('CHANNEL_BRIDGE')).toBe(N);
    expect(client.count('CUSTOM')).toBe(N); // sofia::register
    // Realistic volume: every channel event carries its variables (~3.5 KB on average in real FS).
    const events = [...client.counts.entries()].filter(([k]) => k !== 'reply').reduce((a, [, n]) => a + n, 0);
    expect(client.bytes / events).toBeGreaterThan(2500);
    client.socket.destroy();
  }, 120_000);
});
