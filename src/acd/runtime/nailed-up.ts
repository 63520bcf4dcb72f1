/**
 * Nailed-up agent sessions (issue 13), as VICIdial's agents sit in a conference of their own: while an agent who
 * serves a queue with `nailedUp` is logged in, the service keeps one call to their phone up, parked (silence) between
 * calls. An offer to that agent needs no ringing: the runtime bridges the caller straight to the waiting leg
 * (uuid_bridge), so a phone that takes 2 s to answer costs those 2 s once, at login, not on every live person a
 * predictive campaign connects. The leg carries hangup_after_bridge=false and park_after_bridge=true (set once it
 * answered): when the caller hangs up it goes back to park and waits for the next call. When the agent hangs their phone up, the session ends
 * and their offers ring the phone again until it is dialled anew (at the next login or readiness, at most once per
 * `retrySec` after a failure).
 *
 * This module holds the sessions and dials them; the ACD runtime decides when an agent needs one (login, logout,
 * configuration) and uses an idle one for an offer (take / release). Pure bookkeeping plus one originate per session.
 */
import type { Clock } from '../../clock/clock';
import type { EslClient } from '../../esl/client';
import { apps, originate, toneStream, uuidKill, type DialString, type FsCommand } from '../../freeswitch';
import { uuidParkAfterBridge } from '../../freeswitch/call-control-builders';
import type { Logger } from '../../log/logger';

/** What a nailed-up agent hears as a call is bridged to them: 200 ms at 880 Hz (generated: no sound pack needed). */
export const NAILED_UP_BEEP = toneStream('%(200,0,880)');

export type NailedUpState = 'dialing' | 'idle' | 'busy';

export interface NailedUpSession {
  agentId: number;
  uuid: string;
  node: string;
  state: NailedUpState;
  /** When the session's phone answered (ms), undefined while dialing. */
  upSince?: number;
}

export interface NailedUpDeps {
  client(node: string): EslClient;
  clock: Clock;
  logger: Logger;
  newUuid(): string;
  /** How long the phone rings for the session call before it counts as not answered (s). */
  ringSec: number;
  /** After a failed dial, the next attempt waits at least this long (s). */
  retrySec?: number;
}

export class NailedUpSessions {
  private readonly byAgent = new Map<number, NailedUpSession>();
  private readonly byUuid = new Map<string, NailedUpSession>();
  /** Agents whose last dial failed: not before this instant again. */
  private readonly retryAt = new Map<number, number>();
  private closed = false;

  constructor(private readonly deps: NailedUpDeps) {}

  /**
   * Keeps a session for `agentId`: dials `endpoint` on `node` unless one exists or a recent dial failed. The call
   * is tagged switchboard_nailed_agent so that a takeover knows it.
   */
  ensure(agentId: number, endpoint: DialString, node: string, vars: Record<string, string> = {}): void {
    if (this.closed || this.byAgent.has(agentId)) return;
    if ((this.retryAt.get(agentId) ?? 0) > this.deps.clock.now()) return;
    const session: NailedUpSession = { agentId, uuid: this.deps.newUuid(), node, state: 'dialing' };
    let cmd: FsCommand;
    try {
      cmd = originate(
        endpoint,
        apps.park(),
        { ...vars, switchboard_nailed_agent: agentId, hangup_after_bridge: false },
        { originateUuid: session.uuid, timeoutSec: this.deps.ringSec, callerIdName: 'Switchboard', callerIdNumber: '0000' },
      );
    } catch (err) {
      this.deps.logger.warn('nailed-up session cannot be dialled', { agentId, error: (err as Error).message });
      this.failed(agentId);
      return;
    }
    this.byAgent.set(agentId, session);
    this.byUuid.set(session.uuid, session);
    this.deps.logger.debug('nailed-up session dialling', { agentId, uuid: session.uuid });
    this.deps
      .client(node)
      .bgapi(cmd, { timeoutMs: (this.deps.ringSec + 30) * 1000 })
      .then(
        (job) => {
          if (this.byUuid.get(session.uuid) !== session) {
            // Stopped while it rang: the late answer is hung up.
            if (job.ok) this.hangUp(session, 'ORIGINATOR_CANCEL');
            return;
          }
          if (!job.ok) {
            this.deps.logger.info('nailed-up session not answered', { agentId, reply: job.body.trim() });
            this.forget(session);
            this.failed(agentId);
            return;
          }
          // park_after_bridge has its own builder (the generic variable builders refuse call-flow hooks).
          this.deps
            .client(node)
            .api(uuidParkAfterBridge(session.uuid, true))
            .then(
              (r) => {
                if (this.byUuid.get(session.uuid) !== session) return;
                if (!r.ok) {
                  this.deps.logger.warn('nailed-up session: park_after_bridge refused; hanging up', { agentId, reply: r.body.trim() });
                  this.forget(session);
                  this.hangUp(session, 'NORMAL_CLEARING');
                  this.failed(agentId);
                  return;
                }
                if (session.state === 'dialing') session.state = 'idle';
                session.upSince = this.deps.clock.now();
                this.deps.logger.info('nailed-up session up', { agentId, uuid: session.uuid });
              },
              () => {
                if (this.byUuid.get(session.uuid) === session) this.forget(session);
              },
            );
        },
        (err: unknown) => {
          // The reply was lost (a reconnect): the leg's own events, or the next resync, tell whether it exists.
          this.deps.logger.warn('nailed-up session reply lost', { agentId, error: (err as Error).message });
          if (this.byUuid.get(session.uuid) === session && session.state === 'dialing') this.forget(session);
        },
      );
  }

