/**
 * The measured live-answer rate from recent attempts: a Beta posterior over the rate, and, from the same attempts,
 * the probability that a call still ringing after `e` seconds will turn out to be a live person (empirical, per
 * second of ring time), plus the delay from dial to the human decision. Nothing here knows the traffic model.
 */
export interface AttemptOutcome {
  /** Ms from dial to resolution (human decision, machine decision, busy, ring timeout). */
  durationMs: number;
  /** True when the resolution was a live person (AMD human decision). */
  live: boolean;
}

const BUCKETS = 90; // seconds of ring time tracked

export class AnswerRateEstimator {
  private ring: AttemptOutcome[] = [];
  private next = 0;
  private liveCount = 0;
  private sinceTable = Infinity;
  private liveTable: number[] = [];
  private liveDelays: number[] = [];

  /** `capacity` recent attempts are kept; prior Beta(priorLive, priorOther). */
  constructor(
    readonly capacity = 3000,
    private readonly priorLive = 1,
    private readonly priorOther = 1,
  ) {}

  record(outcome: AttemptOutcome): void {
    if (this.ring.length < this.capacity) this.ring.push(outcome);
    else {
      if (this.ring[this.next]!.live) this.liveCount--;
      this.ring[this.next] = outcome;
      this.next = (this.next + 1) % this.capacity;
    }
    if (outcome.live) this.liveCount++;
    this.sinceTable++;
  }

  attempts(): number {
    return this.ring.length;
  }

  lives(): number {
    return this.liveCount;
  }

  /** Posterior mean and variance of the live-answer rate. */
  posterior(): { mean: number; variance: number } {
    const a = this.priorLive + this.liveCount;
    const b = this.priorOther + this.ring.length - this.liveCount;
    const n = a + b;
    return { mean: a / n, variance: (a * b) / (n * n * (n + 1)) };
  }

  /** P(live | still unresolved after ringElapsedMs), from recent attempts (posterior mean when data is thin). */
  liveGivenRinging(ringElapsedMs: number): number {
    this.refresh();
    const s = Math.min(BUCKETS - 1, Math.max(0, Math.floor(ringElapsedMs / 1000)));
    return this.liveTable[s] ?? this.posterior().mean;
  }

  /** The q-quantile of the delay from dial to a live person's human decision, ms. */
  liveDelayQuantile(q: number, fallbackMs = 12000): number {
    this.refresh();
    const d = this.liveDelays;
    if (d.length < 10) return fallbackMs;
    return d[Math.min(d.length - 1, Math.floor(q * d.length))]!;
  }

  private refresh(): void {
    if (this.sinceTable < 50 && this.liveTable.length > 0) return;
    this.sinceTable = 0;
    const liveAfter = new Array<number>(BUCKETS + 1).fill(0);
    const allAfter = new Array<number>(BUCKETS + 1).fill(0);
    const delays: number[] = [];
    for (const o of this.ring) {
      const s = Math.min(BUCKETS, Math.floor(o.durationMs / 1000));
      allAfter[s]!++;
      if (o.live) {
        liveAfter[s]!++;
        delays.push(o.durationMs);
      }
    }
    // Suffix sums: attempts resolved at or after second s were still ringing at s.
    const { mean } = this.posterior();
    const table: number[] = [];
    let live = 0;
    let all = 0;
    for (let s = BUCKETS; s >= 0; s--) {
      live += liveAfter[s]!;
      all += allAfter[s]!;
      // Shrink towards the overall rate with a weak prior of 5 attempts.
      if (s < BUCKETS) table[s] = (live + 5 * mean) / (all + 5);
    }
    this.liveTable = table;
    this.liveDelays = delays.sort((a, b) => a - b);
  }
}
