/**
 * Live call supervision: a supervisor listens to an agent's call, whispers to the agent only, barges in (3-way),
 * switches among these during the session, takes the call over, forces a hangup or an agent's state. Every action is
 * audited; each session is a supervision_sessions row with its mode history.
 *
 * How it runs on FreeSWITCH (builders in src/freeswitch/supervision-builders.ts; the facts are there):
 * - start: `bgapi originate {origination_uuid,eavesdrop_enable_dtmf=true,eavesdrop_whisper_aleg/bleg per mode,
 *   switchboard_supervision=<id>}user/<supervisor ext> &eavesdrop(<agent leg>)`. The eavesdropped channel is the
 *   AGENT's leg, so "whisper" (ED_MUX_WRITE) is mixed only into what is sent to the agent's phone: the customer never
 *   hears it, and it never lands on the customer's side of a stereo recording.
 * - mode switch: `uuid_recv_dtmf <supervisor leg> 0|2|3` (listen | whisper | barge), read by the eavesdrop loop.
 *   Digits the supervisor presses on their own phone switch modes too: they arrive as DTMF events on the leg and are
 *   recorded in the mode history (`by: phone`); our own injected digits are recognised and not counted twice.
 * - take over: `uuid_setvar <agent leg> park_after_bridge true` (the agent leg parks instead of hanging up while the
 *   bridge is moved), `uuid_bridge <customer> <supervisor leg>` (the eavesdrop ends, customer and supervisor talk),
 *   then `uuid_kill <agent leg>`: the ACD runtime sees the agent leg hang up and ends the call in the engine exactly
 *   as for a normal hangup (the agent goes to wrap-up, the queue call keeps its answered outcome), so nobody is stuck.
 * - the session ends when the supervisor hangs up, the agent's call ends (the eavesdrop app returns and FreeSWITCH
 *   hangs the supervisor leg up; we kill it too), through DELETE, or after a take-over.
 * - force hangup: `uuid_kill` of the customer and agent legs (or CallControl's forced hangup when it is given);
 *   force state: the engine's setReady / setNotReady / logout (a not-ready or logout during a call applies after it).
 */
import type { PhoneEndpoints } from '../phones/phone-endpoints';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AcdRuntimeApi, AgentState } from '../acd/contract';
import type { StoredAgent } from '../acd/config-store';
import { AcdStateError } from '../acd/errors';
import { alreadyInState } from '../acd/state-requests';
import { agentStateView, publishAgentMonitored, type AgentStateView } from '../acd/live';
import type { CallControlApi } from '../acd/runtime/call-control';
import { agentAccess } from '../auth/agent-access';
import type { Principal } from '../auth/principal';
import { principalName } from '../auth/principal';
import type { Clock } from '../clock/clock';
import { recordAudit } from '../db/audit';
import type { ApiReply, JobResult } from '../esl/client';
import { header, type EslEvent } from '../esl/types';
import { uuidBridge, uuidKill, type FsCommand } from '../freeswitch';
import { uuidParkAfterBridge } from '../freeswitch/call-control-builders';
import { MODE_DIGIT, modeOfDigit, originateSupervisorLeg, uuidRecvDtmf, type SupervisionMode } from '../freeswitch/supervision-builders';
import type { Logger } from '../log/logger';
import { parseHistory, SupervisionStore, type ModeChange, type SupervisionSessionOutcome, type SupervisionSessionRow, type SupervisorInfo } from './store';

export type SupervisionErrorCode = 'not_found' | 'forbidden' | 'conflict' | 'failed' | 'unavailable' | 'invalid';

export class SupervisionError extends Error {
  constructor(
    readonly code: SupervisionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SupervisionError';
  }
}

/** Who acts (for permission checks and the audit log). */
export interface SupervisionActor {
  principal: Principal;
  ip?: string | null;
}

export interface SupervisionCluster {
  client(node: string): {
    api(cmd: FsCommand, opts?: { timeoutMs?: number }): Promise<ApiReply>;
    bgapi(cmd: FsCommand, opts?: { timeoutMs?: number }): Promise<JobResult>;
  };
  onEvent(listener: (node: string, event: EslEvent) => void): () => void;
}

/** The agents as the ACD configuration knows them (AcdConfigStoreImpl). */
export interface SupervisionAgents {
  ensureLoaded(): Promise<void>;
  getAgent(id: number): StoredAgent | undefined;
}

