/**
 * The demo's health figures (src/demo/health.ts): service level per minute and the longest wait, from the ACD's
 * call_state effects, on a virtual clock.
 */
import type { AcdEffect, AcdEffectListener } from '../../src/acd/contract';
import { VirtualClock } from '../../src/clock/clock';
import { DemoHealth } from '../../src/demo/health';

function setup(waiting: Array<{ queue: string; enteredAt: number }> = []) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
  const listeners = new Set<AcdEffectListener>();
  const health = new DemoHealth({
    onEffect: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    clock,
    serviceLevelSec: (q) => (q === 'support' ? 30 : 20),
    exclude: ['outbound'],
    waitingCalls: () => waiting,
  });
  health.start();
  const emit = (e: AcdEffect): void => {
    for (const l of listeners) l(e);
  };
  const answered = (queue: string, waitSec: number): void =>
    emit({ kind: 'call_state', callId: `c${clock.now()}`, queue, state: 'connected', agentId: 1, waitMs: waitSec * 1000, at: clock.now() });
  const abandoned = (queue: string, waitSec: number): void =>
    emit({ kind: 'call_state', callId: `a${clock.now()}`, queue, state: 'ended', outcome: 'abandoned', waitMs: waitSec * 1000, at: clock.now() });
  return { clock, health, emit, answered, abandoned, listeners };
}

describe('demo health: service level per minute, longest wait', () => {
  it('counts each answered or abandoned call in its minute, against its queue threshold', () => {
    const { clock, health, answered, abandoned, emit } = setup();
    clock.advance(10_000);
    answered('sales', 20); // in (threshold 20 s, inclusive)
    answered('sales', 21); // out
    answered('support', 25); // in (support: 30 s)
    abandoned('billing', 8); // an abandon counts against
    // Neither answered nor abandoned: not in the figures.
    emit({ kind: 'call_state', callId: 'o1', queue: 'sales', state: 'ended', outcome: 'overflowed', waitMs: 300_000, at: clock.now() });
    emit({ kind: 'call_state', callId: 'w1', queue: 'sales', state: 'waiting', at: clock.now() });
    answered('outbound', 90); // excluded queue
    clock.advance(60_000); // minute 1
    answered('sales', 2);
    clock.advance(60_000); // minute 2: nothing
    clock.advance(60_000); // minute 3 (3 min 10 s in)
    answered('billing', 40);
    answered('billing', 1);
    clock.advance(30_000); // 3 min 40 s in
    answered('sales', 1);
    const r = health.report();
    expect(r.service_level_by_minute).toEqual([0.5, 1, null]); // whole minutes only
    expect(r.service_level_min).toBe(0.5);
    expect(r.service_level_median).toBe(0.75);
    expect(r.longest_wait_s).toBe(40);
    // The minute going on (3 min 40 s in): billing 40 s (out), billing 1 s, sales 1 s.
    expect(health.minuteFigures()[3]).toMatchObject({ answered: 3, inService: 2, abandoned: 0 });
    expect(health.minuteFigures()[0]).toMatchObject({ answered: 3, inService: 2, abandoned: 1 });
  });

  it('a collapsing run shows: the minutes fall and the longest wait includes callers still waiting', () => {
    const waiting: Array<{ queue: string; enteredAt: number }> = [];
    const { clock, health, answered } = setup(waiting);
    const t0 = clock.now();
    for (let m = 0; m < 4; m++) {
      for (let i = 0; i < 10; i++) answered('sales', i < 10 - m * 3 ? 5 : 60);
      clock.advance(60_000);
    }
    waiting.push({ queue: 'sales', enteredAt: t0 + 10_000 }, { queue: 'outbound', enteredAt: t0 });
    const r = health.report();
    expect(r.service_level_by_minute).toEqual([1, 0.7, 0.4, 0.1]);
    expect(r.service_level_min).toBe(0.1);
    expect(r.service_level_median).toBe(0.55);
    expect(r.longest_wait_s).toBe(230); // the sales caller waiting since 10 s in (outbound is left out)
  });

  it('no calls yet: nulls and zero; stop unsubscribes', () => {
    const { clock, health, listeners } = setup();
    clock.advance(125_000);
    expect(health.report()).toEqual({ service_level_by_minute: [null, null], service_level_min: null, service_level_median: null, longest_wait_s: 0 });
    health.stop();
    expect(listeners.size).toBe(0);
  });
});
