/** Small pieces the ticket list and the ticket view share: status, priority and the due time with its overdue flag. */
import { dateTime, duration } from '../lib/format';
import { STATUS_LABEL, type Ticket } from './types';

const STATUS_PILL: Record<string, string> = { open: 'warn', in_progress: 'on_call', waiting_customer: 'wrap_up', resolved: 'ok', closed: '' };

export function StatusPill({ status }: { status: string }) {
  return <span className={`pill ${STATUS_PILL[status] ?? ''}`}>{STATUS_LABEL[status] ?? status}</span>;
}

export function PriorityText({ priority }: { priority: string }) {
  return priority === 'urgent' || priority === 'high' ? <strong className={priority === 'urgent' ? 'error' : undefined}>{priority}</strong> : <>{priority}</>;
}

/**
 * The due time; an overdue ticket says so in words and in colour (the API's `overdue`: due time passed, neither
 * resolved nor closed), with how long ago it fell due.
 */
export function DueCell({ ticket, now }: { ticket: Pick<Ticket, 'due_at' | 'overdue' | 'status'>; now: number }) {
  if (!ticket.due_at) return <span className="muted">no SLA</span>;
  const due = Date.parse(ticket.due_at);
  if (ticket.overdue)
    return (
      <span className="overdue" data-testid="overdue">
        <span className="pill bad">overdue</span> {dateTime(ticket.due_at)} <span className="small">({duration(now - due)} late)</span>
      </span>
    );
  const done = ticket.status === 'resolved' || ticket.status === 'closed';
  return (
    <span>
      {dateTime(ticket.due_at)}
      {!done && due > now && <span className="muted small"> (in {duration(due - now)})</span>}
    </span>
  );
}
