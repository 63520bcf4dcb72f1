import { memoryTrend, type MemorySample } from '../../src/demo/memory-trend';

const series = (minutes: number, f: (min: number) => { heap: number; rss: number }): MemorySample[] =>
  Array.from({ length: minutes + 1 }, (_, m) => ({ t_s: m * 60, heap_used_mb: f(m).heap, rss_mb: f(m).rss }));

describe('memoryTrend', () => {
  it('calls a sawtooth around a level flat', () => {
    const t = memoryTrend(series(60, (m) => ({ heap: 80 + (m % 3) * 6, rss: 200 + (m % 4) * 8 })));
    expect(t.flat).toBe(true);
    expect(t.window_min).toBe(40);
    expect(Math.abs(t.heap_growth_mb)).toBeLessThan(4);
  });

  it('calls a steady climb a leak, even a slow one past the bound', () => {
    const t = memoryTrend(series(60, (m) => ({ heap: 80 + m * 0.6, rss: 200 + m * 0.6 })));
    expect(t.heap_slope_mb_per_min).toBeCloseTo(0.6, 2);
    expect(t.heap_growth_mb).toBeCloseTo(24, 0);
    expect(t.flat).toBe(false);
  });

  it('judges only the last 40 minutes (warm-up fills caches), and the last three quarters of a short run', () => {
    const warm = memoryTrend(series(60, (m) => ({ heap: m < 15 ? 20 + m * 4 : 80, rss: m < 15 ? 100 + m * 8 : 220 })));
    expect(warm.flat).toBe(true);
    const short = memoryTrend(series(10, (m) => ({ heap: m < 2 ? 30 + m * 20 : 70, rss: 150 })));
    expect(short.window_min).toBe(7);
    expect(short.flat).toBe(true);
  });

  it('needs at least three samples to call anything flat', () => {
    expect(memoryTrend(series(1, () => ({ heap: 50, rss: 100 }))).flat).toBe(false);
    expect(memoryTrend([]).flat).toBe(false);
  });
});