/** Users, to check that a supervisor's account exists and what role it has. */
export interface SupervisionUsers {
  get(id: number): Promise<{ id: number; role: string; username: string; disabled?: boolean } | null>;
}

export interface SupervisionOptions {
  dataSource: DataSource;
  cluster: SupervisionCluster;
  /** The running ACD (a function: it may start after supervision). */
  runtime: () => AcdRuntimeApi | undefined;
  agents: SupervisionAgents;
  users?: SupervisionUsers;
  clock: Clock;
  logger: Logger;
  /** SUPERVISION_NOTIFY_AGENT: the agent's WebSocket shows the monitored flag (supervisors always see it). */
  notifyAgent: boolean;
  /** How the monitored flag is pushed (default: publishAgentMonitored through the ACD WebSocket hubs). */
  publish?: (agentId: number, state: { monitored: boolean; mode: string | null; sessionId: number }, toAgent: boolean) => void;
  /** Forced hangups through agent call control (conferences, consultations); default: uuid_kill of both legs. */
  callControl?: () => CallControlApi | undefined;
  /** Ring time of the supervisor's phone (default 30 s). */
  ringTimeoutSec?: number;
  /** How the supervisor's phone is dialled (src/phones/phone-endpoints.ts). */
  phones: PhoneEndpoints;
  commandTimeoutMs?: number;
}

export interface SessionView {
  id: number;
  supervisor_user_id: number;
  supervisor_name: string;
  agent_id: number;
  call_uuid: string;
  agent_uuid: string;
  supervisor_uuid: string;
  node: string;
  extension: string;
  mode: string;
  mode_history: ModeChange[];
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  outcome: SupervisionSessionOutcome | null;
  active: boolean;
}

export type ForceStateAction = 'ready' | 'not_ready' | 'logout';

interface LiveSession {
  row: SupervisionSessionRow;
  history: ModeChange[];
  /** Digits we injected and have not seen come back as DTMF events yet. */
  injected: string[];
  answered: boolean;
  takingOver: boolean;
  agentGone: boolean;
  finished: boolean;
  /** Serialises the operations of one session. */
  chain: Promise<unknown>;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function sessionView(row: SupervisionSessionRow): SessionView {
  return {
    id: row.id,
    supervisor_user_id: row.supervisor_user_id,
    supervisor_name: row.supervisor_name,
    agent_id: row.agent_id,
    call_uuid: row.call_uuid,
    agent_uuid: row.agent_uuid,
    supervisor_uuid: row.supervisor_uuid,
    node: row.node,
    extension: row.extension,
    mode: row.mode,
    mode_history: parseHistory(row.mode_history),
    started_at: new Date(row.started_at).toISOString(),
    answered_at: iso(row.answered_at ? new Date(row.answered_at) : null),
    ended_at: iso(row.ended_at ? new Date(row.ended_at) : null),
    outcome: row.outcome,
    active: row.ended_at === null || row.ended_at === undefined,
  };
}

export class SupervisionService {
  readonly store: SupervisionStore;
  private readonly log: Logger;
  private readonly live = new Map<number, LiveSession>();
  private readonly byUuid = new Map<string, LiveSession>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly o: SupervisionOptions) {
    this.store = new SupervisionStore(o.dataSource);
    this.log = o.logger.child({ module: 'supervision' });
    this.unsubscribe = o.cluster.onEvent((node, e) => this.onEvent(node, e));
  }

  /**
   * Sessions another instance ran on `node` (rows still open) when this one takes over (a failover, a restart after
   * a crash). Both legs still up (`live`, from the ACD's takeover): the session is this instance's now, listed, its
   * mode switchable, its end recorded. Its agent's call gone: the supervisor leg is hung up and the session ends as
   * `call_ended`. The supervisor leg gone: it ends as `aborted` (which hung up first is not known).
   */
  async adoptSessions(node: string, live: ReadonlySet<string>): Promise<{ adopted: number; ended: number }> {
    let adopted = 0;
    let ended = 0;
    for (const row of await this.store.openSessionsOn(node)) {
      if (this.closed || this.live.has(row.id)) continue;
      const s: LiveSession = {
        row,
        history: parseHistory(row.mode_history),
        injected: [],
        answered: row.answered_at !== null && row.answered_at !== undefined,
        takingOver: false,
        agentGone: false,
        finished: false,
        chain: Promise.resolve(),
      };
      const supervisorUp = live.has(row.supervisor_uuid);
      const agentUp = live.has(row.agent_uuid);
      if (supervisorUp && agentUp) {
        this.live.set(row.id, s);
        this.byUuid.set(row.supervisor_uuid, s);
        this.byUuid.set(row.agent_uuid, s);
        if (s.answered) this.publish(s, true);
        adopted++;
        continue;
      }
      if (supervisorUp) await this.api(node, uuidKill(row.supervisor_uuid, 'NORMAL_CLEARING')).catch(() => undefined);
      await this.finish(s, supervisorUp ? 'call_ended' : 'aborted', null);
      ended++;
    }
    if (adopted + ended) this.log.info('took over the supervision sessions of the previous instance', { node, adopted, ended });
    return { adopted, ended };
  }

