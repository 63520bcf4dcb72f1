/**
 * The leadership lease of active/standby HA (issue 11): several service instances share one database, and the one
 * holding the row `ha_leases.<name>` is active; the others are standbys that try to take it every renewMs.
 *
 * Who holds the lease is decided by the database alone: taking or renewing it is one conditional UPDATE whose times
 * are the database's clock (src/ha/lease-sql.ts), so two instances whose clocks disagree still see one holder. Every
 * new holding gets a new term (a number that only grows); the service passes the term it decided a command under to
 * assertHolds before sending it, and a command of an old term is never sent.
 *
 * When does this instance stop acting? The database says the lease runs until D + ttl, D being the database's time
 * when our UPDATE ran. We never learn D on our clock, and we do not need to: the UPDATE cannot have run before we
 * sent it, so if t0 is our local MONOTONIC time at the moment the statement was SENT (not when the answer came), the
 * lease lasts at least ttl of real time from t0. Another instance can only take it once the database's clock has
 * moved ttl past D, which is ttl of real time after t0 or later. We stop at t0 + ttl - safety on our monotonic clock.
 * Both sides measure a DURATION from an event each has seen the same side of (our send precedes D), so no clock
 * offset enters; only clock RATES do, and safety (default ttl/3) absorbs any plausible rate difference (NTP keeps it
 * to well under 0.1%), the time between a command passing the fence and reaching FreeSWITCH, and a timer firing late.
 * Hence "the old leader stops before the new one starts", whatever the answer's delay. What it does NOT survive is
 * the database's clock being stepped forward by more than safety (an NTP step on the database host): run it with a
 * slewing time daemon. The check is made by holds()/assertHolds() against the deadline itself, not by a timer, so a
 * process paused by GC or SIGSTOP and resumed after its deadline finds itself fenced before it sends anything.
 *
 * One statement at a time: the next attempt is only sent once the previous one has answered (failed or not), and an
 * attempt that answers after our deadline counts as failed. A failed renewal (database error, timeout, a lost row)
 * keeps us active until the deadline, and the next attempt comes after half an interval, so a blip of up to renewMs / 2
 * never costs the lease; a renewal that proves another instance holds the lease demotes us at once.
 */
import type { DataSource, QueryRunner } from 'typeorm';
import { systemClock, type Clock, type ClockTimer } from '../clock/clock';
import { silentLogger, type Logger } from '../log/logger';
import { FencedError } from './errors';
import { leaseTimingProblem } from './lease-timing';
import { acquireOrRenew, ensureLeaseRow, expireLease, leaseEngineOf, readLease, type LeaseEngine, type LeaseRow } from './lease-sql';

/** How long after the holder's lease runs out (by the database's clock, as last read) a standby asks for it. */
const EXPIRY_MARGIN_MS = 20;

export type LeaseRole = 'active' | 'standby';

export interface LeaseState {
  role: LeaseRole;
  /** Active: the term we lead under. Standby: the latest term granted as last seen (null: never read the row). */
  term: number | null;
  /** Who holds the lease (ourselves when active), null when nobody holds an unexpired lease as last seen. */
  holder: string | null;
  holderUrl: string | null;
  /** Active: ms since our last successful renewal was sent. Standby: age of the holder's last renewal as last seen. */
  leaseAgeMs: number | null;
}

export interface LeaseStats {
  /**
   * Attempts sent; attempts that answered in time (a renewal, an acquisition, or a standby seeing the holder); failed
   * attempts (database errors, answers after the deadline).
   */
  attempts: number;
  successes: number;
  failures: number;
  /** Times this instance became active / stopped being active. */
  promotions: number;
  demotions: number;
  inFlight: boolean;
  lastError: string | null;
}

export type LeaseListener = (state: LeaseState, previous: LeaseState) => void;

export interface LeaderLeaseOptions {
  dataSource: DataSource;
  /** Unique per running instance (two instances with one id would both think they hold the lease). */
  instanceId: string;
  /** The URL other instances may forward writes to while we are active (stored in the row, shown to standbys). */
  advertiseUrl?: string;
  /** How long a renewal holds the lease, on the database's clock (default 3000). */
  ttlMs?: number;
  /** Interval between attempts (default 1000); must be below ttlMs / 2 so a lease survives one failed renewal. */
  renewMs?: number;
  /** How much earlier than ttl we stop acting (default ttlMs / 3). See the comment at the top of this file. */
  safetyMs?: number;
  /** Timers (default systemClock). */
  clock?: Clock;
  /**
   * Local monotonic time in ms for the deadline (default: performance.now() with the system clock, which NTP cannot
   * step backwards; clock.now() with any other clock, e.g. a VirtualClock in tests).
   */
  monotonicNow?: () => number;
  logger?: Logger;
  /** The lease row's name (default 'switchboard'): one lease per cluster of instances. */
  name?: string;
}

