/**
 * The runtime brings every agent's nailed-up session in line at each configuration (and takeover). It reads each
 * agent's state from the engine by id: a search of engine.agents() per agent made a configuration of n agents cost
 * n snapshots of all n agents (O(n²); seconds at a few thousand agents).
 */
import { DEFAULT_QUEUE_CONFIG } from '../../src/acd/config-store';
import type { AcdEffectListener, AgentConfig, QueueConfig } from '../../src/acd/contract';
import { AcdEngine } from '../../src/acd/engine';
import { AcdRuntime, type AcdRuntimeOptions } from '../../src/acd/runtime';
import { systemClock } from '../../src/clock/clock';
import { silentLogger } from '../../src/log/logger';

const AGENTS = 2_000;

describe('nailed-up sessions at configuration', () => {
  it('reads each agent from the engine by id, never a scan of all agents per agent', async () => {
    const queues: QueueConfig[] = [{ ...DEFAULT_QUEUE_CONFIG, name: 'q', nailedUp: true }];
    const agents: AgentConfig[] = Array.from({ length: AGENTS }, (_, i) => ({
      id: i + 1,
      userId: i + 1,
      name: `a${i + 1}`,
      extension: String(1000 + i),
      skills: {},
      teams: [],
      queues: [{ queue: 'q', tier: 1 }],
    }));
    let engine: AcdEngine | undefined;
    const runtime = new AcdRuntime({
      // No node: the sessions are only decided here (none is dialled).
      cluster: { onEvent: () => () => undefined, onStatus: () => () => undefined, client: () => ({}) },
      store: { load: async () => ({ queues, agents }), onChange: () => () => undefined },
      createEngine: (onEffect: AcdEffectListener) => (engine = new AcdEngine({ clock: systemClock, onEffect })),
      clock: systemClock,
      logger: silentLogger,
      phones: {},
    } as unknown as AcdRuntimeOptions);
    const scans = jest.spyOn(AcdEngine.prototype, 'agents');
    const lookups = jest.spyOn(AcdEngine.prototype, 'agent');
    try {
      await runtime.start();
      expect(engine).toBeDefined();
      expect(scans).not.toHaveBeenCalled();
      expect(lookups.mock.calls.length).toBeGreaterThanOrEqual(AGENTS);
    } finally {
      scans.mockRestore();
      lookups.mockRestore();
      await runtime.close();
    }
  });
});
