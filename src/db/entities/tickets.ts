import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/** Tickets (work orders, src/tickets): categories, tickets, their comments and change history. */

export type TicketStatus = 'open' | 'in_progress' | 'waiting_customer' | 'resolved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export const TICKET_STATUSES = ['open', 'in_progress', 'waiting_customer', 'resolved', 'closed'] as const satisfies readonly TicketStatus[];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const satisfies readonly TicketPriority[];

export const TICKET_LIMITS = {
  categoryName: 128,
  subject: 255,
  description: 20_000,
  comment: 20_000,
  callerNumber: 16,
  callUuid: 64,
  recordingId: 64,
  team: 64,
  name: 128,
  field: 32,
} as const;

export interface TicketCategoryRow {
  id: number;
  parent_id: number | null;
  name: string;
  /** JSON text: minutes per priority, e.g. {"normal": 1440, "urgent": 60}; a missing priority is the parent's. */
  sla: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface TicketRow {
  id: number;
  category_id: number;
  priority: TicketPriority;
  status: TicketStatus;
  subject: string;
  description: string;
  caller_number: string | null;
  /** A caller profile id (src/profiles); no foreign key, the profile may be deleted or merged. */
  profile_id: number | null;
  call_uuid: string | null;
  recording_id: string | null;
  assignee_agent_id: number | null;
  assignee_team: string | null;
  due_at: Date | null;
  /** The user who created it (null: an API key or a deleted user; created_by_name says who). */
  created_by: number | null;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  closed_at: Date | null;
}

export interface TicketCommentRow {
  id: number;
  ticket_id: number;
  author_id: number | null;
  author_name: string;
  body: string;
  created_at: Date;
}

export interface TicketEventRow {
  id: number;
  ticket_id: number;
  actor_id: number | null;
  actor_name: string;
  at: Date;
  /** 'created' for the creation, otherwise the changed field (status, priority, category_id, assignee_agent_id, assignee_team, due_at). */
  field: string;
  old_value: string | null;
  new_value: string | null;
}

export const TicketCategorySchema = new EntitySchema<TicketCategoryRow>({
  name: 'TicketCategory',
  tableName: 'ticket_categories',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    parent_id: { type: 'int', nullable: true },
    name: { type: 'varchar', length: TICKET_LIMITS.categoryName },
    sla: { type: 'text' },
    active: { type: 'boolean' },
    created_at: timestamp(),
    updated_at: timestamp(),
  },
});

export const TicketSchema = new EntitySchema<TicketRow>({
  name: 'Ticket',
  tableName: 'tickets',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    category_id: { type: 'int' },
    priority: { type: 'varchar', length: 8 },
    status: { type: 'varchar', length: 20 },
    subject: { type: 'varchar', length: TICKET_LIMITS.subject },
    description: { type: 'text' },
    caller_number: { type: 'varchar', length: TICKET_LIMITS.callerNumber, nullable: true },
    profile_id: { type: 'int', nullable: true },
    call_uuid: { type: 'varchar', length: TICKET_LIMITS.callUuid, nullable: true },
    recording_id: { type: 'varchar', length: TICKET_LIMITS.recordingId, nullable: true },
    assignee_agent_id: { type: 'int', nullable: true },
    assignee_team: { type: 'varchar', length: TICKET_LIMITS.team, nullable: true },
    due_at: timestamp({ nullable: true }),
    created_by: { type: 'int', nullable: true },
    created_by_name: { type: 'varchar', length: TICKET_LIMITS.name },
    created_at: timestamp(),
    updated_at: timestamp(),
    resolved_at: timestamp({ nullable: true }),
    closed_at: timestamp({ nullable: true }),
  },
});

export const TicketCommentSchema = new EntitySchema<TicketCommentRow>({
  name: 'TicketComment',
  tableName: 'ticket_comments',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    ticket_id: { type: 'int' },
    author_id: { type: 'int', nullable: true },
    author_name: { type: 'varchar', length: TICKET_LIMITS.name },
    body: { type: 'text' },
    created_at: timestamp(),
  },
});

export const TicketEventSchema = new EntitySchema<TicketEventRow>({
  name: 'TicketEvent',
  tableName: 'ticket_events',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    ticket_id: { type: 'int' },
    actor_id: { type: 'int', nullable: true },
    actor_name: { type: 'varchar', length: TICKET_LIMITS.name },
    at: timestamp(),
    field: { type: 'varchar', length: TICKET_LIMITS.field },
    old_value: { type: 'text', nullable: true },
    new_value: { type: 'text', nullable: true },
  },
});