  /** Stops following events; sessions still open are marked aborted (their legs are left to FreeSWITCH). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    await Promise.allSettled([...this.live.values()].map((s) => this.finish(s, 'aborted', null)));
  }

  /** Sessions in progress (supervisor leg ringing or eavesdropping). */
  activeSessions(): SessionView[] {
    return [...this.live.values()].filter((s) => !s.finished).map((s) => sessionView(s.row));
  }

  // ---- who may supervise whom ------------------------------------------------------------------------------------

  /**
   * Admins supervise every agent; a supervisor (a user, not an API key) the agents of their teams; agents nobody.
   * The team rule is the API's (src/auth/agent-access.ts), so supervision and the other agent routes never disagree.
   */
  async maySupervise(principal: Principal, agent: StoredAgent): Promise<boolean> {
    if (principal.role === 'agent') return false;
    const teams = principal.role === 'supervisor' && principal.kind === 'user' ? (await this.store.supervisor(principal.id)).teams : [];
    return agentAccess(principal, agent, teams).allowed;
  }

  private async agentFor(actor: SupervisionActor, agentId: number): Promise<StoredAgent> {
    await this.o.agents.ensureLoaded();
    const agent = this.o.agents.getAgent(agentId);
    if (!agent) throw new SupervisionError('not_found', `agent ${agentId} does not exist`);
    if (!(await this.maySupervise(actor.principal, agent))) {
      throw new SupervisionError('forbidden', `${principalName(actor.principal)} does not supervise a team of agent ${agentId}`);
    }
    return agent;
  }

  private runtime(): AcdRuntimeApi {
    const r = this.o.runtime();
    if (!r) throw new SupervisionError('unavailable', 'the ACD is not running');
    return r;
  }

  // ---- supervisors -----------------------------------------------------------------------------------------------

  supervisor(userId: number): Promise<SupervisorInfo> {
    return this.store.supervisor(userId);
  }

  supervisors(): Promise<SupervisorInfo[]> {
    return this.store.supervisors();
  }

  /** Sets the teams (and optionally the softphone extension) of a supervisor or admin account. Audited. */
  async setSupervisor(actor: SupervisionActor, userId: number, teams: string[], extension?: string | null): Promise<SupervisorInfo> {
    if (this.o.users) {
      const user = await this.o.users.get(userId);
      if (!user) throw new SupervisionError('not_found', `user ${userId} does not exist`);
      if (user.role !== 'supervisor' && user.role !== 'admin') throw new SupervisionError('invalid', `user ${userId} is an ${user.role}, not a supervisor or admin`);
    }
    const before = await this.store.supervisor(userId);
    const after = await this.store.setSupervisor(userId, teams, extension, new Date(this.o.clock.now()));
    await this.audit(actor, 'supervision.supervisor_teams', 'user', userId, before, after);
    return after;
  }

  // ---- sessions --------------------------------------------------------------------------------------------------

