/** The API responses the ticket pages read (src/api/routes/tickets.ts). */

export const TICKET_STATUSES = ['open', 'in_progress', 'waiting_customer', 'resolved', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const STATUS_LABEL: Record<string, string> = {
  open: 'Open',
  in_progress: 'In progress',
  waiting_customer: 'Waiting on customer',
  resolved: 'Resolved',
  closed: 'Closed',
};

export interface Category {
  id: number;
  parent_id: number | null;
  name: string;
  /** Minutes per priority this category sets itself (a missing priority is inherited from the parent). */
  sla: Partial<Record<TicketPriority, number>>;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface Ticket {
  id: number;
  number: string;
  category_id: number;
  priority: TicketPriority;
  status: TicketStatus;
  subject: string;
  description: string;
  caller_number: string | null;
  profile_id: number | null;
  call_uuid: string | null;
  recording_id: string | null;
  assignee_agent_id: number | null;
  assignee_team: string | null;
  due_at: string | null;
  overdue: boolean;
  created_by: number | null;
  created_by_name: string;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  closed_at: string | null;
}

export interface TicketComment {
  id: number;
  ticket_id: number;
  author_id: number | null;
  author_name: string;
  body: string;
  created_at: string;
}

export interface TicketEvent {
  id: number;
  actor_id: number | null;
  actor_name: string;
  at: string;
  field: string;
  old: string | null;
  new: string | null;
}

export interface TicketDetail extends Ticket {
  next_statuses: TicketStatus[];
  comments: TicketComment[];
  history: TicketEvent[];
}

export interface TicketPage {
  items: Ticket[];
  total: number;
  limit: number;
  offset: number;
}

export interface TicketQueue {
  team: string | null;
  counts: Partial<Record<TicketStatus, number>>;
  overdue: number;
}

/** What a new ticket starts from: the call the agent is on or just finished, or nothing. */
export interface TicketPrefill {
  callerNumber?: string | null;
  callUuid?: string | null;
  profileId?: number | null;
  /** Let the API link the call the agent is on now (its uuid, and the caller's number when none is given). */
  fromCurrentCall?: boolean;
}

/** GET /api/v1/acd/directory (agents for the assignee picker; every role may read it). */
export interface DirectoryAgent {
  id: number;
  name: string;
  extension: string;
}
