import { TICKET_STATUSES, type TicketStatus } from '../../src/db/entities/tickets';
import { checkTransition, isFinished, nextStatuses, stampsFor } from '../../src/tickets/workflow';

const agent = { isAdmin: false };
const admin = { isAdmin: true };

describe('ticket status workflow', () => {
  it('lets unfinished tickets move between open, in_progress and waiting_customer, and to resolved or closed', () => {
    const unfinished: TicketStatus[] = ['open', 'in_progress', 'waiting_customer'];
    for (const from of unfinished)
      for (const to of TICKET_STATUSES) {
        if (to === from) continue;
        expect([from, to, checkTransition(from, to, agent).allowed]).toEqual([from, to, true]);
      }
  });

  it('resolved may be reopened or closed, not sent back to work states', () => {
    expect(checkTransition('resolved', 'open', agent)).toEqual({ allowed: true });
    expect(checkTransition('resolved', 'closed', agent)).toEqual({ allowed: true });
    expect(checkTransition('resolved', 'in_progress', agent)).toEqual({ allowed: false, reason: 'a resolved ticket may become open, closed, not in_progress' });
    expect(checkTransition('resolved', 'waiting_customer', agent).allowed).toBe(false);
  });

  it('closed is final except an admin reopen', () => {
    for (const to of TICKET_STATUSES.filter((s) => s !== 'closed')) expect(checkTransition('closed', to, agent).allowed).toBe(false);
    expect(checkTransition('closed', 'open', admin)).toEqual({ allowed: true });
    expect(checkTransition('closed', 'resolved', admin).allowed).toBe(false);
    expect(nextStatuses('closed', agent)).toEqual([]);
    expect(nextStatuses('closed', admin)).toEqual(['open']);
  });

  it('a change to the same status is refused (not a transition)', () => {
    expect(checkTransition('open', 'open', admin)).toEqual({ allowed: false, reason: 'the ticket is already open' });
  });

  it('stamps resolved_at and closed_at, and reopening clears them', () => {
    const t1 = new Date(Date.UTC(2026, 0, 1, 10));
    const t2 = new Date(Date.UTC(2026, 0, 1, 11));
    expect(stampsFor('resolved', t1, { resolved_at: null, closed_at: null })).toEqual({ resolved_at: t1, closed_at: null });
    expect(stampsFor('closed', t2, { resolved_at: t1, closed_at: null })).toEqual({ resolved_at: t1, closed_at: t2 });
    expect(stampsFor('closed', t2, { resolved_at: null, closed_at: null })).toEqual({ resolved_at: t2, closed_at: t2 });
    expect(stampsFor('open', t2, { resolved_at: t1, closed_at: t2 })).toEqual({ resolved_at: null, closed_at: null });
    expect(TICKET_STATUSES.filter(isFinished)).toEqual(['resolved', 'closed']);
  });
});