  async start(actor: SupervisionActor, agentId: number, mode: SupervisionMode): Promise<SessionView> {
    if (this.closed) throw new SupervisionError('unavailable', 'supervision is shutting down');
    const agent = await this.agentFor(actor, agentId);
    const p = actor.principal;
    if (p.kind !== 'user') throw new SupervisionError('forbidden', 'an API key has no softphone; log in as the supervisor');
    const legs = this.runtime().legsOfAgent(agentId);
    if (!legs?.agentUuid || legs.connectedAt === undefined) throw new SupervisionError('conflict', `agent ${agentId} is not on a call`);
    const me = await this.store.supervisor(p.id);
    if (!me.extension) throw new SupervisionError('conflict', `no softphone extension is set for ${p.username} (PUT /api/v1/supervision/supervisors/${p.id}/teams)`);
    if ([...this.live.values()].some((s) => !s.finished && s.row.supervisor_user_id === p.id)) {
      throw new SupervisionError('conflict', `${p.username} already has a supervision session in progress`);
    }
    const now = new Date(this.o.clock.now());
    const history: ModeChange[] = [{ mode, at: now.toISOString(), by: 'start' }];
    const row = await this.store.insertSession({
      supervisor_user_id: p.id,
      supervisor_name: p.username,
      agent_id: agentId,
      call_uuid: legs.callerUuid,
      agent_uuid: legs.agentUuid,
      supervisor_uuid: randomUUID(),
      node: legs.node,
      extension: me.extension,
      mode,
      mode_history: JSON.stringify(history),
      started_at: now,
      answered_at: null,
      ended_at: null,
      outcome: null,
    });
    const s: LiveSession = { row, history, injected: [], answered: false, takingOver: false, agentGone: false, finished: false, chain: Promise.resolve() };
    this.live.set(row.id, s);
    this.byUuid.set(row.supervisor_uuid, s);
    this.byUuid.set(row.agent_uuid, s);
    await this.audit(actor, 'supervision.start', 'acd_agent', agentId, null, this.auditView(s));

    let cmd: FsCommand;
    try {
      cmd = originateSupervisorLeg({
        phone: this.o.phones.endpoint(me.extension, legs.node),
        targetUuid: legs.agentUuid,
        mode,
        legUuid: row.supervisor_uuid,
        timeoutSec: this.o.ringTimeoutSec ?? 30,
        callerIdNumber: agent.extension,
        sessionId: row.id,
      });
    } catch (err) {
      await this.finish(s, 'failed', null);
      throw new SupervisionError('invalid', (err as Error).message);
    }
    let job: JobResult;
    try {
      job = await this.o.cluster.client(legs.node).bgapi(cmd, { timeoutMs: ((this.o.ringTimeoutSec ?? 30) + 15) * 1000 });
    } catch (err) {
      await this.finish(s, 'failed', null);
      throw new SupervisionError('failed', `could not reach the supervisor's phone: ${(err as Error).message}`);
    }
    if (!job.ok) {
      await this.finish(s, 'failed', null);
      throw new SupervisionError('failed', `the supervisor's phone ${me.extension} did not answer: ${job.body.trim()}`);
    }
    if (s.finished) {
      // The agent's call ended while the supervisor's phone rang.
      throw new SupervisionError('conflict', `agent ${agentId}'s call ended before the supervisor answered`);
    }
    await this.answered(s);
    this.publish(s, true);
    return sessionView(s.row);
  }

  async setMode(actor: SupervisionActor, id: number, mode: SupervisionMode): Promise<SessionView> {
    const s = await this.owned(actor, id);
    return this.serial(s, async () => {
      this.mustBeLive(s);
      if (s.row.mode === mode) return sessionView(s.row);
      const digit = MODE_DIGIT[mode];
      s.injected.push(digit);
      const reply = await this.api(s.row.node, uuidRecvDtmf(s.row.supervisor_uuid, digit));
      if (!accepted(reply)) {
        s.injected.splice(s.injected.lastIndexOf(digit), 1);
        throw new SupervisionError('failed', `FreeSWITCH refused the mode key: ${reply.body.trim()}`);
      }
      const before = s.row.mode;
      await this.changeMode(s, mode, 'api');
      await this.audit(actor, 'supervision.mode', 'acd_agent', s.row.agent_id, { mode: before }, this.auditView(s));
      return sessionView(s.row);
    });
  }

