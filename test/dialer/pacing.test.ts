import fc from 'fast-check';
import { VirtualClock } from '../../src/clock/clock';
import { AbandonWindow } from '../../src/dialer/abandon-window';
import { AnswerRateEstimator } from '../../src/dialer/answer-rate';
import { expectedPositivePart, PredictivePacer, progressiveDialCount, type PacingState } from '../../src/dialer/pacing';

/**
 * A pacer that has seen `attempts` dials, a quarter of them live persons (human decision ~11.5 s after the dial),
 * each connected, as the dialer reports them (the day's margin counts them).
 */
function trainedPacer(clock: VirtualClock, attempts = 1000, config = {}): PredictivePacer {
  const pacer = new PredictivePacer(clock, config);
  for (let i = 0; i < attempts; i++) {
    const live = i % 4 === 0;
    pacer.recordAttempt({ durationMs: live ? 8000 + (i % 7) * 1000 : i % 4 === 1 ? 3000 : 20000, live });
    if (live) pacer.recordLive(false);
  }
  return pacer;
}

const state = (over: Partial<PacingState> = {}): PacingState => ({
  agentsLoggedIn: 20,
  agentsAvailable: 5,
  busyAgents: Array.from({ length: 15 }, (_, i) => ({ phase: i % 3 === 0 ? ('wrap' as const) : ('talk' as const), elapsedMs: 20000 + i * 3000 })),
  callsInFlight: [],
  liveWaiting: 0,
  ...over,
});

describe('PredictivePacer', () => {
  it('falls back to progressive (one call per available agent) with no data', () => {
    const pacer = new PredictivePacer(new VirtualClock());
    const d = pacer.decide(state({ callsInFlight: [{ ringElapsedMs: 1000 }] }));
    expect(d).toMatchObject({ mode: 'progressive', reason: 'too_little_data', launch: 4 });
  });

  it('dials more than progressive once it has data, and launches nothing without agents logged in', () => {
    const clock = new VirtualClock();
    const pacer = trainedPacer(clock);
    const d = pacer.decide(state());
    expect(d.mode).toBe('predictive');
    expect(d.launch).toBeGreaterThan(5);
    expect(d.expectedAbandons).toBeLessThanOrEqual(d.budget * d.expectedLive + 1e-9);
    expect(pacer.decide(state({ agentsLoggedIn: 0, agentsAvailable: 0, busyAgents: [] })).launch).toBe(0);
  });

  it('launches fewer calls as the rolling abandonment rate rises, and goes progressive at the limit', () => {
    const clock = new VirtualClock();
    const pacer = trainedPacer(clock);
    const launches: number[] = [];
    // 1,000 live answers in the window, abandoned at 0%, 1.5%, 2.5%, then 3.5%.
    for (const rate of [0, 0.015, 0.025, 0.035]) {
      const fresh = trainedPacer(clock);
      for (let i = 0; i < 1000; i++) fresh.recordLive(i < rate * 1000);
      launches.push(fresh.decide(state()).launch);
    }
    for (let i = 1; i < launches.length; i++) expect(launches[i]!).toBeLessThanOrEqual(launches[i - 1]!);
    expect(launches[0]!).toBeGreaterThan(launches[2]!);
    const atLimit = trainedPacer(clock);
    // 50 abandoned of 1,250 live answers (the 250 connected ones of training included): 4%.
    for (let i = 0; i < 1000; i++) atLimit.recordLive(i < 50);
    expect(atLimit.decide(state())).toMatchObject({ mode: 'progressive', reason: 'at_limit', launch: 5 });
    void pacer;
  });

  it('forgets abandons older than the rolling window', () => {
    const clock = new VirtualClock();
    const pacer = trainedPacer(clock, 1000, { windowMs: 3600000 });
    for (let i = 0; i < 1000; i++) pacer.recordLive(i < 50);
    expect(pacer.decide(state()).reason).toBe('at_limit');
    clock.advance(3600000 + 60000);
    expect(pacer.decide(state()).mode).toBe('predictive');
  });

  it('never exceeds the cap on lines per agent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 200 }), fc.constantFrom(1, 1.5, 2, 3), (agents, avail, ringing, lines) => {
        const clock = new VirtualClock();
        const pacer = trainedPacer(clock, 400, { linesPerAgent: lines });
        const available = Math.min(agents, avail);
        const s = state({
          agentsLoggedIn: agents,
          agentsAvailable: available,
          busyAgents: Array.from({ length: agents - available }, () => ({ phase: 'wrap' as const, elapsedMs: 25000 })),
          callsInFlight: Array.from({ length: ringing }, (_, i) => ({ ringElapsedMs: (i * 700) % 20000 })),
        });
        const d = pacer.decide(s);
        expect(d.launch).toBeGreaterThanOrEqual(0);
        expect(ringing + d.launch).toBeLessThanOrEqual(Math.max(ringing, Math.floor(lines * agents)));
        expect(progressiveDialCount(s, lines) + ringing).toBeLessThanOrEqual(Math.max(ringing, Math.floor(lines * agents)));
      }),
      { numRuns: 200 },
    );
  });

  it('with a 2% AMD false-positive share, still paces above 1:1 on a large day, and goes progressive on a small one', () => {
    const clock = new VirtualClock();
    // 250 live answers in the first minutes extrapolate to a 4,000-answer day: the false positives' spread leaves room.
    const large = trainedPacer(clock, 1000, { amdFalsePositiveShare: 0.02 });
    const d = large.decide(state());
    expect(d).toMatchObject({ mode: 'predictive' });
    expect(d.launch).toBeGreaterThan(progressiveDialCount(state()));
    expect(d.margin.aim).toBeGreaterThan(0.02);
    expect(d.margin.aim).toBeLessThan(0.03);
    // 25 live answers and 3 agents (who could take ~400 a day): 2% false positives alone exceed 3% too often.
    const small = trainedPacer(clock, 100, { amdFalsePositiveShare: 0.02 });
    const few = state({ agentsLoggedIn: 3, agentsAvailable: 1, busyAgents: [{ phase: 'talk', elapsedMs: 5000 }, { phase: 'wrap', elapsedMs: 5000 }] });
    expect(small.decide(few)).toMatchObject({ mode: 'progressive', reason: 'amd_share', launch: 1 });
  });

  it('tightens the model when more abandons happened than it was allowed', () => {
    const clock = new VirtualClock();
    const honest = trainedPacer(clock);
    const biased = trainedPacer(clock);
    for (const pacer of [honest, biased]) for (let i = 0; i < 2000; i++) pacer.recordLive(i % 100 === 0);
    // Both saw 20 abandons; the honest one had been allowed 20, the biased one 2.
    const first = honest.decide(state());
    honest.launched({ ...first, launch: 1, allowedAbandons: 20 }, 1);
    biased.launched({ ...first, launch: 1, allowedAbandons: 2 }, 1);
    const h = honest.decide(state());
    const b = biased.decide(state());
    expect(h.calibration).toBeCloseTo(22 / 22, 9);
    expect(b.calibration).toBeCloseTo(22 / 4, 9);
    expect(b.launch).toBeLessThan(h.launch);
  });

  it('counts calls in flight and live answers waiting against the free agents', () => {
    const clock = new VirtualClock();
    const pacer = trainedPacer(clock);
    const idle = pacer.decide(state()).launch;
    const loaded = pacer.decide(state({ callsInFlight: Array.from({ length: 10 }, () => ({ ringElapsedMs: 2000 })), liveWaiting: 2 })).launch;
    expect(loaded).toBeLessThan(idle);
  });
});