export class LeaderLease {
  private readonly ds: DataSource;
  private readonly engine: LeaseEngine;
  private readonly instanceId: string;
  private readonly holderUrl: string | null;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly safetyMs: number;
  private readonly clock: Clock;
  private readonly mono: () => number;
  private readonly log: Logger;
  private readonly name: string;
  private readonly listeners = new Set<LeaseListener>();

  private role: LeaseRole = 'standby';
  /** The term we lead under (active), or the last term seen (standby). */
  private term: number | null = null;
  /** Until when (monotonic) we may act, while active. */
  private deadline = 0;
  /** Monotonic send time of our last successful renewal. */
  private lastRenewalSentAt: number | null = null;
  /** The term we held last in the database, active or not (what release() may expire). */
  private heldTerm: number | null = null;
  /** The term of our last active period: never promoted under twice, so each promotion fences off the one before. */
  private ledTerm: number | null = null;
  /** The other holder as last seen, and when (monotonic) we saw it. */
  private seen: { row: LeaseRow; at: number } | null = null;
  /** After release(): no attempt to take the lease before this (monotonic), so a standby gets it. */
  private holdOffUntil = 0;

  private started = false;
  private closed = false;
  private inFlight: Promise<void> | null = null;
  private attemptTimer: ClockTimer | null = null;
  /** As a standby: how long the holder's lease had left when last read (the database's clock), for the next attempt. */
  private expiresInHint: number | null = null;
  private deadlineTimer: ClockTimer | null = null;
  private readonly counters = { attempts: 0, successes: 0, failures: 0, promotions: 0, demotions: 0 };
  private lastError: string | null = null;

  constructor(options: LeaderLeaseOptions) {
    this.ds = options.dataSource;
    this.engine = leaseEngineOf(options.dataSource);
    if (!options.instanceId) throw new Error('LeaderLease: instanceId must not be empty');
    this.instanceId = options.instanceId;
    this.holderUrl = options.advertiseUrl ?? null;
    this.ttlMs = options.ttlMs ?? 3000;
    this.renewMs = options.renewMs ?? 1000;
    const problem = leaseTimingProblem(this.ttlMs, this.renewMs);
    if (problem) throw new Error(`LeaderLease: ${problem}`);
    this.safetyMs = options.safetyMs ?? Math.round(this.ttlMs / 3);
    if (!(this.safetyMs >= 0) || this.ttlMs - this.safetyMs <= this.renewMs)
      throw new Error(`LeaderLease: safetyMs (${this.safetyMs}) must leave more than one renew interval (${this.renewMs} ms) of the ttl (${this.ttlMs} ms)`);
    this.clock = options.clock ?? systemClock;
    const clock = this.clock;
    this.mono = options.monotonicNow ?? (clock === systemClock ? () => performance.now() : () => clock.now());
    this.name = options.name ?? 'switchboard';
    this.log = (options.logger ?? silentLogger).child({ module: 'ha', lease: this.name, instance: this.instanceId });
  }

  /** Starts competing for the lease: the first attempt at once, then one every renewMs. */
  start(): void {
    if (this.closed) throw new Error('LeaderLease: closed');
    if (this.started) return;
    this.started = true;
    this.attempt();
  }

  /** Whether this instance may act now: it holds the lease and its local deadline has not passed. */
  holds(): boolean {
    return this.role === 'active' && this.mono() < this.deadline;
  }

  /**
   * The fence, to call right before every command sent to FreeSWITCH: throws FencedError unless this instance holds
   * the lease now (by its local deadline) and, when `term` is given, under that term.
   */
  assertHolds(term?: number): void {
    if (!this.holds()) throw new FencedError('not_leader', null, term);
    if (term !== undefined && term !== this.term) throw new FencedError('stale_term', this.term, term);
  }

  state(): LeaseState {
    const now = this.mono();
    if (this.holds()) {
      return { role: 'active', term: this.term, holder: this.instanceId, holderUrl: this.holderUrl, leaseAgeMs: now - (this.lastRenewalSentAt ?? now) };
    }
    const seen = this.seen;
    if (!seen) return { role: 'standby', term: this.term, holder: null, holderUrl: null, leaseAgeMs: null };
    const live = seen.row.holder !== '' && seen.row.expiresAtMs >= seen.row.dbNowMs;
    return {
      role: 'standby',
      term: seen.row.term,
      holder: live ? seen.row.holder : null,
      holderUrl: live ? seen.row.holderUrl : null,
      leaseAgeMs: live ? Math.max(0, seen.row.dbNowMs - seen.row.renewedAtMs) + (now - seen.at) : null,
    };
  }