  async takeOver(actor: SupervisionActor, id: number): Promise<SessionView> {
    const s = await this.owned(actor, id);
    return this.serial(s, async () => {
      this.mustBeLive(s);
      const legs = this.runtime().legsOfAgent(s.row.agent_id);
      if (!legs || legs.callerUuid !== s.row.call_uuid || legs.agentUuid !== s.row.agent_uuid) {
        throw new SupervisionError('conflict', `agent ${s.row.agent_id} is no longer on call ${s.row.call_uuid}`);
      }
      const node = s.row.node;
      s.takingOver = true;
      const park = await this.api(node, uuidParkAfterBridge(s.row.agent_uuid, true));
      if (!park.ok) {
        s.takingOver = false;
        throw new SupervisionError('failed', `FreeSWITCH refused to hold the agent's leg: ${park.body.trim()}`);
      }
      const bridged = await this.api(node, uuidBridge(s.row.call_uuid, s.row.supervisor_uuid));
      if (!bridged.ok) {
        s.takingOver = false;
        await this.api(node, uuidParkAfterBridge(s.row.agent_uuid, false)).catch(() => undefined);
        throw new SupervisionError('failed', `FreeSWITCH refused to bridge the customer to the supervisor: ${bridged.body.trim()}`);
      }
      // The agent is released: the runtime sees the leg hang up and ends the call in the engine (wrap-up).
      await this.api(node, uuidKill(s.row.agent_uuid, 'NORMAL_CLEARING')).catch(() => undefined);
      s.history.push({ mode: 'take_over', at: new Date(this.o.clock.now()).toISOString(), by: 'api' });
      await this.finish(s, 'taken_over', actor);
      return sessionView(s.row);
    });
  }

  async end(actor: SupervisionActor, id: number): Promise<SessionView> {
    const s = await this.owned(actor, id);
    return this.serial(s, async () => {
      if (s.finished) return sessionView(s.row);
      await this.api(s.row.node, uuidKill(s.row.supervisor_uuid, 'NORMAL_CLEARING')).catch(() => undefined);
      await this.finish(s, 'ended', actor);
      return sessionView(s.row);
    });
  }

  async get(actor: SupervisionActor, id: number): Promise<SessionView> {
    const row = await this.store.session(id);
    if (!row || !this.canSee(actor.principal, row)) throw new SupervisionError('not_found', `supervision session ${id} does not exist`);
    return sessionView(this.live.get(id)?.row ?? row);
  }

  async list(actor: SupervisionActor, filter: { agentId?: number; active?: boolean; limit?: number }): Promise<SessionView[]> {
    const p = actor.principal;
    const rows = await this.store.sessions({
      agentId: filter.agentId,
      active: filter.active,
      limit: Math.min(Math.max(filter.limit ?? 100, 1), 1000),
      supervisorUserId: p.role === 'admin' ? undefined : p.kind === 'user' ? p.id : -1,
    });
    return rows.map((r) => sessionView(this.live.get(r.id)?.row ?? r));
  }

  // ---- forced actions ----------------------------------------------------------------------------------------------

  /** Hangs up the agent's current call (customer and agent legs). Audited. */
  async forceHangup(actor: SupervisionActor, agentId: number): Promise<{ killed: string[] }> {
    await this.agentFor(actor, agentId);
    const rt = this.runtime();
    const legs = rt.legsOfAgent(agentId);
    const cc = this.o.callControl?.();
    let killed: string[];
    if (cc?.current(agentId)) {
      killed = (await cc.hangup(agentId, { force: true })).killed;
    } else {
      if (!legs) throw new SupervisionError('conflict', `agent ${agentId} is not on a call`);
      killed = [];
      for (const uuid of [legs.callerUuid, legs.agentUuid]) {
        if (!uuid) continue;
        const r = await this.api(legs.node, uuidKill(uuid, 'NORMAL_CLEARING')).catch(() => undefined);
        if (r?.ok) killed.push(uuid);
      }
      if (!killed.length) throw new SupervisionError('conflict', `agent ${agentId}'s call is already gone`);
    }
    await this.audit(actor, 'supervision.force_hangup', 'acd_agent', agentId, legs ? { call_uuid: legs.callerUuid, agent_uuid: legs.agentUuid ?? null } : null, { killed });
    return { killed };
  }

