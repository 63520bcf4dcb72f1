/**
 * src/supervision: live call supervision (listen, whisper, barge, take over, force hangup and state).
 * `createSupervision` builds the service from what the service wiring holds; `startDemoSupervisor` is the demo's
 * simulated supervisor who listens and whispers now and then.
 */
import type { DataSource } from 'typeorm';
import type { AcdRuntimeApi } from '../acd/contract';
import type { AcdConfigStoreImpl } from '../acd/config-store';
import type { CallControlApi } from '../acd/runtime/call-control';
import type { Principal } from '../auth/principal';
import { UserService } from '../auth/users';
import type { Clock, ClockTimer } from '../clock/clock';
import type { Config } from '../config/config';
import { SupervisionSessionSchema, type SupervisionSessionRow } from '../db/entities/supervision';
import type { Logger } from '../log/logger';
import { PhoneEndpoints, type PhoneClusterLike } from '../phones/phone-endpoints';
import { SupervisionError, SupervisionService, type SupervisionCluster } from './service';

const NO_FREESWITCH: SupervisionCluster = {
  client: () => {
    throw new SupervisionError('unavailable', 'FreeSWITCH is not connected');
  },
  onEvent: () => () => undefined,
};

export { SupervisionService, SupervisionError, sessionView, type SessionView, type SupervisionActor, type ForceStateAction } from './service';
export { SupervisionStore, type SupervisorInfo, type ModeChange } from './store';

export interface SupervisionFactoryDeps {
  dataSource: DataSource;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The FreeSWITCH cluster (events and commands); absent: reads work, calls answer "unavailable". */
  freeswitch?: SupervisionCluster;
  /** The running ACD, or a getter (it may start later). */
  acd: AcdRuntimeApi | (() => AcdRuntimeApi | undefined);
  acdConfig: AcdConfigStoreImpl;
  /** Agent call control, for forced hangups of transferred / conference calls. */
  acdCallControl?: CallControlApi | (() => CallControlApi | undefined);
  /** How supervisors' phones are dialled (default: built from the config on `freeswitch`). */
  phones?: PhoneEndpoints;
  /** Override of the monitored-flag push (default: the ACD WebSocket hubs of this runtime). */
  publish?: (agentId: number, state: { monitored: boolean; mode: string | null; sessionId: number }, toAgent: boolean) => void;
}

/** The supervision service of a running Switchboard (close it before the cluster). */
export function createSupervision(deps: SupervisionFactoryDeps): SupervisionService {
  const acd = deps.acd;
  const cc = deps.acdCallControl;
  return new SupervisionService({
    dataSource: deps.dataSource,
    cluster: deps.freeswitch ?? NO_FREESWITCH,
    runtime: typeof acd === 'function' ? acd : () => acd,
    agents: deps.acdConfig,
    users: new UserService(deps.dataSource, { clock: deps.clock }),
    clock: deps.clock,
    logger: deps.logger,
    notifyAgent: deps.config.supervision.notifyAgent,
    publish: deps.publish,
    callControl: cc === undefined ? undefined : typeof cc === 'function' ? cc : () => cc,
    commandTimeoutMs: deps.config.freeswitch.commandTimeoutMs,
    phones: deps.phones ?? new PhoneEndpoints(deps.config.telephony.phoneDial, phoneCluster(deps.freeswitch)),
  });
}

export interface DemoSupervisorOptions {
  supervision: SupervisionService;
  acd: AcdRuntimeApi;
  clock: Clock;
  logger: Logger;
  /** The demo supervisor's user (role supervisor or admin, with an extension set through setSupervisor). */
  principal: Principal;
  /** How often a session may start (default every 20 s), and how long it listens, then whispers (default 4 s + 3 s). */
  everyMs?: number;
  listenMs?: number;
  whisperMs?: number;
  random?: () => number;
}

/**
 * The demo's supervisor: now and then picks an agent on a call, listens, switches to whisper, then ends the
 * session (or it ends by itself with the call). Returns a stop function.
 */
export function startDemoSupervisor(o: DemoSupervisorOptions): () => void {
  const log = o.logger.child({ module: 'demo-supervisor' });
  const actor = { principal: o.principal, ip: null };
  const random = o.random ?? Math.random;
  const timers = new Set<ClockTimer>();
  let stopped = false;
  const later = (ms: number, fn: () => void): void => {
    const t = o.clock.setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };
  const round = (): void => {
    later(o.everyMs ?? 20_000, round);
    if (o.supervision.activeSessions().some((s) => s.supervisor_user_id === o.principal.id)) return;
    const onCall = o.acd.engine.agents().filter((a) => a.state === 'on_call' && o.acd.legsOfAgent(a.id)?.agentUuid);
    if (!onCall.length) return;
    const agent = onCall[Math.floor(random() * onCall.length)]!;
    void o.supervision
      .start(actor, agent.id, 'listen')
      .then((session) => {
        later(o.listenMs ?? 4_000, () => {
          void o.supervision
            .setMode(actor, session.id, 'whisper')
            .then(() => later(o.whisperMs ?? 3_000, () => void o.supervision.end(actor, session.id).catch(() => undefined)))
            .catch(() => undefined);
        });
      })
      .catch((err: unknown) => log.debug('demo supervision did not start', { agent: agent.id, error: (err as Error).message }));
  };
  later(o.everyMs ?? 20_000, round);
  return () => {
    stopped = true;
    for (const t of timers) t.cancel();
    timers.clear();
  };
}

/** For the demo summary: supervision sessions whose supervisor's phone answered. */
export async function countSupervisionSessions(ds: DataSource): Promise<number> {
  return ds
    .getRepository<SupervisionSessionRow>(SupervisionSessionSchema)
    .createQueryBuilder('s')
    .where('s.answered_at IS NOT NULL')
    .getCount();
}

/** The cluster as PhoneEndpoints needs it (it learns each node's domain when it connects), when it is one. */
function phoneCluster(c: SupervisionCluster | undefined): PhoneClusterLike | undefined {
  return c && 'onStatus' in c && typeof (c as unknown as Partial<PhoneClusterLike>).onStatus === 'function' ? (c as unknown as PhoneClusterLike) : undefined;
}
