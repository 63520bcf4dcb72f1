/**
 * Is memory flat? The soak (scripts/soak.ts) samples the service's memory every minute; a leak shows as a steady
 * upward trend, not as the sawtooth of the garbage collector. The verdict is the least-squares slope of heap used
 * (after a forced GC) and of RSS over the judged window (the last 40 minutes, or after the first quarter of a shorter
 * run: start-up and warm-up fill caches), projected over that window: growth under `maxGrowthMb` or under
 * `maxGrowthRatio` of the mean is flat.
 */

export interface MemorySample {
  t_s: number;
  rss_mb: number;
  heap_used_mb: number;
  /** Not judged: what V8 holds for the heap, to tell the heap's share of RSS from native memory. */
  heap_total_mb?: number;
}

export interface MemoryTrend {
  samples: number;
  window_min: number;
  heap_mean_mb: number;
  heap_slope_mb_per_min: number;
  heap_growth_mb: number;
  rss_slope_mb_per_min: number;
  rss_growth_mb: number;
  flat: boolean;
}

export interface TrendLimits {
  /** The judged window's length at most (default 40 minutes). */
  windowMin?: number;
  maxGrowthMb?: number;
  maxGrowthRatio?: number;
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const round = (x: number, d = 2): number => Number(x.toFixed(d));

export function memoryTrend(all: readonly MemorySample[], limits: TrendLimits = {}): MemoryTrend {
  const windowMin = limits.windowMin ?? 40;
  const maxGrowthMb = limits.maxGrowthMb ?? 16;
  const maxGrowthRatio = limits.maxGrowthRatio ?? 0.1;
  const end = all.length ? all[all.length - 1]!.t_s : 0;
  const from = Math.max(end - windowMin * 60, end / 4);
  const judged = all.filter((s) => s.t_s >= from);
  const minutes = judged.map((s) => s.t_s / 60);
  const span = judged.length > 1 ? minutes[minutes.length - 1]! - minutes[0]! : 0;
  const heapSlope = slope(minutes, judged.map((s) => s.heap_used_mb));
  const rssSlope = slope(minutes, judged.map((s) => s.rss_mb));
  const heapMean = judged.length ? judged.reduce((a, s) => a + s.heap_used_mb, 0) / judged.length : 0;
  const heapGrowth = heapSlope * span;
  const rssGrowth = rssSlope * span;
  const rssMean = judged.length ? judged.reduce((a, s) => a + s.rss_mb, 0) / judged.length : 0;
  const ok = (growth: number, mean: number) => growth <= maxGrowthMb || growth <= maxGrowthRatio * mean;
  return {
    samples: judged.length,
    window_min: round(span, 1),
    heap_mean_mb: round(heapMean, 1),
    heap_slope_mb_per_min: round(heapSlope, 3),
    heap_growth_mb: round(heapGrowth, 1),
    rss_slope_mb_per_min: round(rssSlope, 3),
    rss_growth_mb: round(rssGrowth, 1),
    flat: judged.length >= 3 && ok(heapGrowth, heapMean) && ok(rssGrowth, rssMean),
  };
}
