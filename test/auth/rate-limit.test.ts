import { LoginRateLimiter } from '../../src/auth/rate-limit';
import { VirtualClock } from '../../src/clock/clock';

describe('LoginRateLimiter', () => {
  it('refuses after 10 failures in 5 minutes for one username+IP, then lets the window slide', () => {
    const clock = new VirtualClock();
    const rl = new LoginRateLimiter(clock);
    for (let i = 0; i < 10; i++) {
      expect(rl.check('Alice', '10.0.0.1').allowed).toBe(true);
      rl.recordFailure('alice', '10.0.0.1');
      clock.advance(1000);
    }
    const d = rl.check('ALICE', '10.0.0.1');
    expect(d.allowed).toBe(false);
    expect(d.retryAfterSeconds).toBeGreaterThan(280);
    expect(d.retryAfterSeconds).toBeLessThanOrEqual(300);
    // Other usernames and other addresses are unaffected.
    expect(rl.check('bob', '10.0.0.1').allowed).toBe(true);
    expect(rl.check('alice', '10.0.0.2').allowed).toBe(true);
    // The first failure leaves the window 5 minutes after it happened.
    clock.advance(300_000 - 10_000 + 1);
    expect(rl.check('alice', '10.0.0.1').allowed).toBe(true);
  });

  it('reset() after a success clears the username+IP count', () => {
    const clock = new VirtualClock();
    const rl = new LoginRateLimiter(clock, { maxFailures: 3 });
    for (let i = 0; i < 3; i++) rl.recordFailure('a', 'ip');
    expect(rl.check('a', 'ip').allowed).toBe(false);
    rl.reset('a', 'ip');
    expect(rl.check('a', 'ip').allowed).toBe(true);
  });

  it('limits one IP across many usernames', () => {
    const clock = new VirtualClock();
    const rl = new LoginRateLimiter(clock, { maxFailuresPerIp: 20 });
    for (let i = 0; i < 20; i++) rl.recordFailure(`user${i}`, '10.9.9.9');
    expect(rl.check('fresh-user', '10.9.9.9').allowed).toBe(false);
    expect(rl.check('fresh-user', '10.9.9.8').allowed).toBe(true);
  });

  it('stays bounded in memory', () => {
    const clock = new VirtualClock();
    const rl = new LoginRateLimiter(clock, { maxKeys: 100 });
    for (let i = 0; i < 1000; i++) rl.recordFailure(`u${i}`, `ip${i}`);
    expect((rl as unknown as { failures: Map<string, number[]> }).failures.size).toBeLessThanOrEqual(100);
  });
});
