import { evaluate, judge, seasonalBaseline, type RuleMemory } from '../../src/alerts/evaluator';
import { alertRuleSchema, type AlertRuleInput } from '../../src/alerts/rules';

const rule = (r: Partial<AlertRuleInput> = {}) =>
  alertRuleSchema.parse({ name: 'sl', scope: { kind: 'queue', queue: 'support' }, metric: 'service_level', direction: 'below', threshold: 0.8, clear_threshold: 0.85, for_sec: 30, clear_for_sec: 60, ...r });

/** Runs a sequence of (seconds, value) ticks through the evaluator; returns the transitions. */
function run(r: ReturnType<typeof rule>, ticks: Array<[number, number | null]>, baseline?: Parameters<typeof evaluate>[4]) {
  let memory: RuleMemory = {};
  const out: Array<{ kind: string; at: number; value: number | null }> = [];
  for (const [s, v] of ticks) {
    const ev = evaluate(r, v, s * 1000, memory, baseline);
    memory = ev.memory;
    if (ev.transition) out.push({ kind: ev.transition.kind, at: s, value: ev.transition.value });
  }
  return { out, memory };
}

describe('alert rules', () => {
  it('refuse a metric on the wrong scope, a threshold rule without threshold, a clear threshold on the wrong side', () => {
    expect(alertRuleSchema.safeParse({ name: 'x', scope: { kind: 'global' }, metric: 'service_level', direction: 'below', threshold: 0.8 }).success).toBe(false);
    expect(alertRuleSchema.safeParse({ name: 'x', scope: { kind: 'queue', queue: 'q' }, metric: 'service_level', direction: 'below' }).success).toBe(false);
    const bad = alertRuleSchema.safeParse({ name: 'x', scope: { kind: 'queue', queue: 'q' }, metric: 'service_level', direction: 'below', threshold: 0.8, clear_threshold: 0.7 });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/safe side/);
    expect(alertRuleSchema.safeParse({ name: 'x', scope: { kind: 'queue', queue: 'q' }, metric: 'agents_ready', kind: 'anomaly', direction: 'below' }).success).toBe(false);
    expect(alertRuleSchema.safeParse({ name: 'x', scope: { kind: 'campaign', campaign: 'c' }, metric: 'dialer_abandon_rate', direction: 'above', threshold: 0.025 }).success).toBe(true);
  });
});

describe('alert evaluator', () => {
  it('opens only after the condition held for for_sec, once, and tracks the worst value', () => {
    const { out, memory } = run(rule(), [
      [0, 0.9],
      [10, 0.7],
      [20, 0.75],
      [40, 0.72], // 30 s below 0.8: opens
      [50, 0.6], // worse
      [60, 0.65], // not worse than 0.6: nothing
    ]);
    expect(out).toEqual([
      { kind: 'open', at: 40, value: 0.72 },
      { kind: 'worse', at: 50, value: 0.6 },
    ]);
    expect(memory.open).toMatchObject({ openedAt: 40_000, worst: 0.6, last: 0.65 });
  });

  it('a value that dips and recovers before for_sec opens nothing', () => {
    expect(run(rule(), [[0, 0.7], [20, 0.9], [40, 0.7], [60, 0.9]]).out).toEqual([]);
  });

  it('hysteresis: bouncing around the threshold does not flap; it closes after clear_for_sec above the clear threshold', () => {
    const ticks: Array<[number, number | null]> = [[0, 0.7], [30, 0.7]]; // opens at 30
    // 0.79 / 0.82 / 0.81 / 0.84 ...: above the threshold at times but never at the clear threshold 0.85 -> stays open
    for (let s = 40; s <= 400; s += 10) ticks.push([s, s % 20 === 0 ? 0.82 : 0.79]);
    // back above 0.85, but a single dip inside the band restarts the clear delay
    ticks.push([410, 0.9], [440, 0.9], [450, 0.84], [460, 0.9], [500, 0.9], [519, 0.9], [520, 0.9]);
    const { out } = run(rule(), ticks);
    expect(out.map((t) => [t.kind, t.at])).toEqual([
      ['open', 30],
      ['close', 520],
    ]);
  });

  it('no figure (no calls in the window) counts as clear, never opens', () => {
    expect(run(rule({ for_sec: 0 }), [[0, null], [10, null]]).out).toEqual([]);
    const { out } = run(rule({ for_sec: 0, clear_for_sec: 20 }), [[0, 0.5], [10, null], [30, null]]);
    expect(out.map((t) => t.kind)).toEqual(['open', 'close']);
  });

  it('above rules (abandon rate) mirror below rules', () => {
    const r = rule({ metric: 'abandon_rate', direction: 'above', threshold: 0.1, clear_threshold: 0.05, for_sec: 0, clear_for_sec: 0 });
    expect(run(r, [[0, 0.12], [10, 0.08], [20, 0.04]]).out.map((t) => [t.kind, t.at])).toEqual([
      ['open', 0],
      ['close', 20],
    ]);
  });

  it('anomaly: beyond 3 standard deviations of the same hour of previous weeks opens; inside 2.5 closes', () => {
    const r = rule({ metric: 'calls_offered', kind: 'anomaly', direction: 'above', threshold: undefined, clear_threshold: undefined, for_sec: 0, clear_for_sec: 0 });
    const baseline = seasonalBaseline([100, 110, 90, 100], 3); // mean 100, std ~7.07
    expect(baseline).toMatchObject({ ok: true, mean: 100, weeks: 4 });
    expect(judge(r, 120, baseline)).toEqual({ breach: false, clear: false }); // z = 2.83: in the band between 2.5 and 3
    expect(run(r, [[0, 125], [10, 119], [20, 115]], baseline).out.map((t) => [t.kind, t.at])).toEqual([
      ['open', 0], // z = 3.5
      // 119: z = 2.69, in the band (2.5-3): stays open
      ['close', 20], // z = 2.12
    ]);
  });

  it('anomaly without enough history says so and opens nothing', () => {
    const r = rule({ metric: 'calls_offered', kind: 'anomaly', direction: 'above', threshold: undefined, clear_threshold: undefined, for_sec: 0 });
    const baseline = seasonalBaseline([100, null, null, 120], 3);
    expect(baseline).toEqual({ ok: false, reason: expect.stringMatching(/not enough history: 2 of 3/) });
    const ev = evaluate(r, 1000, 0, {}, baseline);
    expect(ev.transition).toBeUndefined();
    expect(ev.note).toMatch(/not enough history/);
  });
});
