/**
 * When a failed delivery is tried again. The nth retry waits RETRY_DELAYS_MS[n] (10 s, 30 s, 2 min, 10 min, 1 h:
 * roughly exponential, and the last gaps long enough to ride out a receiver's deploy or outage), each multiplied by
 * a random factor in [0.8, 1.2) so endpoints that failed together do not all come back in the same second.
 * After MAX_ATTEMPTS attempts (the first + one per delay) the delivery is given up (status failed).
 */
export const RETRY_DELAYS_MS = [10_000, 30_000, 120_000, 600_000, 3_600_000] as const;

export interface RetryPolicy {
  delaysMs: readonly number[];
  /** A number in [0, 1). */
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { delaysMs: RETRY_DELAYS_MS, random: Math.random };

/** Delay before the next attempt after `attemptsMade` failed attempts; null: give up. */
export function retryDelayMs(policy: RetryPolicy, attemptsMade: number): number | null {
  const base = policy.delaysMs[attemptsMade - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * policy.random()));
}

export function maxAttempts(policy: RetryPolicy): number {
  return policy.delaysMs.length + 1;
}
