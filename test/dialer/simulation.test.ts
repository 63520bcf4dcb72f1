import { runSimulation } from '../../src/dialer/simulation';

describe('dialer simulation', () => {
  it('is deterministic for a seed', () => {
    const a = runSimulation({ agents: 5, days: 1, seed: 11, dayHours: 1 });
    const b = runSimulation({ agents: 5, days: 1, seed: 11, dayHours: 1 });
    const c = runSimulation({ agents: 5, days: 1, seed: 12, dayHours: 1 });
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('keeps abandonment within 3% with 10 agents, busier than progressive', () => {
    const pred = runSimulation({ agents: 10, days: 3, seed: 5, dayHours: 4 });
    const prog = runSimulation({ agents: 10, days: 3, seed: 5, dayHours: 4, policy: 'progressive' });
    expect(pred.liveAnswers).toBeGreaterThan(500);
    expect(pred.abandon).toBeLessThanOrEqual(0.03);
    expect(prog.abandon).toBe(0);
    expect(pred.occupancy).toBeGreaterThan(prog.occupancy + 0.03);
  }, 60000);

  it('counts AMD false positives as abandoned and still stays within 3% when the pacer budgets for them', () => {
    const r = runSimulation({ agents: 10, days: 1, seed: 6, dayHours: 3, amdFalsePositive: 0.01, pacing: { amdFalsePositiveShare: 0.01 } });
    expect(r.abandoned).toBeGreaterThan(0);
    expect(r.abandon).toBeLessThanOrEqual(0.03);
  });
});
