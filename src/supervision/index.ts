/**
 * src/supervision: live call supervision (listen, whisper, barge, take over, force hangup and state).
 * `createSupervision` builds the service from what the service wiring holds (the demo's simulated supervisor is
 * src/demo/supervisor.ts).
 */
import type { DataSource } from 'typeorm';
import type { AcdRuntimeApi } from '../acd/contract';
import type { AcdConfigStoreImpl } from '../acd/config-store';
import type { CallControlApi } from '../acd/runtime/call-control';
import { UserService } from '../auth/users';
import type { Clock } from '../clock/clock';
import type { Config } from '../config/config';
import { SupervisionSessionSchema, type SupervisionSessionRow } from '../db/entities/supervision';
import type { Logger } from '../log/logger';
import type { NodeApiCluster } from '../freeswitch/cluster';
import { PhoneEndpoints } from '../phones/phone-endpoints';
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

/** For the demo summary: supervision sessions whose supervisor's phone answered. */
export async function countSupervisionSessions(ds: DataSource): Promise<number> {
  return ds
    .getRepository<SupervisionSessionRow>(SupervisionSessionSchema)
    .createQueryBuilder('s')
    .where('s.answered_at IS NOT NULL')
    .getCount();
}

/** The cluster as PhoneEndpoints needs it (it learns each node's domain when it connects), when it is one. */
function phoneCluster(c: SupervisionCluster | undefined): NodeApiCluster | undefined {
  return c && 'onStatus' in c && typeof (c as unknown as Partial<NodeApiCluster>).onStatus === 'function' ? (c as unknown as NodeApiCluster) : undefined;
}
