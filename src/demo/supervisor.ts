/**
 * The demo's supervisor: listens to an agent's call, switches to whisper, then ends the session (or it ends with the
 * call). The first session is tried a few seconds into the run and retried every few seconds until one is in, so
 * any run of 30 s or more shows one; after that a new one every `everyMs`. Pure: supervision and the ACD come in as
 * interfaces, time is the injected Clock.
 */
import type { AcdCallLegs } from '../acd/contract';
import type { Principal } from '../auth/principal';
import type { Clock, ClockTimer } from '../clock/clock';
import type { Logger } from '../log/logger';
import type { SessionView, SupervisionActor } from '../supervision';

type Mode = 'listen' | 'whisper';

/** What the demo supervisor needs from the supervision service (src/supervision/service.ts). */
export interface DemoSupervision {
  activeSessions(): Array<Pick<SessionView, 'supervisor_user_id'>>;
  /** Resolves once the supervisor's phone answered (the supervisor is listening). */
  start(actor: SupervisionActor, agentId: number, mode: Mode): Promise<Pick<SessionView, 'id'>>;
  setMode(actor: SupervisionActor, id: number, mode: Mode): Promise<unknown>;
  end(actor: SupervisionActor, id: number): Promise<unknown>;
}

/** What it needs from the running ACD. */
export interface DemoSupervisorAcd {
  engine: { agents(): Array<{ id: number; state: string }> };
  legsOfAgent(agentId: number): AcdCallLegs | undefined;
}

export interface DemoSupervisorTiming {
  /** First try after the start. */
  firstAfterMs: number;
  /** Next try when no agent was on a call or the session did not start. */
  retryMs: number;
  /** Next try after a session started. */
  everyMs: number;
  listenMs: number;
  whisperMs: number;
}

export const DEFAULT_SUPERVISOR_TIMING: DemoSupervisorTiming = { firstAfterMs: 5_000, retryMs: 3_000, everyMs: 20_000, listenMs: 4_000, whisperMs: 3_000 };

export interface DemoSupervisorOptions {
  supervision: DemoSupervision;
  acd: DemoSupervisorAcd;
  clock: Clock;
  logger: Logger;
  /** The demo supervisor's user (role supervisor or admin, with an extension set through setSupervisor). */
  principal: Principal & { kind: 'user' };
  timing?: Partial<DemoSupervisorTiming>;
}

export interface DemoSupervisor {
  /** Sessions that started (the supervisor's phone answered and listened). */
  listened(): number;
  stop(): void;
}

export function startDemoSupervisor(o: DemoSupervisorOptions): DemoSupervisor {
  const log = o.logger.child({ module: 'demo-supervisor' });
  const timing = { ...DEFAULT_SUPERVISOR_TIMING, ...o.timing };
  const actor: SupervisionActor = { principal: o.principal, ip: null };
  const timers = new Set<ClockTimer>();
  let stopped = false;
  let listened = 0;
  const later = (ms: number, fn: () => void): void => {
    const t = o.clock.setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };

  /** The agent whose call was connected last: the most talk left, so the session is in before the call ends. */
  const pickAgent = (): number | undefined => {
    let best: { id: number; at: number } | undefined;
    for (const a of o.acd.engine.agents()) {
      if (a.state !== 'on_call') continue;
      const legs = o.acd.legsOfAgent(a.id);
      if (!legs?.agentUuid || legs.connectedAt === undefined) continue;
      if (!best || legs.connectedAt > best.at) best = { id: a.id, at: legs.connectedAt };
    }
    return best?.id;
  };

  const round = (): void => {
    if (o.supervision.activeSessions().some((s) => s.supervisor_user_id === o.principal.id)) return later(timing.retryMs, round);
    const agentId = pickAgent();
    if (agentId === undefined) return later(timing.retryMs, round);
    o.supervision
      .start(actor, agentId, 'listen')
      .then((session) => {
        listened++;
        later(timing.everyMs, round);
        later(timing.listenMs, () => {
          o.supervision
            .setMode(actor, session.id, 'whisper')
            .then(() => later(timing.whisperMs, () => void o.supervision.end(actor, session.id).catch(() => undefined)))
            // The call ended meanwhile: so did the session.
            .catch(() => undefined);
        });
      })
      .catch((err: unknown) => {
        log.debug('demo supervision did not start', { agent: agentId, error: (err as Error).message });
        later(timing.retryMs, round);
      });
  };
  later(timing.firstAfterMs, round);

  return {
    listened: () => listened,
    stop: () => {
      stopped = true;
      for (const t of timers) t.cancel();
      timers.clear();
    },
  };
}
