import type { Clock } from '../clock/clock';

export interface RateLimitOptions {
  /** Failures allowed per username+IP within the window before logins are refused. */
  maxFailures?: number;
  /** Failures allowed per IP (any username) within the window: slows password spraying. */
  maxFailuresPerIp?: number;
  windowMs?: number;
  /** Bound on remembered keys; the oldest are forgotten first. */
  maxKeys?: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until another attempt is allowed (when not allowed). */
  retryAfterSeconds: number;
}

/** Sliding-window counter of failed logins, per username+IP and per IP. In memory: one process. */
export class LoginRateLimiter {
  readonly maxFailures: number;
  readonly maxFailuresPerIp: number;
  readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    options: RateLimitOptions = {},
  ) {
    this.maxFailures = options.maxFailures ?? 10;
    this.maxFailuresPerIp = options.maxFailuresPerIp ?? 100;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  check(username: string, ip: string): RateLimitDecision {
    const now = this.clock.now();
    const a = this.decide(userKey(username, ip), this.maxFailures, now);
    const b = this.decide(ipKey(ip), this.maxFailuresPerIp, now);
    if (a.allowed && b.allowed) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(a.retryAfterSeconds, b.retryAfterSeconds) };
  }

  recordFailure(username: string, ip: string): void {
    const now = this.clock.now();
    this.push(userKey(username, ip), now);
    this.push(ipKey(ip), now);
  }

  /** After a successful login: forgets that username+IP's failures (not the IP's). */
  reset(username: string, ip: string): void {
    this.failures.delete(userKey(username, ip));
  }

  private decide(key: string, max: number, now: number): RateLimitDecision {
    const list = this.recent(key, now);
    if (list.length < max) return { allowed: true, retryAfterSeconds: 0 };
    // Allowed again once enough failures have left the window.
    const oldestThatMustExpire = list[list.length - max]!;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldestThatMustExpire + this.windowMs - now) / 1000)) };
  }

  private recent(key: string, now: number): number[] {
    const list = this.failures.get(key);
    if (!list) return [];
    const cutoff = now - this.windowMs;
    const kept = list.filter((t) => t > cutoff);
    if (kept.length === 0) this.failures.delete(key);
    else if (kept.length !== list.length) this.failures.set(key, kept);
    return kept;
  }

  private push(key: string, now: number): void {
    const list = this.recent(key, now);
    list.push(now);
    this.failures.delete(key); // re-insert: Map order is then least-recently-failed first
    this.failures.set(key, list.slice(-1000));
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }
}

function userKey(username: string, ip: string): string {
  return `u:${username.trim().toLowerCase()}\u0000${ip}`;
}
function ipKey(ip: string): string {
  return `ip:${ip}`;
}
