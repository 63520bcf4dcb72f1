/**
 * Abandonment over the campaign's rolling compliance window (24 h for Ofcom, 30 days for the FTC/FCC rule), in
 * one-minute buckets so a 30-day window stays small. Pure apart from the injected clock.
 */
import type { Clock } from '../clock/clock';

export const DAY_MS = 24 * 3600 * 1000;

interface Bucket {
  minute: number;
  live: number;
  abandoned: number;
}

export class AbandonWindow {
  private buckets: Bucket[] = [];
  private live = 0;
  private abandoned = 0;

  constructor(
    private readonly clock: Clock,
    readonly windowMs: number = DAY_MS,
  ) {}

  /** A live person answered (AMD human decision, or an AMD false positive: it counts as live and abandoned). */
  recordLive(abandoned: boolean, at: number = this.clock.now()): void {
    // Results replayed from the ledger after a restart come in time order, before any live one.
    const minute = Math.floor(at / 60000);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.minute !== minute) {
      last = { minute, live: 0, abandoned: 0 };
      this.buckets.push(last);
    }
    last.live++;
    this.live++;
    if (abandoned) {
      last.abandoned++;
      this.abandoned++;
    }
  }

  /** Live answers and abandoned calls inside the window ending now. */
  counts(): { live: number; abandoned: number } {
    const oldest = Math.floor((this.clock.now() - this.windowMs) / 60000);
    let drop = 0;
    while (drop < this.buckets.length && this.buckets[drop]!.minute <= oldest) {
      this.live -= this.buckets[drop]!.live;
      this.abandoned -= this.buckets[drop]!.abandoned;
      drop++;
    }
    if (drop > 0) this.buckets.splice(0, drop);
    return { live: this.live, abandoned: this.abandoned };
  }

  /**
   * The window's live answers and abandons in blocks of `blockMinutes` (only blocks with a live answer), oldest
   * first: how bursty abandons are (src/dialer/abandon-margin.ts).
   */
  blocks(blockMinutes: number): { live: number; abandoned: number }[] {
    this.counts();
    const out: { live: number; abandoned: number }[] = [];
    let key = Number.NaN;
    for (const b of this.buckets) {
      const k = Math.floor(b.minute / blockMinutes);
      if (k !== key) {
        out.push({ live: 0, abandoned: 0 });
        key = k;
      }
      out[out.length - 1]!.live += b.live;
      out[out.length - 1]!.abandoned += b.abandoned;
    }
    return out;
  }

  /** When the oldest answer still in the window came (start of its minute), or undefined when it is empty. */
  oldestAt(): number | undefined {
    this.counts();
    const first = this.buckets[0];
    return first === undefined ? undefined : first.minute * 60000;
  }

  rate(): number {
    const { live, abandoned } = this.counts();
    return live === 0 ? 0 : abandoned / live;
  }
}
