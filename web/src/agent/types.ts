/** The API responses the agent desktop reads (src/api/routes/acd-agent.ts, acd-calls.ts, acd-desktop.ts, dialer.ts). */

import type { AgentState, AgentStateView } from '../lib/acd-types';

export type { AgentState, AgentStateView };

export interface PreviousQueueCall {
  id: string;
  queue: string;
  entered_at: string | null;
  outcome: string | null;
  agent_id: number | null;
  agent_name?: string | null;
  disposition: string | null;
  notes?: string | null;
}

export interface PreviousCdr {
  uuid: string;
  start_at: string | null;
  destination_number: string | null;
  billsec: number;
  hangup_cause: string | null;
  agent_id: number | null;
}

export interface IvrStep {
  node?: string;
  type?: string;
  digits?: string;
  at?: string;
  [k: string]: unknown;
}

export interface ScreenPop {
  call_id: string;
  queue: string | null;
  caller_number: string | null;
  caller_name: string | null;
  data: Record<string, string>;
  ivr_path: unknown[] | null;
  previous_calls: PreviousCdr[];
  previous_queue_calls: PreviousQueueCall[];
}

export interface QueueSettings {
  name: string;
  wrap_up_sec: number;
  dispositions: string[];
  recording_policy: 'never' | 'always' | 'on_demand';
}

export interface AgentRow {
  id: number;
  user_id: number;
  name: string;
  extension: string;
  queues: Array<{ queue: string; tier: number }>;
  teams: string[];
  enabled: boolean;
}

export interface AcdMe {
  agent: AgentRow;
  acd_running: boolean;
  not_ready_reasons: string[];
  queues: QueueSettings[];
  wrap_up: { call_id: string | null; queue: string | null; ends_at: string | null } | null;
  state: AgentStateView | null;
  call: { call_id: string; queue: string; connected_at: string | null; screen_pop: ScreenPop } | null;
}

export interface MyCall {
  agent_id: number;
  node: string;
  caller_uuid: string;
  agent_uuid: string;
  queue: string | null;
  source: 'acd' | 'transfer' | 'outbound';
  mode: 'talking' | 'consulting' | 'conference';
  held: boolean;
  /** The agent's microphone is muted on the switch (the others do not hear the agent). */
  muted: boolean;
  consult_uuid: string | null;
  conference: string | null;
  third_party_uuid: string | null;
}

export interface Directory {
  agents: Array<{ id: number; name: string; extension: string; state: AgentState; queues: string[] }>;
  queues: Array<{ name: string; waiting: number | null; agents_available: number | null }>;
}

export type TransferTarget = { agent: number } | { queue: string } | { number: string };

export interface Today {
  calls_answered: number;
  offers: number;
  offers_missed: number;
  talk_sec: number;
  wrap_up_sec: number;
  aht_sec: number | null;
  logged_in_sec: number;
  occupancy: number | null;
}

export interface Lead {
  id: number;
  campaign_id: number;
  phone_e164: string;
  name: string | null;
  fields: Record<string, string>;
  attempts: number;
  status: string;
}

export interface Preview {
  lead: Lead | null;
  campaign: { id: number; name: string } | null;
}

export interface Callback {
  lead_id: number;
  campaign_id: number;
  campaign: string | null;
  name: string | null;
  phone_e164: string;
  callback_at: string;
  status: string;
}

/** The `offer` live message (src/acd/live.ts). */
export interface OfferMessage {
  type: 'offer';
  offer_id: string;
  call_id: string;
  agent_id: number;
  timeout_sec: number;
  attempt: number;
  screen_pop: ScreenPop;
}