  /** Forces an agent's state: ready, not ready with a reason, or logout. Audited with the state before and after. */
  async forceState(actor: SupervisionActor, agentId: number, action: ForceStateAction, reason?: string): Promise<AgentStateView> {
    const agent = await this.agentFor(actor, agentId);
    const engine = this.runtime().engine;
    const before = engine.agent(agentId);
    // Already there: nothing to change (repeated requests are idempotent, as on the ACD agent routes).
    const already = !!before && alreadyInState(before, action, reason ?? 'other');
    try {
      if (already) {
        // nothing to do: the engine would refuse a transition to the state the agent is in
      } else if (action === 'ready') {
        engine.setReady(agentId);
      } else if (action === 'not_ready') {
        engine.setNotReady(agentId, reason ?? 'other');
      } else {
        engine.logout(agentId, reason ?? 'supervisor');
      }
    } catch (err) {
      if (err instanceof AcdStateError) throw new SupervisionError(err.code.startsWith('unknown_') ? 'not_found' : 'conflict', err.message);
      throw err;
    }
    const after = engine.agent(agentId);
    if (!after) throw new SupervisionError('not_found', `agent ${agent.id} is not known to the running ACD`);
    await this.audit(
      actor,
      'supervision.force_state',
      'acd_agent',
      agentId,
      before ? { state: before.state, reason: before.reason ?? null } : null,
      { action, reason: reason ?? null, state: after.state as AgentState, pending: !already && after.state === before?.state && action !== 'ready' ? 'after_call' : null },
    );
    return agentStateView(after);
  }

  // ---- internals ---------------------------------------------------------------------------------------------------

  private canSee(p: Principal, row: SupervisionSessionRow): boolean {
    return p.role === 'admin' || (p.kind === 'user' && p.id === row.supervisor_user_id);
  }

  /** The live session `id`, if the actor started it or is an admin. */
  private async owned(actor: SupervisionActor, id: number): Promise<LiveSession> {
    const s = this.live.get(id);
    if (!s) {
      const row = await this.store.session(id);
      if (!row || !this.canSee(actor.principal, row)) throw new SupervisionError('not_found', `supervision session ${id} does not exist`);
      throw new SupervisionError('conflict', `supervision session ${id} has ended (${row.outcome ?? 'unknown'})`);
    }
    if (!this.canSee(actor.principal, s.row)) {
      const mine = actor.principal.role === 'supervisor';
      throw new SupervisionError(mine ? 'forbidden' : 'not_found', `supervision session ${id} belongs to ${s.row.supervisor_name}`);
    }
    return s;
  }

  private mustBeLive(s: LiveSession): void {
    if (s.finished) throw new SupervisionError('conflict', `supervision session ${s.row.id} has ended (${s.row.outcome ?? 'unknown'})`);
    if (!s.answered) throw new SupervisionError('conflict', `the supervisor's phone has not answered session ${s.row.id} yet`);
  }

  private serial<T>(s: LiveSession, fn: () => Promise<T>): Promise<T> {
    const run = s.chain.then(fn, fn);
    s.chain = run.catch(() => undefined);
    return run;
  }

  private async answered(s: LiveSession): Promise<void> {
    if (s.answered) return;
    s.answered = true;
    s.row.answered_at = new Date(this.o.clock.now());
    await this.store.updateSession(s.row.id, { answered_at: s.row.answered_at }).catch((err: unknown) => this.dbError(err));
  }

  private async changeMode(s: LiveSession, mode: SupervisionMode, by: ModeChange['by']): Promise<void> {
    s.row.mode = mode;
    s.history.push({ mode, at: new Date(this.o.clock.now()).toISOString(), by });
    s.row.mode_history = JSON.stringify(s.history);
    await this.store.updateSession(s.row.id, { mode, mode_history: s.row.mode_history }).catch((err: unknown) => this.dbError(err));
    this.publish(s, true);
  }

  /** Ends a session once: the row gets its end and outcome, the audit log the end, the agent's flag goes off. */
  private async finish(s: LiveSession, outcome: SupervisionSessionOutcome, actor: SupervisionActor | null): Promise<void> {
    if (s.finished) return;
    s.finished = true;
    this.live.delete(s.row.id);
    if (this.byUuid.get(s.row.supervisor_uuid) === s) this.byUuid.delete(s.row.supervisor_uuid);
    if (this.byUuid.get(s.row.agent_uuid) === s) this.byUuid.delete(s.row.agent_uuid);
    s.row.ended_at = new Date(this.o.clock.now());
    s.row.outcome = outcome;
    s.row.mode_history = JSON.stringify(s.history);
    await this.store
      .updateSession(s.row.id, { ended_at: s.row.ended_at, outcome, mode_history: s.row.mode_history })
      .catch((err: unknown) => this.dbError(err));
    await this.audit(actor, outcome === 'taken_over' ? 'supervision.take_over' : 'supervision.end', 'acd_agent', s.row.agent_id, null, this.auditView(s));
    if (s.answered) this.publish(s, false);
  }

