/** The API's shapes used by the campaign pages (src/api/routes/dialer-leads.ts, dialer.ts; src/dialer/campaign-settings.ts). */

export const CAMPAIGN_TYPES = ['preview', 'progressive', 'predictive', 'agentless'] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

export const RETRY_OUTCOMES = ['busy', 'no_answer', 'machine', 'abandoned', 'failed'] as const;
export type RetryOutcome = (typeof RETRY_OUTCOMES)[number];

export interface RetryRule {
  delay_min: number;
  max_attempts: number;
}

/** Defaults of the retry rules (DEFAULT_RETRY in src/dialer/campaign-settings.ts), shown as placeholders. */
export const DEFAULT_RETRY: Record<RetryOutcome, RetryRule> = {
  busy: { delay_min: 10, max_attempts: 4 },
  no_answer: { delay_min: 60, max_attempts: 4 },
  machine: { delay_min: 240, max_attempts: 3 },
  abandoned: { delay_min: 72 * 60, max_attempts: 3 },
  failed: { delay_min: 30, max_attempts: 2 },
};

export interface CampaignSettings {
  amd: 'off' | 'hangup' | 'message';
  machine_message?: string;
  abandon_message?: string;
  message?: string;
  confirm_key?: string;
  transfer_key?: string;
  key_timeout_sec: number;
  ring_timeout_sec: number;
  connect_within_ms: number;
  abandon_window: '30d' | '24h';
  abandon_limit: number;
  abandon_target: number;
  max_lines: number;
  lines_per_agent: number;
  amd_false_positive_share: number;
  max_attempts: number;
  retry: Partial<Record<RetryOutcome, RetryRule>>;
  caller_id?: string;
  schedule?: { start: string; stop: string };
}

export interface Campaign {
  id: number;
  name: string;
  type: CampaignType;
  queue: string;
  timezone: string;
  window_start: string;
  window_end: string;
  enabled: boolean;
  settings: CampaignSettings;
  created_at: string;
  updated_at: string;
}

export interface ImportResult {
  rows: number;
  imported: number;
  merged: number;
  rejected: number;
  blank_lines: number;
  errors: Array<{ line: number; reason: string; value: string }>;
  errors_truncated: boolean;
}

export interface Lead {
  id: number;
  campaign_id: number;
  phone_e164: string;
  phone_raw: string;
  name: string | null;
  fields: Record<string, string>;
  time_zones: string[];
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  callback_at: string | null;
  callback_agent_id: number | null;
  last_outcome: string | null;
  last_called_at: string | null;
}

export interface LedgerRow {
  id: number;
  campaign_id: number;
  lead_id: number | null;
  phone_e164: string;
  at: string;
  action: 'dial' | 'skip';
  reason: string;
  detail: string;
  attempt: number;
  call_uuid: string | null;
  agent_id: number | null;
  outcome: string | null;
  resolved_at: string | null;
}

export interface DncRow {
  id: number;
  phone_e164: string;
  campaign_id: number | null;
  reason: string;
  created_at: string;
}

export interface Items<T> {
  items: T[];
}
