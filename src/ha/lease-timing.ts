/**
 * The one rule on the lease's timing, shared by LeaderLease and the config loader (which refuses a bad pair at
 * start-up): at least two renewals fit in a ttl, so a single failed renewal does not lose the lease.
 */
export function leaseTimingProblem(ttlMs: number, renewMs: number): string | null {
  if (!(ttlMs > 0) || !(renewMs > 0)) return `the lease ttl (${ttlMs} ms) and renew interval (${renewMs} ms) must be positive`;
  if (renewMs >= ttlMs / 2)
    return `the lease renew interval (${renewMs} ms) must be below half its ttl (${ttlMs} ms), so that one failed renewal does not lose the lease`;
  return null;
}
