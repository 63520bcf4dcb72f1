/**
 * The ticket status workflow (pure). Work moves open -> in_progress <-> waiting_customer -> resolved -> closed, and
 * any unfinished ticket may be resolved or closed directly (a duplicate, a caller who solved it alone). A resolved
 * ticket may be reopened (resolved -> open) by whoever may edit it: the caller rang back, the fix did not hold.
 * Closed is final: only an admin may reopen a closed ticket (closed -> open), so a closed queue stays closed for
 * the reports unless someone accountable says otherwise.
 */
import type { TicketStatus } from '../db/entities/tickets';

const NEXT: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ['in_progress', 'waiting_customer', 'resolved', 'closed'],
  in_progress: ['open', 'waiting_customer', 'resolved', 'closed'],
  waiting_customer: ['open', 'in_progress', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

export type TransitionDecision = { allowed: true } | { allowed: false; reason: string };

export interface TransitionActor {
  isAdmin: boolean;
}

/** Whether `from` -> `to` is allowed for this actor. A "change" to the same status is not a transition. */
export function checkTransition(from: TicketStatus, to: TicketStatus, actor: TransitionActor): TransitionDecision {
  if (from === to) return { allowed: false, reason: `the ticket is already ${from}` };
  if (from === 'closed') {
    return to === 'open' && actor.isAdmin ? { allowed: true } : { allowed: false, reason: 'a closed ticket is final; only an admin may reopen it (status open)' };
  }
  if (NEXT[from].includes(to)) return { allowed: true };
  return { allowed: false, reason: `a ${from} ticket may become ${NEXT[from].join(', ')}, not ${to}` };
}

/** The statuses a ticket may move to next (for the console's buttons). */
export function nextStatuses(from: TicketStatus, actor: TransitionActor): TicketStatus[] {
  if (from === 'closed') return actor.isAdmin ? ['open'] : [];
  return [...NEXT[from]];
}

/** Resolved and closed tickets are done: they are never overdue and leave the team's working queue. */
export function isFinished(status: TicketStatus): boolean {
  return status === 'resolved' || status === 'closed';
}

/** The timestamps a status change sets: resolving stamps resolved_at, closing closed_at, reopening clears both. */
export function stampsFor(to: TicketStatus, at: Date, current: { resolved_at: Date | null; closed_at: Date | null }): { resolved_at: Date | null; closed_at: Date | null } {
  switch (to) {
    case 'resolved':
      return { resolved_at: at, closed_at: null };
    case 'closed':
      return { resolved_at: current.resolved_at ?? at, closed_at: at };
    default:
      return { resolved_at: null, closed_at: null };
  }
}
