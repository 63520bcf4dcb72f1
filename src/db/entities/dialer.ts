import { EntitySchema } from 'typeorm';
import { bigintToNumber, timestamp } from './columns';

/** Outbound campaigns, their leads and the do-not-call lists (src/dialer/leads; migration 1767830400000). */

export type CampaignType = 'preview' | 'progressive' | 'predictive' | 'agentless';
export const CAMPAIGN_TYPES: readonly CampaignType[] = ['preview', 'progressive', 'predictive', 'agentless'];

export interface CampaignRow {
  id: number;
  name: string;
  type: CampaignType;
  /** The ACD queue whose agents take the calls. */
  queue: string;
  /** IANA zone used when a lead's number gives none (e.g. a non-geographic number). */
  timezone: string;
  /** Daily calling window, 'HH:MM' local to the lead; start inclusive, end exclusive. */
  window_start: string;
  window_end: string;
  enabled: boolean;
  /** JSON text of the dialing settings (src/dialer/campaign-settings.ts); '{}' = all defaults. */
  settings: string;
  created_at: Date;
  updated_at: Date;
}

export type LeadStatus = 'new' | 'scheduled' | 'dialing' | 'done' | 'failed';

export interface LeadRow {
  id: number;
  campaign_id: number;
  phone_e164: string;
  /** The number as the CSV gave it (last import wins). */
  phone_raw: string;
  name: string | null;
  /** JSON object text: the other CSV columns, kept for the screen pop. */
  fields: string;
  /** JSON array text: candidate IANA zones of the number ([] = unknown: the campaign's zone applies). */
  time_zones: string;
  status: LeadStatus;
  attempts: number;
  next_attempt_at: Date | null;
  created_at: Date;
  /** A callback an agent scheduled: dialled at this time, offered to callback_agent_id first. */
  callback_at: Date | null;
  callback_agent_id: number | null;
  last_outcome: string | null;
  last_called_at: Date | null;
}

export interface DncNumberRow {
  id: number;
  phone_e164: string;
  /** null: the global list. */
  campaign_id: number | null;
  /** campaign_id, or 0 for the global list (part of the unique key). */
  scope: number;
  reason: string;
  created_at: Date;
}

export const DIALER_LIMITS = { name: 128, queue: 128, timezone: 64, phone: 16, phoneRaw: 64, leadName: 255, reason: 255 } as const;

export const CampaignSchema = new EntitySchema<CampaignRow>({
  name: 'Campaign',
  tableName: 'campaigns',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'varchar', length: DIALER_LIMITS.name, unique: true },
    type: { type: 'varchar', length: 16 },
    queue: { type: 'varchar', length: DIALER_LIMITS.queue },
    timezone: { type: 'varchar', length: DIALER_LIMITS.timezone },
    window_start: { type: 'varchar', length: 5 },
    window_end: { type: 'varchar', length: 5 },
    enabled: { type: 'boolean', default: false },
    settings: { type: 'text' },
    created_at: timestamp(),
    updated_at: timestamp(),
  },
});

export const LeadSchema = new EntitySchema<LeadRow>({
  name: 'Lead',
  tableName: 'leads',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    campaign_id: { type: 'int' },
    phone_e164: { type: 'varchar', length: DIALER_LIMITS.phone },
    phone_raw: { type: 'varchar', length: DIALER_LIMITS.phoneRaw },
    name: { type: 'varchar', length: DIALER_LIMITS.leadName, nullable: true },
    fields: { type: 'text' },
    time_zones: { type: 'text' },
    status: { type: 'varchar', length: 16 },
    attempts: { type: 'int', default: 0 },
    next_attempt_at: timestamp({ nullable: true }),
    created_at: timestamp(),
    callback_at: timestamp({ nullable: true }),
    callback_agent_id: { type: 'int', nullable: true },
    last_outcome: { type: 'varchar', length: 16, nullable: true },
    last_called_at: timestamp({ nullable: true }),
  },
});

export const DncNumberSchema = new EntitySchema<DncNumberRow>({
  name: 'DncNumber',
  tableName: 'dnc_numbers',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    phone_e164: { type: 'varchar', length: DIALER_LIMITS.phone },
    campaign_id: { type: 'int', nullable: true },
    scope: { type: 'int' },
    reason: { type: 'varchar', length: DIALER_LIMITS.reason },
    created_at: timestamp(),
  },
});

export type LedgerAction = 'dial' | 'skip';

/** One dial or skip of the dialer (migration 1767916800000). */
export interface LedgerRow {
  id: number;
  campaign_id: number;
  lead_id: number | null;
  phone_e164: string;
  at: Date;
  action: LedgerAction;
  /** dial: progressive | predictive | preview | agentless | callback; skip: dnc | window | max_attempts | pacing | invalid. */
  reason: string;
  detail: string;
  /** Attempt number of this dial (1 = first); for a skip, the attempts made so far. */
  attempt: number;
  call_uuid: string | null;
  agent_id: number | null;
  /** How the dial ended: human, machine, busy, no_answer, invalid, failed, abandoned, amd_false_positive, confirmed... */
  outcome: string | null;
  resolved_at: Date | null;
}

export const LedgerSchema = new EntitySchema<LedgerRow>({
  name: 'DialerLedger',
  tableName: 'dialer_ledger',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    campaign_id: { type: 'int' },
    lead_id: { type: 'int', nullable: true },
    phone_e164: { type: 'varchar', length: DIALER_LIMITS.phone },
    at: timestamp(),
    action: { type: 'varchar', length: 8 },
    reason: { type: 'varchar', length: 32 },
    detail: { type: 'varchar', length: 255 },
    attempt: { type: 'int', default: 0 },
    call_uuid: { type: 'varchar', length: 36, nullable: true },
    agent_id: { type: 'int', nullable: true },
    outcome: { type: 'varchar', length: 16, nullable: true },
    resolved_at: timestamp({ nullable: true }),
  },
});

/**
 * A callback an agent (or a supervisor for an agent) scheduled on a lead (migration 1769000000000): kept when the lead
 * is scheduled or dialled again, for the period reports (callbacks_scheduled). queue is the campaign's at the time,
 * team the first team of the agent it is for.
 */
export interface CallbackRequestRow {
  id: number;
  lead_id: number;
  campaign_id: number;
  queue: string;
  agent_id: number | null;
  team: string | null;
  requested_at: Date;
  callback_at: Date;
}

export const CallbackRequestSchema = new EntitySchema<CallbackRequestRow>({
  name: 'CallbackRequest',
  tableName: 'callback_requests',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    lead_id: { type: 'int' },
    campaign_id: { type: 'int' },
    queue: { type: 'varchar', length: DIALER_LIMITS.queue },
    agent_id: { type: 'int', nullable: true },
    team: { type: 'varchar', length: 64, nullable: true },
    requested_at: timestamp(),
    callback_at: timestamp(),
  },
  indices: [
    { name: 'idx_callback_requests_requested', columns: ['requested_at'] },
    { name: 'idx_callback_requests_lead', columns: ['lead_id'] },
  ],
});
