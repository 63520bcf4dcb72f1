/**
 * Agent sessions across a restart of the service. Every agent_state effect of the engine is written to
 * acd_agent_sessions (the latest state per agent; a logout deletes the row), and at start-up, before FreeSWITCH is
 * connected, each stored session is put back into the engine:
 * - available -> available;
 * - not_ready (reason) -> not_ready with the same reason;
 * - reserved (an offer or a direct call ringing) -> available: the ringing leg was the service's and is gone;
 * - on_call -> wrap-up from the restart: the call ended with the service (or goes on in FreeSWITCH without it), so the
 *   agent gets their queue's wrapUpSec before the next offer;
 * - wrap_up -> the rest of that wrap-up (since + wrapUpSec), or available when it is over.
 * The engine has no input that enters wrap-up without a call, so a restored wrap-up is not_ready with the reason
 * `after_call_work` that ends by itself (ready) when the wrap-up would have, unless the agent or a supervisor changed
 * the state meanwhile. A call with no queue (a manual outbound call) has no wrap-up: available at once. A not-ready or
 * logout asked for during the call (pending in the engine) is not kept. Disabled or deleted agents stay logged out.
 * The queues an agent serves are their configuration (acd_agents), which the engine already has.
 */
import { In, type DataSource } from 'typeorm';
import type { Clock, ClockTimer } from '../clock/clock';
import { AcdAgentSessionSchema, type AcdAgentSessionRow } from '../db/entities/acd-session';
import { sqlDateTime } from '../db/entities/columns';
import { upsertRows, type SqlValue } from '../db/upsert-sql';
import type { Logger } from '../log/logger';
import type { AcdEffect, AcdRuntimeApi, AgentState } from './contract';

/** The not-ready reason of a wrap-up restored after a restart. */
export const RESTORED_WRAP_UP_REASON = 'after_call_work';

export type RestorePlan =
  | { state: 'available' }
  | { state: 'not_ready'; reason: string }
  /** not_ready (after_call_work) until `readyAt`, then available. */
  | { state: 'wrap_up'; readyAt: number; wrapUpSec: number };

/** What a stored session becomes at start-up (`wrapUpSec`: of the session's queue, 0 without one). */
export function restorePlan(row: Pick<AcdAgentSessionRow, 'state' | 'reason' | 'since'>, wrapUpSec: number, now: number): RestorePlan | null {
  const state = row.state as AgentState;
  switch (state) {
    case 'available':
    case 'reserved':
      return { state: 'available' };
    case 'not_ready':
      return { state: 'not_ready', reason: row.reason || 'other' };
    case 'on_call':
      return wrapUpSec > 0 ? { state: 'wrap_up', readyAt: now + wrapUpSec * 1000, wrapUpSec } : { state: 'available' };
    case 'wrap_up': {
      const readyAt = new Date(row.since).getTime() + wrapUpSec * 1000;
      return readyAt > now ? { state: 'wrap_up', readyAt, wrapUpSec } : { state: 'available' };
    }
    default:
      return null;
  }
}

/** What the sessions need of the ACD: its engine, effects, queue settings and configured agents. */
export type SessionRuntime = Pick<AcdRuntimeApi, 'engine' | 'onEffect'> & {
  queueConfig(name: string): { wrapUpSec: number } | undefined;
};

export interface AgentSessionsOptions {
  dataSource: DataSource;
  runtime: SessionRuntime;
  clock: Clock;
  logger: Logger;
  /** Agents that may be restored (configured and enabled). */
  isEnabled: (agentId: number) => boolean;
}

export class AgentSessions {
  private readonly log: Logger;
  /** The queue of each agent's current or last call (from call_state connected, or the direct call's queue). */
  private readonly queueOf = new Map<number, string | null>();
  /** Latest row per agent not yet written (null: delete). */
  private readonly dirty = new Map<number, AcdAgentSessionRow | null>();
  private readonly timers = new Set<ClockTimer>();
  /** Restored wrap-ups still running: the engine version of their not-ready, and the wrap-up's start, stored as such. */
  private readonly restoredWrapUps = new Map<number, { version: number; since: number }>();
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private unsubscribe?: () => void;
  private closed = false;

  constructor(private readonly o: AgentSessionsOptions) {
    this.log = o.logger.child({ module: 'acd-sessions' });
  }

  private get repo() {
    return this.o.dataSource.getRepository<AcdAgentSessionRow>(AcdAgentSessionSchema);
  }

  /** Puts the stored sessions back into the engine, then follows its changes. Returns the agents restored. */
  async start(): Promise<number[]> {
    const rows = await this.repo.find();
    const restored: number[] = [];
    const now = this.o.clock.now();
    for (const row of rows) {
      const agentId = Number(row.agent_id);
      const plan = restorePlan(row, this.o.runtime.queueConfig(row.queue ?? '')?.wrapUpSec ?? 0, now);
      if (!plan || !this.o.isEnabled(agentId) || !this.o.runtime.engine.agent(agentId)) continue;
      try {
        this.apply(agentId, plan);
        this.queueOf.set(agentId, row.queue);
        restored.push(agentId);
      } catch (err) {
        this.log.warn('agent session not restored', { agentId, state: row.state, error: (err as Error).message });
      }
    }
    // Rows of agents that are not restored (deleted, disabled, or a state we do not know) are dropped.
    const stale = rows.map((r) => Number(r.agent_id)).filter((id) => !restored.includes(id));
    if (stale.length) await this.repo.delete(stale);
    // Restored states are written again from here on, with the state they now have.
    this.unsubscribe = this.o.runtime.onEffect((e) => this.onEffect(e));
    for (const id of restored) this.track(id);
    if (rows.length) this.log.info('agent sessions restored after a restart', { restored: restored.length, dropped: stale.length });
    return restored;
  }