  private publish(s: LiveSession, monitored: boolean): void {
    const state = { monitored, mode: monitored ? s.row.mode : null, sessionId: s.row.id };
    try {
      if (this.o.publish) this.o.publish(s.row.agent_id, state, this.o.notifyAgent);
      else publishAgentMonitored(this.o.runtime(), s.row.agent_id, state, this.o.notifyAgent);
    } catch (err) {
      this.log.warn('could not publish the monitored flag', { error: (err as Error).message });
    }
  }

  private onEvent(node: string, e: EslEvent): void {
    if (this.closed) return;
    const uuid = header(e, 'Unique-ID');
    if (!uuid) return;
    const s = this.byUuid.get(uuid);
    if (!s || s.finished || s.row.node !== node) return;
    const isSupervisor = uuid === s.row.supervisor_uuid;
    switch (e.name) {
      case 'CHANNEL_ANSWER':
        if (isSupervisor) void this.answered(s);
        return;
      case 'DTMF': {
        if (!isSupervisor) return;
        const digit = header(e, 'DTMF-Digit') ?? '';
        const i = s.injected.indexOf(digit);
        if (i >= 0) {
          s.injected.splice(0, i + 1);
          return;
        }
        const m = modeOfDigit(digit);
        if (m === 'listen' || m === 'whisper' || m === 'barge') {
          if (m !== s.row.mode) void this.serial(s, () => this.changeMode(s, m, 'phone'));
        } else if (m === 'customer_only') {
          // Not a mode we offer (the customer alone would hear the supervisor): put the session's mode back.
          const back = MODE_DIGIT[s.row.mode as SupervisionMode] ?? '0';
          s.injected.push(back);
          void this.api(node, uuidRecvDtmf(s.row.supervisor_uuid, back)).catch(() => undefined);
          this.log.warn('supervisor pressed 1 (speak to the customer only); mode restored', { session: s.row.id, mode: s.row.mode });
        }
        return;
      }
      case 'CHANNEL_HANGUP':
      case 'CHANNEL_HANGUP_COMPLETE':
        if (s.takingOver) return;
        if (isSupervisor) {
          void this.serial(s, () => this.finish(s, s.agentGone ? 'call_ended' : 'supervisor_hangup', null));
        } else {
          s.agentGone = true;
          // FreeSWITCH ends the eavesdrop (and the originated supervisor leg) with its target; make sure of it.
          void this.api(node, uuidKill(s.row.supervisor_uuid, 'NORMAL_CLEARING')).catch(() => undefined);
          void this.serial(s, () => this.finish(s, 'call_ended', null));
        }
        return;
      default:
        return;
    }
  }

  private async api(node: string, cmd: FsCommand): Promise<ApiReply> {
    return this.o.cluster.client(node).api(cmd, { timeoutMs: this.o.commandTimeoutMs ?? 10_000 });
  }

  private auditView(s: LiveSession): Record<string, unknown> {
    return {
      session_id: s.row.id,
      supervisor_user_id: s.row.supervisor_user_id,
      agent_id: s.row.agent_id,
      call_uuid: s.row.call_uuid,
      supervisor_uuid: s.row.supervisor_uuid,
      mode: s.row.mode,
      started_at: new Date(s.row.started_at).toISOString(),
      ended_at: s.row.ended_at ? new Date(s.row.ended_at).toISOString() : null,
      outcome: s.row.outcome,
    };
  }

  private async audit(actor: SupervisionActor | null, action: string, targetType: string, targetId: number, before: unknown, after: unknown): Promise<void> {
    try {
      await recordAudit(
        this.o.dataSource,
        {
          actor_type: actor ? actor.principal.kind : 'system',
          actor_id: actor ? actor.principal.id : null,
          actor_name: actor ? principalName(actor.principal) : 'supervision',
          action,
          target_type: targetType,
          target_id: targetId,
          before,
          after,
          ip: actor?.ip ?? null,
        },
        { clock: this.o.clock },
      );
    } catch (err) {
      this.dbError(err);
    }
  }

  private dbError(err: unknown): void {
    this.log.error('supervision could not write to the database', { error: (err as Error).message });
  }
}

/**
 * uuid_recv_dtmf: FreeSWITCH 1.10.12 answers `+OK <uuid> received DTMF <digits>.`; older builds wrote nothing
 * (ESL then answers `-ERR no reply`), accepted too.
 */
function accepted(reply: ApiReply): boolean {
  return reply.ok || /^-ERR no reply/.test(reply.body.trim());
}
