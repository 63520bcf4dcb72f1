/**
 * The leadership lease (src/ha/leader-lease.ts) with two instances on one database: two DataSources on the same
 * SQLite file, or two pools on the same MariaDB database. Real clocks and a short ttl, since what matters is how the
 * database and the instances' deadlines interleave; the only timing assertions are orderings and "within ttl + renew
 * + slack".
 */
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { VirtualClock } from '../../src/clock/clock';
import { createDataSource } from '../../src/db/data-source';
import { FencedError } from '../../src/ha/errors';
import { LeaderLease, type LeaderLeaseOptions, type LeaseState } from '../../src/ha/leader-lease';
import { TcpProxy, waitFor } from '../cdr/helpers';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

const TTL = 600;
const RENEW = 150;
/** Scheduling slack on a loaded CI machine. */
const SLACK = 2000;

interface RoleEvent {
  who: string;
  role: LeaseState['role'];
  term: number | null;
  /** performance.now(): one monotonic clock for every instance of this process. */
  at: number;
  /** Whether any other instance held the lease (by its own deadline) at the moment of this change. */
  otherHolds: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function expectFenced(fn: () => void, reason: FencedError['reason']): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FencedError);
  expect((err as FencedError).reason).toBe(reason);
}

describeEachEngine('leadership lease', (engine) => {
  let db: TestDatabase;
  /** DataSources opened by a test, closed after it. */
  let extra: DataSource[] = [];
  let leases: LeaderLease[] = [];
  let events: RoleEvent[] = [];

  beforeEach(async () => {
    db = await engine.open();
  });

  afterEach(async () => {
    for (const l of leases) await l.close();
    for (const ds of extra) if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    await db.close();
    leases = [];
    extra = [];
    events = [];
  });

  /** Another connection (pool) to the same database: a second instance. */
  async function openSecond(config: TestDatabase['config'] = db.config): Promise<DataSource> {
    const ds = createDataSource(config, { poolSize: 2 });
    await ds.initialize();
    extra.push(ds);
    return ds;
  }

  function lease(who: string, dataSource: DataSource, over: Partial<LeaderLeaseOptions> = {}): LeaderLease {
    const l = new LeaderLease({ dataSource, instanceId: who, advertiseUrl: `http://${who}.example:8080`, ttlMs: TTL, renewMs: RENEW, ...over });
    l.onChange((s, prev) => {
      if (s.role === prev.role) return;
      events.push({ who, role: s.role, term: s.term, at: performance.now(), otherHolds: leases.some((o) => o !== l && o.holds()) });
    });
    leases.push(l);
    return l;
  }

  const active = (): LeaderLease[] => leases.filter((l) => l.holds());
  const promotions = (who: string): RoleEvent[] => events.filter((e) => e.who === who && e.role === 'active');
  const demotions = (who: string): RoleEvent[] => events.filter((e) => e.who === who && e.role === 'standby');

  async function readRow(): Promise<{ holder: string; term: number; expiresAtMs: number; acquiredAtMs: number }> {
    const rows: Array<Record<string, unknown>> = await db.ds.query(`SELECT holder, term, expires_at_ms, acquired_at_ms FROM ha_leases WHERE name = 'switchboard'`);
    const r = rows[0]!;
    return { holder: String(r.holder), term: Number(r.term), expiresAtMs: Number(r.expires_at_ms), acquiredAtMs: Number(r.acquired_at_ms) };
  }

  it('makes exactly one of two instances active; the other is standby and sees who holds it', async () => {
    const a = lease('a', db.ds);
    const b = lease('b', await openSecond());
    a.start();
    b.start();
    await waitFor(() => active().length === 1 && leases.every((l) => l.state().holder !== null), SLACK, 'one active instance');
    // A few renewals later it is still the same one, and no promotion ever overlapped another instance's holding.
    await sleep(RENEW * 4);
    const [leader] = active();
    const standby = leader === a ? b : a;
    expect(active()).toEqual([leader]);
    expect(events.filter((e) => e.role === 'active')).toHaveLength(1);
    expect(events.every((e) => !e.otherHolds)).toBe(true);

    const leaderId = leader === a ? 'a' : 'b';
    expect(leader!.state()).toMatchObject({ role: 'active', term: 1, holder: leaderId, holderUrl: `http://${leaderId}.example:8080` });
    const seen = standby.state();
    expect(seen).toMatchObject({ role: 'standby', term: 1, holder: leaderId, holderUrl: `http://${leaderId}.example:8080` });
    expect(seen.leaseAgeMs).toEqual(expect.any(Number));
    expect(await readRow()).toMatchObject({ holder: leaderId, term: 1 });

    expect(() => leader!.assertHolds(1)).not.toThrow();
    expectFenced(() => standby.assertHolds(), 'not_leader');
    expect(leader!.stats()).toMatchObject({ promotions: 1, demotions: 0, failures: 0 });
  });

  it('hands over when the holder stops renewing (killed without release), within ttl + renew, under the next term', async () => {
    const a = lease('a', db.ds);
    a.start();
    await waitFor(() => a.holds(), SLACK, 'a active');
    const b = lease('b', await openSecond());
    b.start();
    await waitFor(() => b.state().holder === 'a', SLACK, 'b seeing a');

    const killedAt = performance.now();
    await a.close(); // no release: for the database this is a SIGKILL
    await waitFor(() => b.holds(), TTL + RENEW + SLACK, 'b taking over');
    expect(performance.now() - killedAt).toBeLessThan(TTL + RENEW + SLACK);
    expect(b.state()).toMatchObject({ role: 'active', term: 2, holder: 'b' });
    expect(await readRow()).toMatchObject({ holder: 'b', term: 2 });

    // And back: a restarted instance takes over from b the same way, under term 3.
    const a2 = lease('a2', await openSecond());
    a2.start();
    await waitFor(() => a2.state().holder === 'b', SLACK, 'a2 seeing b');
    await b.close();
    await waitFor(() => a2.holds(), TTL + RENEW + SLACK, 'a2 taking over');
    expect(a2.state().term).toBe(3);
    expect(promotions('b').map((e) => e.term)).toEqual([2]);
    expect(promotions('a2').map((e) => e.term)).toEqual([3]);
    expect(events.every((e) => !e.otherHolds)).toBe(true);
  });

  it('hands over at once on a graceful release, long before the released lease would have expired', async () => {
    // A long ttl: a handover that waited for the expiry would take seconds, not one renew interval.
    const long = { ttlMs: 10_000, renewMs: RENEW };
    const a = lease('a', db.ds, long);
    a.start();
    await waitFor(() => a.holds(), SLACK, 'a active');
    const b = lease('b', await openSecond(), long);
    b.start();
    await waitFor(() => b.state().holder === 'a', SLACK, 'b seeing a');

    // a's lease runs at least until then (a renewal after this read only moves it later).
    const held = await readRow();
    await a.release();
    // a stood down before the row was released: it no longer holds, and is fenced.
    expect(a.holds()).toBe(false);
    expectFenced(() => a.assertHolds(1), 'not_leader');
    await waitFor(() => b.holds(), SLACK, 'b taking over');
    const taken = await readRow();
    expect(taken).toMatchObject({ holder: 'b', term: 2 });
    // On the database's clock: b acquired before a's lease would have run out had it not been released.
    expect(taken.acquiredAtMs).toBeLessThan(held.expiresAtMs);
    // a competes again after its hold-off, as a standby of b.
    await sleep(RENEW * 3);
    expect(a.state()).toMatchObject({ role: 'standby', holder: 'b', term: 2 });
    expect(demotions('a')[0]!.at).toBeLessThanOrEqual(promotions('b')[0]!.at);
    expect(events.every((e) => !e.otherHolds)).toBe(true);
  });

  it('fences by term: a command of an old term is refused even when the same instance leads again', async () => {
    const a = lease('a', db.ds);
    const b = lease('b', await openSecond());
    a.start();
    await waitFor(() => a.holds(), SLACK, 'a active');
    b.start();
    await waitFor(() => b.state().holder === 'a', SLACK, 'b seeing a');
    const first = a.state().term!;
    expect(() => a.assertHolds(first)).not.toThrow();

    await a.release();
    await waitFor(() => b.holds(), SLACK, 'b active');
    expectFenced(() => a.assertHolds(first), 'not_leader');
    await b.release();
    await waitFor(() => a.holds(), SLACK, 'a active again');
    const third = a.state().term!;
    expect(third).toBe(first + 2);
    expectFenced(() => a.assertHolds(first), 'stale_term');
    expect(() => a.assertHolds(third)).not.toThrow();
    expect(() => a.assertHolds()).not.toThrow();
    expect(events.every((e) => !e.otherHolds)).toBe(true);
  });

  it('demotes a holder that loses its database before the other instance can take over', async () => {
    let cut: () => Promise<void>;
    let proxy: TcpProxy | null = null;
    let aDs: DataSource;
    if (engine.name === 'mariadb') {
      // The holder reaches MariaDB through a proxy that is cut: its pool's connections die and new ones are refused.
      const url = new URL((db.config as { url: string }).url);
      proxy = new TcpProxy(url.hostname, Number(url.port || 3306));
      await proxy.start();
      url.port = String(proxy.port);
      aDs = await openSecond({ type: 'mysql', url: url.toString() });
      cut = () => proxy!.stop();
    } else {
      // SQLite has no connection to cut: the holder's DataSource goes away under it, so every statement fails.
      aDs = await openSecond();
      cut = () => aDs.destroy();
    }
    try {
      const a = lease('a', aDs);
      a.start();
      await waitFor(() => a.holds(), SLACK, 'a active');
      const b = lease('b', db.ds);
      b.start();
      await waitFor(() => b.state().holder === 'a', SLACK, 'b seeing a');

      await cut();
      await waitFor(() => b.holds(), TTL + RENEW + SLACK, 'b taking over');
      const [demoted] = demotions('a');
      const [promoted] = promotions('b');
      expect(demoted).toBeDefined();
      // The old leader stood down (by its local deadline, its renewals failing) no later than the new one started.
      expect(demoted!.at).toBeLessThanOrEqual(promoted!.at);
      expect(promoted!.otherHolds).toBe(false);
      expect(promoted!.term).toBe(2);
      expectFenced(() => a.assertHolds(1), 'not_leader');
      expect(a.stats().failures).toBeGreaterThan(0);
      expect(a.stats().lastError).toEqual(expect.any(String));
    } finally {
      await proxy?.stop();
    }
  });

  if (engine.name === 'mariadb') {
    it('takes its own lease back under a new term after losing the database for longer than the ttl', async () => {
      const url = new URL((db.config as { url: string }).url);
      const proxy = new TcpProxy(url.hostname, Number(url.port || 3306));
      await proxy.start();
      url.port = String(proxy.port);
      try {
        const a = lease('a', await openSecond({ type: 'mysql', url: url.toString() }));
        a.start();
        await waitFor(() => a.holds(), SLACK, 'a active');
        await proxy.stop();
        await waitFor(() => !a.holds() && demotions('a').length === 1, TTL + SLACK, 'a standing down');
        await sleep(TTL); // its lease has expired on the database's clock too
        await proxy.start();
        await waitFor(() => a.holds(), SLACK * 3, 'a active again');
        expect(a.state()).toMatchObject({ role: 'active', term: 2, holder: 'a' });
        expect(promotions('a').map((e) => e.term)).toEqual([1, 2]);
        expectFenced(() => a.assertHolds(1), 'stale_term');
      } finally {
        await proxy.stop();
      }
    });

    it('counts a renewal stuck behind a lock as failed at the deadline, and sends no second one meanwhile', async () => {
      const a = lease('a', db.ds);
      a.start();
      await waitFor(() => a.holds(), SLACK, 'a active');
      // Another connection locks the lease row: a's next UPDATE waits for the lock (innodb_lock_wait_timeout).
      const locker = db.ds.createQueryRunner();
      await locker.connect();
      try {
        await locker.startTransaction();
        await locker.query(`SELECT * FROM ha_leases WHERE name = 'switchboard' FOR UPDATE`);
        await waitFor(() => !a.holds() && demotions('a').length === 1, TTL + SLACK, 'a standing down');
        const stuck = a.stats().attempts;
        expect(a.stats().inFlight).toBe(true);
        await sleep(RENEW * 3);
        expect(a.stats()).toMatchObject({ attempts: stuck, inFlight: true });
        await locker.rollbackTransaction();
      } finally {
        await locker.release();
      }
      // The late answer does not make a active under the old term; the next attempt takes a new one.
      await waitFor(() => a.holds(), SLACK, 'a active again');
      expect(promotions('a').map((e) => e.term)).toEqual([1, 2]);
      expect(a.stats().failures).toBeGreaterThan(0);
    });
  }

  it('fences a process that was paused past its deadline before any timer or statement runs', async () => {
    // Timers that never fire on their own and a monotonic clock the test moves: a GC pause or SIGSTOP in miniature.
    const clock = new VirtualClock();
    let mono = 0;
    const a = lease('a', db.ds, { clock, monotonicNow: () => mono });
    a.start();
    await waitFor(() => a.holds(), SLACK, 'a active');
    const term = a.state().term!;
    mono += TTL - Math.round(TTL / 3) - 1;
    expect(() => a.assertHolds(term)).not.toThrow();
    mono += 1; // the local deadline: t0 + ttl - safety, t0 being when the renewal was sent
    expect(a.holds()).toBe(false);
    expectFenced(() => a.assertHolds(term), 'not_leader');
    expect(a.state().role).toBe('standby');
    // The demotion is announced when its timer runs.
    expect(demotions('a')).toHaveLength(0);
    clock.advance(TTL);
    expect(demotions('a')).toHaveLength(1);
  });

  it('never leads twice under one term: a renewal that answers after the instance stood down does not revive it', async () => {
    const clock = new VirtualClock();
    let mono = 0;
    const a = lease('a', db.ds, { clock, monotonicNow: () => mono });
    a.start();
    await waitFor(() => a.holds(), SLACK, 'a active');
    mono = RENEW;
    clock.advance(RENEW); // the renewal of term 1 is sent...
    expect(a.stats()).toMatchObject({ attempts: 2, inFlight: true });
    mono = TTL - Math.round(TTL / 3);
    clock.advance(mono - RENEW); // ...and the deadline of the first one passes before it answers
    expect(demotions('a')).toHaveLength(1);
    await waitFor(() => !a.stats().inFlight, SLACK, 'the late renewal answering');
    // The database renewed term 1 (and its own deadline has not passed), but this instance left term 1 behind.
    expect(a.holds()).toBe(false);
    expect(promotions('a').map((e) => e.term)).toEqual([1]);
    clock.advance(0); // the next attempt is due at once: it takes the lease under a new term
    await waitFor(() => a.holds(), SLACK, 'a active again');
    expect(promotions('a').map((e) => e.term)).toEqual([1, 2]);
    expect(await readRow()).toMatchObject({ holder: 'a', term: 2 });
  });

  it('refuses timings that would lose the lease on one failed renewal', () => {
    expect(() => new LeaderLease({ dataSource: db.ds, instanceId: 'x', ttlMs: 1000, renewMs: 500 })).toThrow(/must be below half its ttl/);
    expect(() => new LeaderLease({ dataSource: db.ds, instanceId: '', ttlMs: 1000, renewMs: 100 })).toThrow(/instanceId/);
  });
});
