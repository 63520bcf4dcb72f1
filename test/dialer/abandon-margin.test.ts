import fc from 'fast-check';
import { VirtualClock } from '../../src/clock/clock';
import { calibrationRatio, ForecastWindow } from '../../src/dialer/abandon-calibration';
import { abandonDispersion, capacityDayLive, dayMargin, expectedDayLive, noiseBoundedPacingShare } from '../../src/dialer/abandon-margin';
import { normalQuantile } from '../../src/dialer/duration-model';
import { ExcessDistribution } from '../../src/dialer/excess';

const base = { limit: 0.03, target: 0.02, amdFalsePositiveShare: 0, dispersion: 1, breachShare: 0.05 };
const Z95 = normalQuantile(0.95);

describe('dayMargin: the aim under the limit for one day', () => {
  it('puts the aim exactly one z-bound below the limit when the day noise binds', () => {
    // 400 live answers a day (10 agents, 10-minute calls): binomial sd at 2% is 0.7 points, too wide for a 2% aim.
    const m = dayMargin({ ...base, dayLive: 400 });
    expect(m.boundBy).toBe('day_noise');
    expect(m.aim).toBeLessThan(0.02);
    expect(m.aim + Z95 * Math.sqrt(m.aim / 400)).toBeCloseTo(0.03, 6);
  });

  it('widens the margin for smaller days and burstier abandons, and keeps the target for a large team', () => {
    const small = dayMargin({ ...base, dayLive: 300 }).aim;
    const medium = dayMargin({ ...base, dayLive: 1000 }).aim;
    const bursty = dayMargin({ ...base, dayLive: 1000, dispersion: 3 }).aim;
    expect(small).toBeLessThan(medium);
    expect(bursty).toBeLessThan(medium);
    expect(dayMargin({ ...base, dayLive: 20000 })).toMatchObject({ aim: 0.02, pacingBudget: 0.02, boundBy: 'target' });
  });

  it('leaves pacing a share of what AMD false positives leave instead of nothing', () => {
    // 2% false positives, target 2% of 3%: two thirds of the remaining 1% is the aim's pacing share on a large day.
    const m = dayMargin({ ...base, amdFalsePositiveShare: 0.02, dayLive: 100000 });
    expect(m.boundBy).toBe('target');
    expect(m.aim).toBeCloseTo(0.02 + 0.01 * (2 / 3), 9);
    // Budget per live answer the dialer sees (false positives are heard as machines): share / (1 - f).
    expect(m.pacingBudget).toBeCloseTo((0.01 * (2 / 3)) / 0.98, 9);
    // On a 3,000-answer day the false positives' own spread takes part of it.
    const day = dayMargin({ ...base, amdFalsePositiveShare: 0.02, dayLive: 3000 });
    expect(day.boundBy).toBe('day_noise');
    expect(day.pacingBudget).toBeGreaterThan(0);
    const sd = Math.sqrt((0.02 * 0.98 + (day.aim - 0.02)) / 3000);
    expect(day.aim + Z95 * sd).toBeCloseTo(0.03, 6);
  });

  it('gives no pacing budget when the false positives alone cross the limit too often', () => {
    // 400 answers at 2%: the false positives' sd is 0.7 points, 0.02 + 1.645 x 0.007 > 0.03.
    expect(dayMargin({ ...base, amdFalsePositiveShare: 0.02, dayLive: 400 })).toMatchObject({ pacingBudget: 0, boundBy: 'amd_share', aim: 0.02 });
  });

  it('noiseBoundedPacingShare is the largest share meeting the bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 50000 }), fc.double({ min: 0, max: 0.025, noNaN: true }), fc.double({ min: 1, max: 5, noNaN: true }), (n, f, d) => {
        const x = noiseBoundedPacingShare(0.03, f, n, d, Z95);
        const lhs = (share: number): number => f + share + Z95 * Math.sqrt((f * (1 - f) + d * share) / n);
        expect(x).toBeGreaterThanOrEqual(0);
        if (x > 0) {
          expect(lhs(x)).toBeLessThanOrEqual(0.03 + 1e-9);
          expect(lhs(x + 1e-4)).toBeGreaterThan(0.03);
        } else expect(lhs(0)).toBeGreaterThanOrEqual(0.03 - 1e-9);
      }),
      { numRuns: 300 },
    );
  });
});

