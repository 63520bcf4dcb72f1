/**
 * This instance's role in an active/standby pair: the one thing the service asks about leadership.
 *
 * - HA_MODE=single (the default, the embedded demo): always active, no term.
 * - HA_MODE=lease: active only while it holds the lease row in the database (src/ha/leader-lease.ts); a standby
 *   waits for it. Leadership is fail-stop: an active instance that loses the lease is told once (onDemoted) and must
 *   stop (main.ts exits, so the supervisor restarts it as a standby); it never goes back to standby with state in
 *   memory that the new leader also owns.
 *
 * `fence()` is what the ESL clients call before every command they write: it throws FencedError unless this instance
 * leads right now by its own conservative deadline, so no command of an old term reaches FreeSWITCH after a new
 * leader could have taken over.
 */
import type { Clock } from '../clock/clock';
import type { Config } from '../config/config';
import { createDataSource } from '../db/data-source';
import type { Logger } from '../log/logger';
import { FencedError } from './errors';
import { LeaderLease } from './leader-lease';

export type HaRole = 'active' | 'standby';

export interface InstanceRoleState {
  mode: 'single' | 'lease';
  instanceId: string;
  role: HaRole;
  /** The leadership term this instance holds, or the latest one seen (null in single mode or before any). */
  term: number | null;
  /** The instance holding the lease, and the URL it advertises (HA_ADVERTISE_URL). */
  holder: string | null;
  holderUrl: string | null;
  /** Milliseconds since the lease was last renewed (by us when active, by the holder as seen when standby). */
  leaseAgeMs: number | null;
}

export interface InstanceRole {
  state(): InstanceRoleState;
  /** Resolves once this instance is active (at once in single mode). */
  whenActive(): Promise<void>;
  /** Called once if this instance stops leading after it led (fail-stop: the service must stop). */
  onDemoted(listener: (reason: string) => void): () => void;
  /** Throws FencedError unless this instance leads now. */
  fence(): void;
  /** Steps down (a standby takes over at once) and stops renewing. */
  close(): Promise<void>;
}

/** The role from the config: a fixed active one, or one driven by the lease. */
export async function startInstanceRole(config: Pick<Config, 'ha' | 'database'>, deps: { clock: Clock; logger: Logger }): Promise<InstanceRole> {
  const ha = config.ha;
  if (ha.mode === 'single') return singleRole(ha.instanceId);
  // Its own two connections: renewals never queue behind the service's queries (a CDR spool replay, a report), which
  // could delay them past the deadline and make a busy instance give up the lead.
  const dataSource = createDataSource(config.database, { logger: deps.logger, poolSize: 2 });
  await dataSource.initialize();
  const lease = new LeaderLease({
    dataSource,
    instanceId: ha.instanceId,
    ttlMs: ha.leaseTtlMs,
    renewMs: ha.leaseRenewMs,
    clock: deps.clock,
    logger: deps.logger,
    ...(ha.advertiseUrl ? { advertiseUrl: ha.advertiseUrl } : {}),
  });
  const role = new LeaseRole(lease, ha.instanceId, deps.logger, () => dataSource.destroy());
  lease.start();
  return role;
}

function singleRole(instanceId: string): InstanceRole {
  return {
    state: () => ({ mode: 'single', instanceId, role: 'active', term: null, holder: instanceId, holderUrl: null, leaseAgeMs: null }),
    whenActive: () => Promise.resolve(),
    onDemoted: () => () => undefined,
    fence: () => undefined,
    close: () => Promise.resolve(),
  };
}

class LeaseRole implements InstanceRole {
  private readonly log: Logger;
  private readonly demoted = new Set<(reason: string) => void>();
  private readonly activeWaiters: Array<() => void> = [];
  private led = false;
  private demotedOnce = false;
  private closing = false;

  constructor(
    private readonly lease: LeaderLease,
    private readonly instanceId: string,
    logger: Logger,
    private readonly closeDatabase: () => Promise<void>,
  ) {
    this.log = logger.child({ module: 'ha' });
    lease.onChange((s) => this.changed(s.role, s.term));
  }

  private changed(role: HaRole, term: number | null): void {
    if (role === 'active' && !this.led) {
      this.led = true;
      this.log.info('this instance is now active', { instance: this.instanceId, term });
      for (const w of this.activeWaiters.splice(0)) w();
      return;
    }
    if (role === 'standby' && this.led && !this.demotedOnce && !this.closing) {
      this.demotedOnce = true;
      const reason = `lost the leadership lease (term ${term ?? '?'})`;
      this.log.error('this instance lost the leadership: stopping (fail-stop)', { instance: this.instanceId, term });
      for (const l of this.demoted) {
        try {
          l(reason);
        } catch (err) {
          this.log.error('demotion listener failed', { error: (err as Error).message });
        }
      }
    }
  }

  state(): InstanceRoleState {
    const s = this.lease.state();
    return { mode: 'lease', instanceId: this.instanceId, role: s.role, term: s.term, holder: s.holder, holderUrl: s.holderUrl, leaseAgeMs: s.leaseAgeMs };
  }

  whenActive(): Promise<void> {
    if (this.led && !this.demotedOnce) return Promise.resolve();
    return new Promise((resolve) => this.activeWaiters.push(resolve));
  }

  onDemoted(listener: (reason: string) => void): () => void {
    this.demoted.add(listener);
    return () => this.demoted.delete(listener);
  }

  fence(): void {
    // After a demotion nothing goes out, even if some later renewal would succeed: fail-stop.
    if (this.demotedOnce) throw new FencedError('not_leader', null);
    this.lease.assertHolds();
  }

  async close(): Promise<void> {
    // Our own step-down is not a lost leadership: no demotion listener runs for it.
    this.closing = true;
    this.activeWaiters.length = 0;
    await this.lease.release();
    await this.lease.close();
    await this.closeDatabase();
  }
}
