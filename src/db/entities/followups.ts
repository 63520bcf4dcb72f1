import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/**
 * Follow-up calls ("回访", src/followups): one row per call scheduled after a ticket was resolved or a call was
 * dispositioned. The call itself is a lead of a follow-up campaign (lead_id, campaign_id), so it goes through the
 * dialer's DNC, calling windows, ledger and retries; this row says why it exists and how it ended.
 */
export type FollowupKind = 'preview' | 'survey';
export type FollowupStatus = 'scheduled' | 'dialing' | 'done' | 'cancelled' | 'failed';
export type FollowupOutcome = 'reached' | 'unreached' | 'satisfied' | 'reopened';
export const FOLLOWUP_KINDS = ['preview', 'survey'] as const satisfies readonly FollowupKind[];
export const FOLLOWUP_STATUSES = ['scheduled', 'dialing', 'done', 'cancelled', 'failed'] as const satisfies readonly FollowupStatus[];
export const FOLLOWUP_OUTCOMES = ['reached', 'unreached', 'satisfied', 'reopened'] as const satisfies readonly FollowupOutcome[];

export const FOLLOWUP_LIMITS = { number: 16, detail: 255, name: 128 } as const;

export interface TicketFollowupRow {
  id: number;
  ticket_id: number;
  kind: FollowupKind;
  /** The number called (E.164). */
  phone_e164: string;
  /** preview: the agent the lead is offered to (the ticket's assignee). */
  agent_id: number | null;
  /** The first instant inside the caller's calling window at or after the requested time. */
  scheduled_for: Date;
  campaign_id: number | null;
  lead_id: number | null;
  status: FollowupStatus;
  outcome: FollowupOutcome | null;
  /** survey: the CSAT score (1-5) the caller gave. */
  score: number | null;
  /** Why it ended as it did (the dialer's last outcome, the disposition, who cancelled it). */
  detail: string | null;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
}

export const TicketFollowupSchema = new EntitySchema<TicketFollowupRow>({
  name: 'TicketFollowup',
  tableName: 'ticket_followups',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    ticket_id: { type: 'int' },
    kind: { type: 'varchar', length: 8 },
    phone_e164: { type: 'varchar', length: FOLLOWUP_LIMITS.number },
    agent_id: { type: 'int', nullable: true },
    scheduled_for: timestamp(),
    campaign_id: { type: 'int', nullable: true },
    lead_id: { type: 'int', nullable: true },
    status: { type: 'varchar', length: 12 },
    outcome: { type: 'varchar', length: 12, nullable: true },
    score: { type: 'int', nullable: true },
    detail: { type: 'varchar', length: FOLLOWUP_LIMITS.detail, nullable: true },
    created_by_name: { type: 'varchar', length: FOLLOWUP_LIMITS.name },
    created_at: timestamp(),
    updated_at: timestamp(),
  },
  indices: [
    { name: 'idx_ticket_followups_ticket', columns: ['ticket_id'] },
    { name: 'idx_ticket_followups_lead', columns: ['lead_id'] },
  ],
});
