/**
 * SLA due times (pure). Each category has minutes per priority; a priority its category does not set is taken
 * from the nearest ancestor that does (a "Billing / Refunds" subcategory inherits "Billing"'s urgent time), and no
 * SLA anywhere means no due time. The due time counts from the ticket's creation, in calendar minutes (no business
 * hours, no pause while waiting on the customer), and is recomputed from the creation time whenever the category or
 * the priority changes.
 */
import { z } from 'zod';
import { TICKET_PRIORITIES, type TicketPriority, type TicketStatus } from '../db/entities/tickets';
import { isFinished } from './workflow';

/** Minutes per priority: at most a year. */
export const slaSchema = z.partialRecord(z.enum(TICKET_PRIORITIES), z.number().int().min(1).max(525_600));
export type Sla = z.infer<typeof slaSchema>;

export interface SlaCategory {
  id: number;
  parent_id: number | null;
  sla: Sla;
}

/** Minutes allowed for `priority` in category `categoryId`, walking up the tree; null when none is set. */
export function slaMinutes(categories: ReadonlyMap<number, SlaCategory>, categoryId: number, priority: TicketPriority): number | null {
  const seen = new Set<number>();
  for (let c = categories.get(categoryId); c && !seen.has(c.id); c = c.parent_id === null ? undefined : categories.get(c.parent_id)) {
    seen.add(c.id);
    const minutes = c.sla[priority];
    if (minutes !== undefined) return minutes;
  }
  return null;
}

/** The due time of a ticket created at `createdAt`; null without an SLA. */
export function dueAt(categories: ReadonlyMap<number, SlaCategory>, categoryId: number, priority: TicketPriority, createdAt: Date): Date | null {
  const minutes = slaMinutes(categories, categoryId, priority);
  return minutes === null ? null : new Date(createdAt.getTime() + minutes * 60_000);
}

/** Overdue: past its due time and not resolved or closed. */
export function isOverdue(ticket: { status: TicketStatus; due_at: Date | null }, now: number): boolean {
  return ticket.due_at !== null && ticket.due_at.getTime() < now && !isFinished(ticket.status);
}

/** Parses a stored SLA (bad JSON or values count as no SLA rather than breaking every ticket of the category). */
export function parseSla(text: string): Sla {
  try {
    const r = slaSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : {};
  } catch {
    return {};
  }
}
