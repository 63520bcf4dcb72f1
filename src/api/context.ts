import type { AlertService } from '../alerts/service';
import type { InstanceRoleState } from '../ha/instance-role';
import type { EslEvent } from '../esl/types';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import type { ApiKeyService } from '../auth/api-keys';
import type { Principal } from '../auth/principal';
import { principalName } from '../auth/principal';
import type { LoginRateLimiter } from '../auth/rate-limit';
import type { TokenService } from '../auth/tokens';
import type { UserService } from '../auth/users';
import type { Clock } from '../clock/clock';
import type { Config } from '../config/config';
import { recordAudit } from '../db/audit';
import type { Logger } from '../log/logger';
import type { FreeSwitchCluster } from '../freeswitch/cluster';
import type { MetricsRegistry } from '../metrics/registry';
import type { HealthReport } from './health';
import type { AgentAccessGuard } from './agent-access';
import type { AcdRuntimeApi } from '../acd/contract';
import type { AcdConfigStoreImpl } from '../acd/config-store';
import type { CallControlApi } from '../acd/runtime/call-control';
import type { Recordings } from '../recording';
import type { SupervisionService } from '../supervision/service';
import type { DialerRuntime } from '../dialer/runtime/dialer-runtime';
import type { FollowupService } from '../followups/service';

import type { PhoneEndpoints } from '../phones/phone-endpoints';

export interface ApiDeps {
  dataSource: DataSource;
  config: Config;
  clock: Clock;
  logger: Logger;
  health: () => Promise<HealthReport>;
  metrics: MetricsRegistry;
  /**
   * Records the CDR of a CHANNEL_HANGUP_COMPLETE-shaped event from `node` (mod_xml_cdr posts, src/cdr/xml-cdr-route.ts),
   * exactly as the event path does; false when the event has no usable leg. Absent without a CDR writer.
   */
  ingestCdrEvent?: (node: string, event: EslEvent) => boolean;
  /** Resolves once the CDRs ingested so far are in the database or the fsync'd spool (CdrWriter.persisted). */
  cdrPersisted?: () => Promise<void>;
  /** The FreeSWITCH connections (absent in API-only tests): routes that command FreeSWITCH use it. */
  freeswitch?: FreeSwitchCluster;
  /** The running ACD (absent until it starts, and in API-only tests): agent operations answer 503 without it. */
  acd?: AcdRuntimeApi;
  /** The ACD configuration store (default: acdConfigStoreFor(dataSource), the one the runtime shares). */
  acdConfig?: AcdConfigStoreImpl;
  /** How agents' and supervisors' phones are dialled (default: built from the config on `freeswitch`). */
  phones?: PhoneEndpoints;
  /** Agent call control (hold, transfer, 3-way, outbound), the one the service builds (src/acd/runtime/agent-call-control.ts); routes that need it answer 503 without it. */
  acdCallControl?: CallControlApi;
  /** Call recording (start/stop/pause/resume need it; searches and downloads work on the database without it). */
  recordings?: Recordings;
  /** The outbound dialer (src/dialer/runtime): campaign changes reload it; live figures, preview and callbacks use it. */
  dialer?: DialerRuntime;
  /** Follow-up calls of tickets (src/followups): the service's one instance, which follows the dialer's leads. */
  followups?: FollowupService;
  /** KPI alerts (src/alerts): rules reloaded after API changes, acknowledgements. */
  alerts?: AlertService;
  /** Live call supervision (src/supervision); default: built on first use from freeswitch, acd and acdConfig. */
  supervision?: SupervisionService;
  /** The IVR runtime's live path of a call (the agent's screen pop, before the flow's record is written). */
  ivrPathFor?: (uuid: string) => unknown[] | undefined;
  /** This instance's HA role (src/ha): a standby refuses writes and live reads (src/api/standby-gate.ts). */
  haRole?: () => InstanceRoleState;
  /** Tuning for tests; production leaves these unset. */
  options?: {
    /** bcrypt cost for passwords set through the API (default 12). */
    bcryptCost?: number;
    /** Failed logins allowed per username+IP in the window (default 10 per 5 minutes). */
    loginMaxFailures?: number;
    loginWindowMs?: number;
    /** Largest request body (default '1mb'). */
    bodyLimit?: string;
    /** Largest CSV lead import body in bytes (default LEAD_IMPORT_MAX_BYTES, 200 MiB). */
    leadImportMaxBytes?: number;
  };
}

/** What route factories get: the deps plus the services built from them. */
export interface ApiContext {
  deps: ApiDeps;
  logger: Logger;
  users: UserService;
  apiKeys: ApiKeyService;
  tokens: TokenService;
  loginLimiter: LoginRateLimiter;
  /** The team scope on ACD agents (routes with `agent` get it from the registry; others call it for a derived agent). */
  agentAccess: AgentAccessGuard;
  /** Records an admin change in the audit log, attributed to the caller. */
  audit(req: Request, principal: Principal | null, entry: AuditChange): Promise<void>;
}

export interface AuditChange {
  action: string;
  target_type: string;
  target_id: string | number | null;
  before: unknown;
  after: unknown;
}

export function makeAudit(ds: DataSource, clock: Clock) {
  return async (req: Request, principal: Principal | null, entry: AuditChange): Promise<void> => {
    await recordAudit(ds, {
      actor_type: principal ? principal.kind : 'system',
      actor_id: principal ? principal.id : null,
      actor_name: principal ? principalName(principal) : 'anonymous',
      action: entry.action,
      target_type: entry.target_type,
      target_id: entry.target_id === null ? null : String(entry.target_id),
      before: entry.before ?? null,
      after: entry.after ?? null,
      ip: req.ip ?? null,
    }, { clock });
  };
}
