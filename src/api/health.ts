/**
 * What /healthz reports. The service supplies a `() => Promise<HealthReport>`; the API shows anonymous callers
 * only `status`, and authenticated ones the whole report. 200 for ok/degraded, 503 for down.
 */
import type { DialFaultsHealth } from '../phones/dial-faults';
import type { NodePromptReport } from '../prompts/startup-check';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface FreeSwitchNodeHealth {
  node: string;
  /** e.g. 'connected', 'connecting', 'disconnected'. */
  status: string;
  /** ISO 8601 time the current connection was established. */
  connected_since?: string;
  /** Connection attempts after the first one (after a loss, a failed attempt or an auth refusal), since start. */
  reconnects?: number;
  /** Successful connections since start (1 = never lost); a reconnect that worked adds one. */
  connections?: number;
  events_received?: number;
  events_dropped?: number;
  /** The last HEARTBEAT event from the node. */
  last_heartbeat?: {
    /** ISO 8601 time it was received. */
    received_at: string;
    uptime_seconds?: number;
    session_count?: number;
    sessions_per_second?: number;
    idle_cpu?: number;
    [field: string]: unknown;
  };
}

export interface HealthReport {
  status: HealthStatus;
  freeswitch: FreeSwitchNodeHealth[];
  database: { status: 'ok' | 'down'; error?: string };
  /**
   * CDR writing (src/cdr): `spooling` while CDRs wait in the local spool for the database, `losing` once the spool
   * refused some (full or unwritable: those CDRs are lost, counted in switchboard_cdr_dropped_total{reason="spool_full"}).
   */
  cdr?: { status: 'ok' | 'spooling' | 'losing'; queued: number; spooled: number; spool_bytes: number; spool_max_bytes: number; spool_refused: number };
  /** Calls FreeSWITCH could not place since the last one that reached a phone (failing: /healthz is degraded). */
  dialing?: DialFaultsHealth;
  /** This instance's high-availability role (src/ha): a healthy standby is `ok` without FreeSWITCH connections. */
  ha?: { mode: 'single' | 'lease'; instance_id: string; role: 'active' | 'standby'; term: number | null; holder: string | null; holder_url: string | null; lease_age_ms: number | null };
  /** The start-up prompt check per node (src/prompts/startup-check.ts): files checked, the missing ones. */
  prompts?: { missing: number; nodes: NodePromptReport[] };
}

export function healthHttpStatus(status: HealthStatus): number {
  return status === 'down' ? 503 : 200;
}
