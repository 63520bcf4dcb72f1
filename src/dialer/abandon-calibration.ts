/**
 * How far the pacer's own abandon forecasts are off, measured (issue 13). Each launch adds the abandons the model
 * expects it to cause (the wave's expected abandons with the new calls, less without them); over the last 24 h the
 * abandons that did happen, divided by those forecast, say how much the model under- (ratio > 1) or over-states
 * (< 1) them: with few live answers per line (low contact rates, many lines ringing) it sees agents free "within
 * the horizon" that a live person reaching them a few seconds earlier still misses. The pacer divides its budget
 * by the ratio, so the abandonment it gets is the one it aims at. Pure apart from the injected clock.
 */
import type { Clock } from '../clock/clock';
import { DAY_MS } from './abandon-window';

/** (observed + prior) / (forecast + prior), clamped: the prior (in abandons) keeps a young window near 1. */
export function calibrationRatio(observed: number, forecast: number, prior = 2, min = 1, max = 10): number {
  const r = (Math.max(0, observed) + prior) / (Math.max(0, forecast) + prior);
  return Math.min(max, Math.max(min, r));
}

/** Forecast abandons over a rolling window, in one-minute buckets. */
export class ForecastWindow {
  private buckets: { minute: number; sum: number }[] = [];
  private total = 0;

  constructor(
    private readonly clock: Clock,
    readonly windowMs: number = DAY_MS,
  ) {}

  add(expectedAbandons: number, at: number = this.clock.now()): void {
    if (!(expectedAbandons > 0)) return;
    const minute = Math.floor(at / 60000);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.minute !== minute) {
      last = { minute, sum: 0 };
      this.buckets.push(last);
    }
    last.sum += expectedAbandons;
    this.total += expectedAbandons;
  }

  sum(): number {
    const oldest = Math.floor((this.clock.now() - this.windowMs) / 60000);
    let drop = 0;
    while (drop < this.buckets.length && this.buckets[drop]!.minute <= oldest) this.total -= this.buckets[drop++]!.sum;
    if (drop > 0) this.buckets.splice(0, drop);
    if (this.buckets.length === 0) this.total = 0; // no float drift once empty
    return Math.max(0, this.total);
  }
}