  stats(): LeaseStats {
    return { ...this.counters, inFlight: this.inFlight !== null, lastError: this.lastError };
  }

  /** Calls `listener` after every change of role or term (with the new and the previous state); returns unsubscribe. */
  onChange(listener: LeaseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Graceful step-down: stops acting at once, then expires our lease on the database's clock so a standby takes over
   * at its next attempt instead of after ttl. This instance then stays standby for one ttl (so another one gets the
   * lease) and competes again after it. For a shutdown: `await release(); await close()`.
   */
  async release(): Promise<void> {
    this.holdOffUntil = this.mono() + this.ttlMs;
    if (this.role === 'active') this.demote('released');
    // A renewal in flight would extend the lease after we expired it: let it answer first.
    await this.inFlight;
    const term = this.heldTerm;
    if (term === null) return;
    await this.withRunner(async (qr) => {
      const expired = await expireLease(qr, this.engine, this.name, this.instanceId, term);
      this.log.info(expired ? 'leadership lease released' : 'leadership lease was no longer ours to release', { term });
    }).catch((err: unknown) => {
      // Not fatal: the lease then runs out by itself within ttl.
      this.log.warn('could not release the leadership lease; it expires by itself', { term, error: (err as Error).message });
    });
  }

  /**
   * Stops competing: no more statements, and this instance is standby from now on. The lease row is left as it is
   * (for the others it is as if the process had died: they take over when it expires); call release() first for a
   * handover at once. Waits for a statement in flight, so the DataSource can be closed after.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.attemptTimer?.cancel();
    this.attemptTimer = null;
    if (this.role === 'active') this.demote('closed');
    await this.inFlight;
  }

  // ---- the attempt loop --------------------------------------------------------------------------------------

  /** Sends one attempt; the next is scheduled from this one's send time once it has answered. */
  private attempt(): void {
    this.attemptTimer = null;
    if (this.closed || this.inFlight) return;
    // Past the deadline without the timer having fired (a busy event loop): stand down before asking, so this
    // attempt asks for a new term instead of renewing one whose deadline passed.
    if (this.role === 'active' && this.mono() >= this.deadline) this.demote('deadline');
    const sentAt = this.mono();
    this.counters.attempts++;
    const run = this.runAttempt(sentAt).then(
      (ok) => ok,
      (err: unknown) => {
        this.failed(err instanceof Error ? err.message : String(err));
        return false;
      },
    );
    this.inFlight = run.then((ok) => {
      this.inFlight = null;
      if (this.closed) return;
      // After a failure, try again sooner, so one lost renewal still leaves a second chance before the deadline.
      let interval = ok ? this.renewMs : Math.max(1, Math.round(this.renewMs / 2));
      // A standby that saw when the holder's lease runs out asks again right then, not up to renewMs later: a dead
      // active is replaced ttl after its last renewal, not ttl + renewMs.
      const expiresIn = this.role === 'standby' ? this.expiresInHint : null;
      if (ok && expiresIn !== null) interval = Math.min(interval, Math.max(1, expiresIn + EXPIRY_MARGIN_MS));
      this.expiresInHint = null;
      const delay = Math.max(0, sentAt + interval - this.mono());
      this.attemptTimer = this.clock.setTimeout(() => this.attempt(), delay);
    });
  }

  /** One attempt: take or renew the lease (unless holding off after release), then read the row back. */
  private async runAttempt(sentAt: number): Promise<boolean> {
    const holdingOff = this.mono() < this.holdOffUntil;
    const outcome = await this.withRunner(async (qr) => {
      let held = false;
      if (!holdingOff) {
        const params = { name: this.name, instanceId: this.instanceId, holderUrl: this.holderUrl, ttlMs: this.ttlMs, renewTerm: this.role === 'active' ? this.term : null };
        held = await acquireOrRenew(qr, this.engine, params);
        if (!held) {
          const row = await readLease(qr, this.engine, this.name);
          if (row) return { held: false, row };
          await ensureLeaseRow(qr, this.engine, this.name);
          held = await acquireOrRenew(qr, this.engine, params);
        }
      }
      return { held, row: await readLease(qr, this.engine, this.name) };
    });
    if (this.closed) return true;
    const { held, row } = outcome;
    if (!row) {
      this.failed('the lease row is missing');
      return false;
    }
    const deadline = sentAt + this.ttlMs - this.safetyMs;
    if (held && row.holder === this.instanceId) {
      this.heldTerm = row.term;
      if (this.mono() >= deadline) {
        // Answered too late to act on: what the database granted may already be over on its clock.
        if (this.role === 'active' && this.mono() >= this.deadline) this.demote('deadline');
        this.failed(`the lease statement answered after the local deadline (${Math.round(this.mono() - sentAt)} ms after it was sent)`);
        return false;
      }
      // Released meanwhile: release() expires what this answer granted.
      if (this.role === 'standby' && this.mono() < this.holdOffUntil) return true;
      if (this.role === 'standby' && row.term === this.ledTerm) {
        // A renewal sent while active answered after we stood down at the deadline: that term is over here.
        this.failed(`renewed term ${row.term} after standing down from it; the next attempt takes a new term`);
        return false;
      }
      this.succeeded(sentAt, deadline, row.term);
      return true;
    }
    this.observe(row);
    const someoneElse = row.holder !== this.instanceId && row.holder !== '' && row.expiresAtMs >= row.dbNowMs;
    this.expiresInHint = someoneElse ? row.expiresAtMs - row.dbNowMs : null;
    if (this.role === 'active' && someoneElse) this.demote('taken', row);
    if (holdingOff) return true;
    // Not held though the statement ran: someone else's unexpired lease is the normal standby case.
    if (someoneElse) {
      this.counters.successes++;
      this.recovered();
      return true;
    }
    this.failed('the lease was neither taken nor held by another instance');
    return false;
  }

  private succeeded(sentAt: number, deadline: number, term: number): void {
    this.counters.successes++;
    this.recovered();
    this.seen = null;
    if (this.role === 'active' && this.term !== term) this.demote('term_changed');
    this.lastRenewalSentAt = sentAt;
    this.deadline = deadline;
    this.deadlineTimer?.cancel();
    this.deadlineTimer = this.clock.setTimeout(() => this.deadlinePassed(), Math.max(0, deadline - this.mono()));
    if (this.role !== 'active') {
      const previous = this.state();
      this.role = 'active';
      this.term = term;
      this.ledTerm = term;
      this.counters.promotions++;
      this.log.info('leadership lease acquired: active', { term });
      this.emit(previous);
    }
  }

  private deadlinePassed(): void {
    this.deadlineTimer = null;
    if (this.role !== 'active') return;
    // A renewal that extended the deadline re-armed the timer; this one may be a stale wake-up.
    const left = this.deadline - this.mono();
    if (left > 0) {
      this.deadlineTimer = this.clock.setTimeout(() => this.deadlinePassed(), left);
      return;
    }
    this.demote('deadline');
  }

  private demote(why: 'deadline' | 'taken' | 'term_changed' | 'released' | 'closed', row?: LeaseRow): void {
    if (this.role !== 'active') return;
    const previous: LeaseState = {
      role: 'active',
      term: this.term,
      holder: this.instanceId,
      holderUrl: this.holderUrl,
      leaseAgeMs: this.lastRenewalSentAt === null ? null : this.mono() - this.lastRenewalSentAt,
    };
    this.role = 'standby';
    this.deadline = 0;
    this.deadlineTimer?.cancel();
    this.deadlineTimer = null;
    this.counters.demotions++;
    const level = why === 'released' || why === 'closed' ? 'info' : 'warn';
    this.log[level]('leadership lease lost: standby', { term: this.term, why, ...(row ? { holder: row.holder, holderTerm: row.term } : {}), lastError: this.lastError });
    this.emit(previous);
  }

  /** Records the row as a standby sees it; a new term seen is a change for the listeners. */
  private observe(row: LeaseRow): void {
    const previous = this.state();
    this.seen = { row, at: this.mono() };
    if (this.role === 'standby') {
      const changed = this.term !== row.term;
      this.term = row.term;
      if (changed) this.emit(previous);
    }
  }

  private failed(message: string): void {
    this.counters.failures++;
    if (this.lastError === null) this.log.warn('leadership lease attempt failed', { error: message, role: this.role, term: this.term });
    this.lastError = message;
  }

  private recovered(): void {
    if (this.lastError !== null) this.log.info('leadership lease attempts succeed again', { after: this.lastError });
    this.lastError = null;
  }

  private emit(previous: LeaseState): void {
    const state = this.state();
    for (const l of [...this.listeners]) {
      try {
        l(state, previous);
      } catch (err) {
        this.log.error('leadership lease listener failed', { error: (err as Error).message });
      }
    }
  }

  private async withRunner<T>(body: (qr: QueryRunner) => Promise<T>): Promise<T> {
    const qr = this.ds.createQueryRunner();
    try {
      return await body(qr);
    } finally {
      await qr.release().catch(() => undefined);
    }
  }
}