describe('abandonDispersion', () => {
  it('is about 1 for evenly spread abandons and larger when they come in bursts', () => {
    const even = Array.from({ length: 48 }, (_, i) => ({ live: 50, abandoned: i % 2 }));
    const bursts = Array.from({ length: 48 }, (_, i) => ({ live: 50, abandoned: i % 8 === 0 ? 4 : 0 }));
    expect(abandonDispersion(even, 1, 0)).toBeLessThan(1.1);
    expect(abandonDispersion(bursts, 1, 0)).toBeGreaterThan(3);
  });

  it('answers the prior without abandons or blocks, and is never below 1', () => {
    expect(abandonDispersion([], 2)).toBe(2);
    expect(abandonDispersion([{ live: 40, abandoned: 0 }, { live: 40, abandoned: 0 }], 2)).toBe(2);
    expect(abandonDispersion(Array.from({ length: 10 }, () => ({ live: 100, abandoned: 2 })), 0.5, 1)).toBe(1);
  });
});

describe('capacityDayLive', () => {
  it('is what busy agents take in a day at the given occupancy', () => {
    // 10 agents, 8 h, 90-s handling, 75%: 10 x 28,800 x 0.75 / 90.
    expect(capacityDayLive({ agents: 10, dayMs: 8 * 3600000, meanHandleMs: 90000 })).toBeCloseTo(2400, 9);
    expect(capacityDayLive({ agents: 10, dayMs: 8 * 3600000, meanHandleMs: 90000, occupancy: 1 })).toBeCloseTo(3200, 9);
    expect(capacityDayLive({ agents: 0, dayMs: 8 * 3600000, meanHandleMs: 90000 })).toBe(0);
  });
});

describe('expectedDayLive', () => {
  it('counts the last 24 h once they hold a full day, and extrapolates a first day', () => {
    const H = 3600000;
    expect(expectedDayLive({ liveLast24h: 420, spanMs: 24 * H, dayMs: 8 * H })).toBe(420);
    expect(expectedDayLive({ liveLast24h: 100, spanMs: 2 * H, dayMs: 8 * H })).toBe(400);
    // Ten minutes of history extrapolate as if thirty: no runaway from a handful of calls.
    expect(expectedDayLive({ liveLast24h: 10, spanMs: 10 * 60000, dayMs: 8 * H })).toBe(160);
    // Never less than what was already seen.
    expect(expectedDayLive({ liveLast24h: 900, spanMs: 12 * H, dayMs: 8 * H })).toBe(900);
  });
});

describe('abandon calibration', () => {
  it('is 1 with little evidence and the observed / allowed ratio with much, clamped; it never loosens', () => {
    expect(calibrationRatio(0, 0)).toBe(1);
    expect(calibrationRatio(40, 20, 2)).toBeCloseTo(42 / 22, 9);
    expect(calibrationRatio(1000, 1, 2)).toBe(10);
    expect(calibrationRatio(0, 1000, 2)).toBe(1);
  });

  it('ForecastWindow sums inside its window only', () => {
    const clock = new VirtualClock();
    const w = new ForecastWindow(clock, 3600000);
    w.add(0.5);
    clock.advance(30 * 60000);
    w.add(0.25);
    w.add(-1); // ignored
    expect(w.sum()).toBeCloseTo(0.75, 9);
    clock.advance(31 * 60000);
    expect(w.sum()).toBeCloseTo(0.25, 9);
  });
});

describe('ExcessDistribution', () => {
  it('matches the Poisson-binomial tail the normal understates', () => {
    // Two free agents, ten calls at 3.5%: P(D > 0) needs three live answers among ten.
    const d = new ExcessDistribution(-2);
    for (let i = 0; i < 10; i++) d.addLive(0.035);
    // E[max(L - 2, 0)] for L ~ Binomial(10, 0.035), summed directly.
    let direct = 0;
    const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n, k - 1) * (n - k + 1)) / k);
    for (let k = 3; k <= 10; k++) direct += (k - 2) * choose(10, k) * 0.035 ** k * 0.965 ** (10 - k);
    expect(d.expectedPositive()).toBeCloseTo(direct, 10);
  });

  it('subtracts agents likely free and keeps its mean', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }), fc.integer({ min: -5, max: 5 }), (live, free, start) => {
        const d = new ExcessDistribution(start);
        for (const q of live) d.addLive(q);
        for (const q of free) d.addFree(q);
        const mean = start + live.reduce((s, q) => s + q, 0) - free.reduce((s, q) => s + q, 0);
        // E[max(D, 0)] >= max(E[D], 0), and with every agent certain to be free it is 0 unless calls outnumber them.
        expect(d.expectedPositive()).toBeGreaterThanOrEqual(Math.max(0, mean) - 1e-9);
      }),
      { numRuns: 200 },
    );
    const certain = new ExcessDistribution(0).addFree(1).addFree(1).addLive(1);
    expect(certain.expectedPositive()).toBe(0);
    expect(certain.width()).toBe(1);
  });
});