  /** A session leg found on the switch at a takeover (left by the previous instance). */
  adopt(agentId: number, uuid: string, node: string, busy: boolean): void {
    const old = this.byAgent.get(agentId);
    if (old && old.uuid !== uuid) {
      // Two sessions for one agent: keep the one found on the switch.
      this.forget(old);
      this.hangUp(old, 'NORMAL_CLEARING');
    }
    const session: NailedUpSession = { agentId, uuid, node, state: busy ? 'busy' : 'idle', upSince: this.deps.clock.now() };
    this.byAgent.set(agentId, session);
    this.byUuid.set(uuid, session);
  }

  /** Ends `agentId`'s session (logout, or no nailed-up queue left). */
  stop(agentId: number): void {
    const session = this.byAgent.get(agentId);
    this.retryAt.delete(agentId);
    if (!session) return;
    this.forget(session);
    this.hangUp(session, 'NORMAL_CLEARING');
  }

  /** An idle session's leg on `node` for an offer to `agentId`, now busy; undefined when there is none. */
  take(agentId: number, node: string): string | undefined {
    const session = this.byAgent.get(agentId);
    if (!session || session.state !== 'idle' || session.node !== node) return undefined;
    session.state = 'busy';
    return session.uuid;
  }

  /** The call on the session leg `uuid` is over (or never got bridged): the leg waits in park again. */
  release(uuid: string): void {
    const session = this.byUuid.get(uuid);
    if (session && session.state === 'busy') session.state = 'idle';
  }

  isSession(uuid: string | undefined): boolean {
    return uuid !== undefined && this.byUuid.has(uuid);
  }

  /** The session leg `uuid` hung up (the agent put the phone down, or the switch dropped it). */
  onHangup(uuid: string): void {
    const session = this.byUuid.get(uuid);
    if (!session) return;
    this.forget(session);
    this.deps.logger.info('nailed-up session ended', { agentId: session.agentId, uuid });
  }

  /** After a reconnect: sessions whose legs are gone from the switch end. */
  keepOnly(node: string, live: ReadonlySet<string>): void {
    for (const s of [...this.byUuid.values()]) if (s.node === node && s.state !== 'dialing' && !live.has(s.uuid)) this.forget(s);
  }

  sessionOf(agentId: number): Readonly<NailedUpSession> | undefined {
    return this.byAgent.get(agentId);
  }

  list(): NailedUpSession[] {
    return [...this.byAgent.values()].map((s) => ({ ...s }));
  }

  /** No new sessions from now on (the runtime stops; the legs stay up for whoever takes over). */
  close(): void {
    this.closed = true;
  }

  private failed(agentId: number): void {
    this.retryAt.set(agentId, this.deps.clock.now() + (this.deps.retrySec ?? 30) * 1000);
  }

  private forget(session: NailedUpSession): void {
    if (this.byAgent.get(session.agentId) === session) this.byAgent.delete(session.agentId);
    this.byUuid.delete(session.uuid);
  }

  private hangUp(session: NailedUpSession, cause: 'NORMAL_CLEARING' | 'ORIGINATOR_CANCEL'): void {
    this.deps
      .client(session.node)
      .api(uuidKill(session.uuid, cause))
      .catch((err: unknown) => this.deps.logger.debug('nailed-up session hangup failed', { uuid: session.uuid, error: (err as Error).message }));
  }
}