describe('pacing building blocks', () => {
  it('AbandonWindow counts inside the window only', () => {
    const clock = new VirtualClock();
    const w = new AbandonWindow(clock, 24 * 3600000);
    w.recordLive(true);
    w.recordLive(false);
    clock.advance(12 * 3600000);
    w.recordLive(false);
    expect(w.counts()).toEqual({ live: 3, abandoned: 1 });
    clock.advance(13 * 3600000);
    expect(w.counts()).toEqual({ live: 1, abandoned: 0 });
  });

  it('AnswerRateEstimator: posterior, and live odds fall as a call rings on', () => {
    const est = new AnswerRateEstimator();
    expect(est.posterior().mean).toBe(0.5);
    for (let i = 0; i < 400; i++) est.record({ durationMs: i % 4 === 0 ? 9000 : 20000, live: i % 4 === 0 });
    expect(est.posterior().mean).toBeCloseTo(0.25, 2);
    expect(est.liveGivenRinging(1000)).toBeCloseTo(0.25, 1);
    expect(est.liveGivenRinging(15000)).toBeLessThan(0.05);
  });

  it('expectedPositivePart matches its limits', () => {
    expect(expectedPositivePart(3, 0)).toBe(3);
    expect(expectedPositivePart(-3, 0)).toBe(0);
    expect(expectedPositivePart(0, 1)).toBeCloseTo(0.3989, 3);
    expect(expectedPositivePart(-10, 1)).toBeLessThan(1e-6);
  });
});