  /** Stops following the engine and writes what is pending; sessions stay stored for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    await this.flush();
  }

  /** Waits for the writes queued so far. */
  async flush(): Promise<void> {
    while (this.scheduled || this.dirty.size) {
      this.kick();
      await this.flushing;
    }
    await this.flushing;
  }

  private apply(agentId: number, plan: RestorePlan): void {
    const engine = this.o.runtime.engine;
    engine.login(agentId);
    if (plan.state === 'not_ready') engine.setNotReady(agentId, plan.reason);
    if (plan.state !== 'wrap_up') return;
    engine.setNotReady(agentId, RESTORED_WRAP_UP_REASON);
    const version = engine.agent(agentId)!.version;
    // Stored as a wrap-up that started so that it ends at readyAt, so a second restart keeps the same end.
    this.restoredWrapUps.set(agentId, { version, since: plan.readyAt - plan.wrapUpSec * 1000 });
    const t = this.o.clock.setTimeout(() => {
      this.timers.delete(t);
      this.restoredWrapUps.delete(agentId);
      const now = engine.agent(agentId);
      // Only the restored wrap-up ends by itself: any change since (ready, a break, logout) wins.
      if (now?.state === 'not_ready' && now.version === version) engine.setReady(agentId);
    }, Math.max(0, plan.readyAt - this.o.clock.now()));
    this.timers.add(t);
  }

  private onEffect(e: AcdEffect): void {
    if (e.kind === 'call_state' && e.state === 'connected' && e.agentId !== undefined) this.queueOf.set(e.agentId, e.queue);
    if (e.kind !== 'agent_state') return;
    if (e.state === 'on_call' || e.state === 'reserved') {
      const direct = this.o.runtime.engine.agent(e.agentId)?.direct;
      if (direct) this.queueOf.set(e.agentId, direct.queue ?? null);
    }
    this.track(e.agentId);
  }

  /** Queues the agent's current engine state for writing. */
  private track(agentId: number): void {
    const snap = this.o.runtime.engine.agent(agentId);
    if (!snap || snap.state === 'logged_out') {
      this.dirty.set(agentId, null);
      this.queueOf.delete(agentId);
    } else {
      const wrap = this.restoredWrapUps.get(agentId);
      const inRestoredWrapUp = wrap !== undefined && wrap.version === snap.version;
      if (wrap && !inRestoredWrapUp) this.restoredWrapUps.delete(agentId);
      this.dirty.set(agentId, {
        agent_id: agentId,
        state: inRestoredWrapUp ? 'wrap_up' : snap.state,
        reason: snap.state === 'not_ready' && !inRestoredWrapUp ? (snap.reason ?? null) : null,
        queue: this.queueOf.get(agentId) ?? null,
        since: new Date(inRestoredWrapUp ? wrap.since : snap.since),
        updated_at: new Date(this.o.clock.now()),
      });
    }
    this.kick();
  }

  /**
   * One write pass at a time, each writing the latest row of every agent changed since the last. A pass starts on the
   * next turn of the event loop rather than at once: an offer changes several agents' states within one read from
   * FreeSWITCH, and they then go out as one statement instead of one autocommit each.
   */
  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.flushing = this.flushing
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(async () => {
        this.scheduled = false;
        const batch = [...this.dirty];
        this.dirty.clear();
        const rows = batch.flatMap(([, row]) => (row ? [row] : []));
        const gone = batch.flatMap(([agentId, row]) => (row ? [] : [agentId]));
        for (let i = 0; i < rows.length; i += WRITE_CHUNK) await this.upsert(rows.slice(i, i + WRITE_CHUNK));
        for (let i = 0; i < gone.length; i += WRITE_CHUNK) await this.remove(gone.slice(i, i + WRITE_CHUNK));
      });
  }

  private async upsert(rows: AcdAgentSessionRow[]): Promise<void> {
    const errors = await upsertRows(this.o.dataSource, 'acd_agent_sessions', SESSION_COLUMNS, 'agent_id', rows.map(sessionValues));
    errors.forEach((err, i) => {
      if (err) this.log.warn('agent session not written', { agentId: rows[i]!.agent_id, error: err.message });
    });
  }

  private async remove(agentIds: number[]): Promise<void> {
    try {
      await this.repo.delete({ agent_id: In(agentIds) });
    } catch (err) {
      this.log.warn('agent sessions not deleted', { agentIds, error: (err as Error).message });
    }
  }
}

/** Rows per statement (6 parameters each, far below either engine's limit). */
const WRITE_CHUNK = 500;

const SESSION_COLUMNS = ['agent_id', 'state', 'reason', 'queue', 'since', 'updated_at'] as const;

function sessionValues(row: AcdAgentSessionRow): SqlValue[] {
  return [row.agent_id, row.state, row.reason, row.queue, sqlDateTime(row.since), sqlDateTime(row.updated_at)];
}
