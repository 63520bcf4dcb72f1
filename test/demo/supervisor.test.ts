/**
 * The demo supervisor's schedule (src/demo/supervisor.ts) on a virtual clock: the first session is tried 5 s in
 * and retried every 3 s until one starts (so a 30 s run always shows one), then one every 20 s; listen, whisper, end.
 */
import type { AcdCallLegs } from '../../src/acd/contract';
import { VirtualClock } from '../../src/clock/clock';
import { startDemoSupervisor, type DemoSupervision } from '../../src/demo/supervisor';
import { silentLogger } from '../../src/log/logger';
import type { SupervisionActor } from '../../src/supervision';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function setup(opts: { failStarts?: number } = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
  const agents = new Map<number, { state: string; legs?: AcdCallLegs }>();
  const calls: Array<{ what: string; agentId?: number; id?: number; mode?: string; at: number }> = [];
  const active = new Set<number>();
  let nextId = 1;
  let failures = opts.failStarts ?? 0;
  const supervision: DemoSupervision = {
    activeSessions: () => [...active].map(() => ({ supervisor_user_id: 7 })),
    start: async (_actor: SupervisionActor, agentId, mode) => {
      calls.push({ what: 'start', agentId, mode, at: clock.now() });
      if (failures > 0) {
        failures--;
        throw new Error('the call ended before the supervisor answered');
      }
      const id = nextId++;
      active.add(id);
      return { id };
    },
    setMode: async (_a, id, mode) => void calls.push({ what: 'mode', id, mode, at: clock.now() }),
    end: async (_a, id) => {
      active.delete(id);
      calls.push({ what: 'end', id, at: clock.now() });
    },
  };
  const acd = {
    engine: { agents: () => [...agents.entries()].map(([id, a]) => ({ id, state: a.state })) },
    legsOfAgent: (id: number) => agents.get(id)?.legs,
  };
  const sup = startDemoSupervisor({
    supervision,
    acd,
    clock,
    logger: silentLogger,
    principal: { kind: 'user', id: 7, username: 'supervisor', role: 'supervisor' },
  });
  const onCall = (id: number, connectedAt: number): void => {
    agents.set(id, { state: 'on_call', legs: { node: 'demo', callerUuid: `c${id}`, agentUuid: `a${id}`, queue: 'sales', agentId: id, connectedAt } });
  };
  const advance = async (ms: number): Promise<void> => {
    // Step in 1 s so promise callbacks run between timers, as on the real event loop.
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(Math.min(1000, ms - t));
      await flush();
    }
  };
  return { clock, agents, calls, sup, onCall, advance };
}

describe('demo supervisor', () => {
  it('listens 5 s in, whispers 4 s later, ends 3 s after that, then again every 20 s', async () => {
    const w = setup();
    const t0 = w.clock.now();
    w.onCall(1, t0);
    await w.advance(12_000);
    expect(w.calls.map((c) => [c.what, c.mode ?? null, (c.at - t0) / 1000])).toEqual([
      ['start', 'listen', 5],
      ['mode', 'whisper', 9],
      ['end', null, 12],
    ]);
    expect(w.sup.listened()).toBe(1);
    await w.advance(14_000);
    expect(w.calls.filter((c) => c.what === 'start').map((c) => (c.at - t0) / 1000)).toEqual([5, 25]);
    w.sup.stop();
    expect(w.clock.pending()).toBe(0);
  });

  it('with nobody on a call at first, retries every 3 s: a call 20 s in is listened to before 30 s', async () => {
    const w = setup();
    const t0 = w.clock.now();
    w.agents.set(1, { state: 'available' });
    await w.advance(20_000);
    expect(w.calls).toEqual([]);
    w.onCall(1, w.clock.now());
    await w.advance(10_000);
    expect(w.calls.filter((c) => c.what === 'start').map((c) => (c.at - t0) / 1000)).toEqual([23]);
    expect(w.sup.listened()).toBe(1);
  });

  it('a session that does not start (the call ended first) is retried 3 s later', async () => {
    const w = setup({ failStarts: 2 });
    const t0 = w.clock.now();
    w.onCall(1, t0);
    await w.advance(15_000);
    expect(w.calls.filter((c) => c.what === 'start').map((c) => (c.at - t0) / 1000)).toEqual([5, 8, 11]);
    expect(w.sup.listened()).toBe(1);
  });

  it('picks the agent whose call was connected last (the most talk left), only agents with a connected leg', async () => {
    const w = setup();
    const t0 = w.clock.now();
    w.onCall(1, t0 - 60_000);
    w.onCall(2, t0 - 1_000);
    w.agents.set(3, { state: 'on_call', legs: { node: 'demo', callerUuid: 'c3', queue: 'sales', agentId: 3, connectedAt: t0 } }); // no agent leg
    w.agents.set(4, { state: 'reserved', legs: { node: 'demo', callerUuid: 'c4', agentUuid: 'a4', queue: 'sales', agentId: 4 } });
    await w.advance(5_000);
    expect(w.calls[0]).toMatchObject({ what: 'start', agentId: 2 });
  });
});
