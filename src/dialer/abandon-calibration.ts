/**
 * How far the pacer's abandon model is off, measured (issue 13). Each launch is allowed a number of abandons: the
 * budget the model was held to x the launched calls' expected live answers. Over the last 24 h, the abandons that
 * did happen divided by those allowed say how much the model understates them (a ratio above 1; in the simulation
 * at low contact rates it did by about 1.5x, a bias not isolated: the wave model ignores when, inside the horizon,
 * each live answer and each freed agent come). The pacer divides the model's budget by the ratio; as the ratio is taken against what it was
 * allowed (not against the model's own forecast) this is an integral correction: it settles where the abandonment
 * obtained is the one aimed at, whatever the model's bias. It only ever tightens (a ratio below 1 is taken as 1),
 * so quiet hours cannot wind it up. Pure apart from the injected clock.
 */
import type { Clock } from '../clock/clock';
import { DAY_MS } from './abandon-window';

/** (observed + prior) / (allowed + prior), clamped: the prior (in abandons) keeps a young window near 1. */
export function calibrationRatio(observed: number, allowed: number, prior = 2, min = 1, max = 10): number {
  const r = (Math.max(0, observed) + prior) / (Math.max(0, allowed) + prior);
  return Math.min(max, Math.max(min, r));
}

/** Abandons allowed over a rolling window, in one-minute buckets. */
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
