/** The API responses the supervisor pages read (src/api/routes/acd-live.ts, supervision.ts, audit.ts, dialer*.ts, recordings.ts). */

import type { AgentState, AgentStateView } from '../lib/acd-types';

export type { AgentState };
export const AGENT_STATES: readonly AgentState[] = ['available', 'reserved', 'on_call', 'wrap_up', 'not_ready', 'logged_out'];

export interface LiveQueue {
  queue: string;
  waiting: number;
  longest_wait_sec: number;
  service_level: number | null;
  service_level_sec?: number;
  abandon_rate: number | null;
  agents: Record<AgentState, number>;
  ewt_sec: number | null;
}

export interface LiveAgentCall {
  id: string;
  queue: string;
  caller_number: string | null;
  caller_name: string | null;
  connected_at: string | null;
}

export interface LiveAgent extends AgentStateView {
  phone_registered: boolean;
  teams: string[];
  queues: string[];
  call: LiveAgentCall | null;
}

export interface LiveCall {
  id: string;
  queue: string;
  priority: number;
  state: 'waiting' | 'offering';
  entered_at: string;
  wait_sec: number;
}

export interface Items<T> {
  items: T[];
}

/** A queue report row (GET /api/v1/acd/reports/queues): the day's ASA. */
export interface QueueReportRow {
  queue: string;
  bucket_start: string;
  offered: number;
  answered: number;
  asa_sec: number | null;
}

// ---- live feed messages (src/acd/live.ts) ----

export interface AgentStateMessage {
  type: 'agent_state';
  agent_id: number;
  state: AgentState;
  reason: string | null;
  version: number;
  changed_at: string;
}

export interface CallStateMessage {
  type: 'call_state';
  call_id: string;
  queue: string;
  state: 'waiting' | 'offering' | 'connected' | 'ended';
  agent_id: number | null;
  changed_at: string;
}

/** The first message of every connection: a snapshot of every queue and agent (not scoped; only known agents are used). */
export interface HelloMessage {
  type: 'hello';
  snapshot?: { queues?: LiveQueue[]; agents?: Array<Pick<LiveAgent, 'id' | 'state' | 'reason' | 'version' | 'since' | 'call_id'>> };
}

export type QueueStatsMessage = LiveQueue & { type: 'queue_stats'; at: string };

// ---- supervision ----

export type SupervisionMode = 'listen' | 'whisper' | 'barge';
export const SUPERVISION_MODES: readonly SupervisionMode[] = ['listen', 'whisper', 'barge'];

export interface SupervisionSession {
  id: number;
  supervisor_user_id: number;
  supervisor_name: string;
  agent_id: number;
  call_uuid: string;
  mode: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  outcome: string | null;
  active: boolean;
}

/** The API's not-ready reasons (src/api/routes/acd-agent.ts NOT_READY_REASONS). */
export const NOT_READY_REASONS = ['break', 'lunch', 'training', 'meeting', 'coaching', 'personal', 'after_call_work', 'other'] as const;

export interface AuditEntry {
  id: number;
  at: string;
  actor_type: string;
  actor_name: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditPage {
  total: number;
  items: AuditEntry[];
}

// ---- dialer ----

export interface Campaign {
  id: number;
  name: string;
  type: string;
  queue: string;
  enabled: boolean;
  window_start: string;
  window_end: string;
  timezone: string;
}

export interface CampaignFigures {
  campaign: string;
  id: number;
  type: string;
  running: boolean;
  mode: string;
  lines_in_flight: number;
  waiting_for_agent: number;
  agents_logged_in: number;
  agents_available: number;
  dial_level: number;
  live_answer_rate: number;
  abandon_rate_rolling: number;
  abandon_window: string;
  dials: number;
  live: number;
  abandoned: number;
  calls_per_hour: number;
  occupancy: number | null;
  settings_error?: string;
}

export interface CampaignDay {
  day: string;
  dials: number;
  live: number;
  abandoned: number;
  abandon_rate: number;
}

export interface CampaignStats {
  live: CampaignFigures | null;
  per_day: CampaignDay[];
}

// ---- recordings ----

export interface Recording {
  id: string;
  call_uuid: string;
  agent_id: number | null;
  queue: string | null;
  campaign: string | null;
  did: string | null;
  caller_number: string | null;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  bytes: number | null;
  format: string;
  legal_hold: boolean;
  retention_class: string;
  status: 'recording' | 'finished' | 'missing' | 'purged' | 'failed';
  integrity: 'unverified' | 'ok' | 'tampered';
}

export interface RecordingPage {
  total: number;
  limit: number;
  offset: number;
  items: Recording[];
}
