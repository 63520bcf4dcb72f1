/** The API's shapes used by the report pages (src/api/routes/acd-live.ts reports, src/api/routes/audit.ts). */

export type Bucket = 'hour' | 'day' | 'week';

export interface QueueReportRow {
  queue: string;
  bucket_start: string;
  offered: number;
  answered: number;
  abandoned: number;
  overflowed: number;
  callbacks: number;
  failed: number;
  answered_in_sl: number;
  service_level: number | null;
  abandon_rate: number | null;
  asa_sec: number | null;
  aht_sec: number | null;
  max_wait_sec: number | null;
}

export interface AgentReportRow {
  agent_id: number;
  name: string | null;
  bucket_start: string;
  offers: number;
  offers_answered: number;
  offers_missed: number;
  calls_answered: number;
  talk_sec: number;
  wrap_up_sec: number;
  aht_sec: number | null;
  logged_in_sec: number;
  available_sec: number;
  not_ready_sec: number;
  reserved_sec: number;
  on_call_sec: number;
  occupancy: number | null;
}

export interface Report<T> {
  from: string;
  to: string;
  bucket: Bucket;
  items: T[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: number | null;
  actor_name: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

export interface AuditPage {
  total: number;
  limit: number;
  offset: number;
  items: AuditEntry[];
}
