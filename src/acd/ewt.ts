/**
 * Estimated wait time.
 *
 * Handle time (talk + wrap-up) is averaged per queue with an exponentially weighted moving average (alpha 0.2),
 * starting from DEFAULT_HANDLE_MS (180 s) until the first call is handled.
 *
 *   ewt = max(0, ceil(position / staffed) * avgHandle - min(avgHandle, longestBusy))
 *
 * where `staffed` is the number of the queue's agents not logged out (null when 0: no estimate), `position` is the
 * caller's 1-based place in routing order, and `longestBusy` is how long the agent busy the longest (on a call or in
 * wrap-up) has been so: that agent is expected to free up soonest, so the first round is shorter by that much.
 */
export const DEFAULT_HANDLE_MS = 180_000;
const ALPHA = 0.2;

export class HandleTimeEstimator {
  private avg: number | null = null;

  record(handleMs: number): void {
    if (!Number.isFinite(handleMs) || handleMs < 0) return;
    this.avg = this.avg === null ? handleMs : this.avg + ALPHA * (handleMs - this.avg);
  }

  averageMs(): number {
    return this.avg ?? DEFAULT_HANDLE_MS;
  }
}

export function estimateWaitSec(input: { position: number; staffed: number; avgHandleMs: number; longestBusyMs: number }): number | null {
  if (input.staffed <= 0) return null;
  const rounds = Math.ceil(Math.max(1, input.position) / input.staffed);
  const ms = rounds * input.avgHandleMs - Math.min(input.avgHandleMs, Math.max(0, input.longestBusyMs));
  return Math.max(0, Math.ceil(ms / 1000));
}
