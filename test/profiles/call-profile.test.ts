import { VirtualClock } from '../../src/clock/clock';
import { CallProfileCache, profileVariables } from '../../src/profiles/call-profile';
import type { CallerProfile } from '../../src/profiles/profile-store';

function profile(over: Partial<CallerProfile> = {}): CallerProfile {
  const at = new Date(Date.UTC(2026, 0, 1));
  return { id: 7, phone_e164: '+14155550100', crm_id: null, name: 'Ann', vip_level: 2, language: 'zh-CN', tags: ['gold', 'fleet'], blocked: false, notes: null, created_at: at, updated_at: at, updated_by: null, ...over };
}

/** A lookup the test answers by hand, counting its calls. */
function manualLookup() {
  const pending: Array<{ e164: string; resolve: (p: CallerProfile | null) => void; reject: (e: Error) => void }> = [];
  const fn = (e164: string) => new Promise<CallerProfile | null>((resolve, reject) => pending.push({ e164, resolve, reject }));
  return { fn, pending };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('call profile variables', () => {
  it('turns a profile (or none) into string variables', () => {
    expect(profileVariables(profile({ blocked: true }))).toEqual({ profile_id: '7', profile_name: 'Ann', profile_vip: '2', profile_language: 'zh-CN', profile_blocked: 'true', profile_tags: 'gold,fleet' });
    expect(profileVariables(null)).toEqual({ profile_id: '', profile_name: '', profile_vip: '0', profile_language: '', profile_blocked: 'false', profile_tags: '' });
  });

  it('normalises the caller number, caches the answer (no profile included) until the TTL, and refetches after', async () => {
    const clock = new VirtualClock();
    const lookup = manualLookup();
    const cache = new CallProfileCache(lookup.fn, { clock, ttlMs: 60_000 });
    const first = cache.variables('415 555 0100', 'US');
    await flush();
    expect(lookup.pending.map((p) => p.e164)).toEqual(['+14155550100']);
    lookup.pending.shift()!.resolve(profile());
    expect((await first).profile_name).toBe('Ann');
    expect((await cache.variables('+1 415-555-0100')).profile_name).toBe('Ann');
    expect(lookup.pending).toHaveLength(0);
    // A number that is no number is not looked up at all.
    expect(await cache.variables('anonymous')).toEqual(profileVariables(null));
    expect(lookup.pending).toHaveLength(0);
    clock.advance(60_000);
    const again = cache.variables('+14155550100');
    await flush();
    expect(lookup.pending).toHaveLength(1);
    lookup.pending.shift()!.resolve(null);
    expect((await again).profile_id).toBe('');
  });

  it('goes on without a profile when the lookup is slower than its bound, and caches the late answer', async () => {
    const clock = new VirtualClock();
    const lookup = manualLookup();
    const cache = new CallProfileCache(lookup.fn, { clock, timeoutMs: 200 });
    const slow = cache.variables('+14155550100');
    await flush();
    clock.advance(199);
    let settled = false;
    void slow.then(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await slow).toEqual(profileVariables(null));
    lookup.pending.shift()!.resolve(profile({ blocked: true }));
    await flush();
    expect((await cache.variables('+14155550100')).profile_blocked).toBe('true');
    expect(lookup.pending).toHaveLength(0);
  });

  it('goes on without a profile when the lookup fails, and does not cache the failure', async () => {
    const clock = new VirtualClock();
    const lookup = manualLookup();
    const cache = new CallProfileCache(lookup.fn, { clock });
    const failing = cache.variables('+14155550100');
    await flush();
    lookup.pending.shift()!.reject(new Error('database down'));
    expect(await failing).toEqual(profileVariables(null));
    expect(clock.pending()).toBe(0);
    void cache.variables('+14155550100');
    await flush();
    expect(lookup.pending).toHaveLength(1);
  });

  it('does not cache what a lookup read when a write invalidated the cache meanwhile', async () => {
    const clock = new VirtualClock();
    const lookup = manualLookup();
    const cache = new CallProfileCache(lookup.fn, { clock });
    const racing = cache.variables('+14155550100');
    await flush();
    cache.invalidate(['+14155550100']);
    lookup.pending.shift()!.resolve(profile({ blocked: false }));
    expect((await racing).profile_blocked).toBe('false');
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries numbers, dropping the oldest', async () => {
    const cache = new CallProfileCache(async () => null, { clock: new VirtualClock(), maxEntries: 2 });
    for (const n of ['+14155550101', '+14155550102', '+14155550103']) await cache.variables(n);
    expect(cache.size).toBe(2);
  });
});
