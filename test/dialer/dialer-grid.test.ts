import { DEFAULT_GRID, falsePositiveFloor, gridSets, parseGridArgs } from '../../scripts/bench/dialer-grid';

describe('dialer grid bench', () => {
  it('covers every combination of the issue-13 grid, and parses narrower ones', () => {
    expect(gridSets(DEFAULT_GRID)).toHaveLength(2 * 3 * 3 * 2);
    const o = parseGridArgs(['--agents', '10', '--contact-rate=0.05,0.35', '--talk-mean', '600', '--amd-false-positive', '0.02', '--days', '10:5']);
    expect(gridSets(o)).toEqual([
      { agents: 10, contactRate: 0.05, talkMeanS: 600, amdFp: 0.02 },
      { agents: 10, contactRate: 0.35, talkMeanS: 600, amdFp: 0.02 },
    ]);
    expect(o.days[10]).toBe(5);
    expect(() => parseGridArgs(['--talk-mean', 'long'])).toThrow(/talk-mean/);
  });

  it('falsePositiveFloor is the binomial tail above the limit', () => {
    // Binomial(10, 0.5) above 50%: P(X >= 6) = 386 / 1024.
    expect(falsePositiveFloor(10, 0.5, 0.5)).toBeCloseTo(386 / 1024, 12);
    expect(falsePositiveFloor(1000, 0)).toBe(0);
    // 2% false positives: a 300-answer day is above 3% one day in seven; a 2,000-answer day almost never.
    expect(falsePositiveFloor(295, 0.02)).toBeGreaterThan(0.1);
    expect(falsePositiveFloor(2000, 0.02)).toBeLessThan(0.005);
  });
});
