/** What GET /healthz gives a signed-in caller (src/api/health.ts). */

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface NodeHealth {
  node: string;
  /** connected, connecting, reconnecting, auth-failed, closed. */
  status: string;
  connected_since?: string;
  reconnects?: number;
  connections?: number;
  events_received?: number;
  events_dropped?: number;
  last_heartbeat?: {
    received_at: string;
    uptime_seconds?: number;
    session_count?: number;
    sessions_per_second?: number;
    idle_cpu?: number;
    max_sessions?: number;
  };
}

export interface HealthReport {
  status: HealthStatus;
  freeswitch: NodeHealth[];
  database: { status: 'ok' | 'down'; error?: string };
  dialing?: { status: 'ok' | 'failing'; failures: number; last_error?: string; last_error_at?: string };
  prompts?: { missing: number; nodes: Array<{ node: string; checked_at: string; checked: number; missing: string[]; error?: string }> };
}
