/**
 * "New ticket" on the agent desktop: from the call the agent is on (call panel) or has just wrapped up, with the
 * caller's number, the call and the caller's profile prefilled. The desktop stays where it is; the created ticket is
 * a link to its page.
 */
import { useState } from 'react';
import { TicketForm } from './ticket-form';
import type { Ticket, TicketPrefill } from './types';

/** The profile id the call carries (the IVR's `profile_id` call variable; empty for a caller without one). */
export function profileIdOf(data: Record<string, string> | undefined): number | null {
  const v = data?.profile_id;
  return v && /^\d+$/.test(v) ? Number(v) : null;
}

export function CallTicket({ prefill, label = 'New ticket for this call' }: { prefill: TicketPrefill; label?: string }) {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<Ticket[]>([]);
  return (
    <div className="call-ticket">
      <div className="row">
        <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {label}
        </button>
        {created.map((t) => (
          <span key={t.id} className="success" role="status">
            Created <a href={`#/tickets/${t.id}`}>{t.number}</a>
          </span>
        ))}
      </div>
      {open && (
        <TicketForm
          title="Ticket for this call"
          prefill={prefill}
          onCreated={(t) => {
            setCreated((c) => [...c, t]);
            setOpen(false);
          }}
          onCancel={() => setOpen(false)}
        />
      )}
    </div>
  );
}
