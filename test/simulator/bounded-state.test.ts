import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../src/clock/clock';
import { startSimulator, type Simulator } from '../../src/simulator';
import { FINISHED_RECORDINGS_KEPT } from '../../src/simulator/engine';

/**
 * What the simulator keeps about calls that ended must not grow with the number of calls: the soak (scripts/soak.ts)
 * runs it for an hour at 20 calls/s in the service's process.
 */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const sims: Simulator[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sim-bounded-'));
afterAll(async () => {
  for (const s of sims) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function sim(): Promise<{ sim: Simulator; clock: VirtualClock }> {
  const clock = new VirtualClock(T0);
  const s = await startSimulator({ clock, seed: 42, heartbeatMs: 0, softphones: { '2001': { answerDelayMs: 500 } } });
  sims.push(s);
  return { sim: s, clock };
}

/** Runs an api that may wait (originate), advancing virtual time until it answers. */
async function apiWait(s: Simulator, clock: VirtualClock, cmd: string, args: string): Promise<string> {
  let out: string | undefined;
  s.api(cmd, args, (o) => (out = o));
  for (let t = 0; out === undefined && t < 120_000; t += 100) clock.advance(100);
  if (out === undefined) throw new Error(`${cmd} did not finish`);
  return out;
}

describe('simulator state after calls end', () => {
  it('answered originates leave no timeout timer behind', async () => {
    const { sim: s, clock } = await sim();
    for (let i = 0; i < 50; i++) {
      const out = await apiWait(s, clock, 'originate', '{originate_timeout=30}user/2001 &park');
      expect(out).toMatch(/^\+OK /);
      s.hangup(out.slice(4, 40));
      clock.advance(100);
    }
    // Each answered originate cancelled its 30 s timeout: nothing is left to fire or to hold on to.
    expect(s.stats().pendingUnboundTimers).toBe(0);
    expect(s.stats().channels).toBe(0);
  });

  it('lists only the last FINISHED_RECORDINGS_KEPT stopped recordings', async () => {
    const { sim: s } = await sim();
    const uuid = s.injectInboundCall({ from: '1', to: '18005550100' });
    const ch = s.rawChannel(uuid)!;
    const n = FINISHED_RECORDINGS_KEPT + 5;
    for (let i = 0; i < n; i++) {
      const path = join(dir, `r${i}.wav`);
      expect(s.engine.startRecording(ch, path)).toBe(true);
      s.engine.stopRecording(ch, path, 'success');
    }
    const recordings = s.recordings();
    expect(recordings).toHaveLength(FINISHED_RECORDINGS_KEPT);
    expect(recordings[0]!.path).toBe(join(dir, 'r5.wav'));
    expect(recordings.at(-1)!.path).toBe(join(dir, `r${n - 1}.wav`));
  });
});
