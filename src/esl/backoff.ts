/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * delay = random(0, min(max, initial * 2^attempt)). The jitter spreads many clients (or many restarts) apart; the
 * exponential cap keeps a dead FreeSWITCH from being hammered. One function, injected, as ioredis' retryStrategy.
 */
export type RetryStrategy = (attempt: number) => number;

export function fullJitterBackoff(initialMs: number, maxMs: number, random: () => number = Math.random): RetryStrategy {
  return (attempt) => {
    const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
    return Math.floor(random() * cap);
  };
}
