/**
 * Tickets on the database: categories, creation (with its SLA due time), changes (each changed field one
 * ticket_events row, in the same transaction as the change), comments, search and the per-team queues. A status
 * change also enqueues the `ticket.status_changed` webhook in that transaction (src/webhooks/outbox.ts), and a new
 * ticket `ticket.created`. Who may see which ticket is a TicketScope (./scope.ts), applied in SQL.
 */
import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { ServiceError } from '../auth/errors';
import type { Clock } from '../clock/clock';
import { sqlDateTime } from '../db/entities/columns';
import {
  TICKET_STATUSES,
  TicketCategorySchema,
  TicketCommentSchema,
  TicketEventSchema,
  TicketSchema,
  type TicketCategoryRow,
  type TicketCommentRow,
  type TicketEventRow,
  type TicketPriority,
  type TicketRow,
  type TicketStatus,
} from '../db/entities/tickets';
import { enqueueWebhook, notifyWebhooksEnqueued } from '../webhooks/outbox';
import type { TicketScope } from './scope';
import { dueAt, isOverdue, parseSla, type Sla, type SlaCategory } from './sla';
import { checkTransition, stampsFor } from './workflow';

export interface TicketActor {
  /** A user id; null for an API key. */
  userId: number | null;
  name: string;
  isAdmin: boolean;
}

export interface CategoryInput {
  parent_id: number | null;
  name: string;
  sla: Sla;
  active: boolean;
}

/** What a new ticket is made of: the row's own fields (the rest, status, times and due time, follow from them). */
export type TicketCreateInput = Pick<
  TicketRow,
  'category_id' | 'priority' | 'subject' | 'description' | 'caller_number' | 'profile_id' | 'call_uuid' | 'recording_id' | 'assignee_agent_id' | 'assignee_team'
>;

export interface TicketChanges {
  status?: TicketStatus;
  priority?: TicketPriority;
  category_id?: number;
  assignee_agent_id?: number | null;
  assignee_team?: string | null;
}

export interface TicketSearch {
  caller_number?: string;
  profile_id?: number;
  call_uuid?: string;
  /** A ticket number: T-000123 or 123. */
  number?: number;
  status?: TicketStatus[];
  assignee_agent_id?: number;
  assignee_team?: string;
  category_id?: number;
  overdue?: boolean;
  q?: string;
  limit: number;
  offset: number;
}

export interface TicketQueue {
  team: string | null;
  counts: Record<TicketStatus, number>;
  overdue: number;
}

/** The fields a change is recorded for, in ticket_events.field. */
const TRACKED = ['status', 'priority', 'category_id', 'assignee_agent_id', 'assignee_team', 'due_at'] as const;

export class TicketService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  private now(): Date {
    return new Date(this.clock.now());
  }

  // ---- categories --------------------------------------------------------------------------------------------

  listCategories(): Promise<TicketCategoryRow[]> {
    return this.ds.getRepository<TicketCategoryRow>(TicketCategorySchema).find({ order: { id: 'ASC' } });
  }

  getCategory(id: number): Promise<TicketCategoryRow | null> {
    return this.ds.getRepository<TicketCategoryRow>(TicketCategorySchema).findOneBy({ id });
  }

  private async slaTree(m: EntityManager): Promise<Map<number, SlaCategory>> {
    const rows = await m.getRepository<TicketCategoryRow>(TicketCategorySchema).find();
    return new Map(rows.map((r) => [r.id, { id: r.id, parent_id: r.parent_id, sla: parseSla(r.sla) }]));
  }

  async createCategory(input: CategoryInput): Promise<TicketCategoryRow> {
    if (input.parent_id !== null && !(await this.getCategory(input.parent_id))) throw new ServiceError('invalid', `parent category ${input.parent_id} does not exist`, 'parent_id');
    const now = this.now();
    return this.ds.getRepository<TicketCategoryRow>(TicketCategorySchema).save({ ...input, sla: JSON.stringify(input.sla), created_at: now, updated_at: now } as TicketCategoryRow);
  }

  async updateCategory(id: number, patch: Partial<CategoryInput>): Promise<TicketCategoryRow> {
    const repo = this.ds.getRepository<TicketCategoryRow>(TicketCategorySchema);
    const current = await repo.findOneBy({ id });
    if (!current) throw new ServiceError('not_found', `category ${id} does not exist`);
    if (patch.parent_id !== undefined && patch.parent_id !== null) {
      // The tree stays a tree: the new parent may not be the category itself or one of its descendants.
      const tree = await this.slaTree(this.ds.manager);
      for (let c = tree.get(patch.parent_id); c; c = c.parent_id === null ? undefined : tree.get(c.parent_id)) {
        if (c.id === id) throw new ServiceError('invalid', 'a category cannot be placed under itself or its subcategories', 'parent_id');
      }
      if (!tree.has(patch.parent_id)) throw new ServiceError('invalid', `parent category ${patch.parent_id} does not exist`, 'parent_id');
    }
    const next: TicketCategoryRow = {
      ...current,
      ...(patch.parent_id !== undefined ? { parent_id: patch.parent_id } : {}),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.sla !== undefined ? { sla: JSON.stringify(patch.sla) } : {}),
      updated_at: this.now(),
    };
    await repo.save(next);
    return next;
  }

  /** Deletes an unused leaf category; one with subcategories or tickets is a conflict (deactivate it instead). */
  async deleteCategory(id: number): Promise<TicketCategoryRow> {
    const repo = this.ds.getRepository<TicketCategoryRow>(TicketCategorySchema);
    const current = await repo.findOneBy({ id });
    if (!current) throw new ServiceError('not_found', `category ${id} does not exist`);
    if (await repo.existsBy({ parent_id: id })) throw new ServiceError('conflict', `category ${id} has subcategories; move or delete them first`);
    if (await this.ds.getRepository<TicketRow>(TicketSchema).existsBy({ category_id: id })) throw new ServiceError('conflict', `category ${id} has tickets; deactivate it instead`);
    await repo.delete({ id });
    return current;
  }

  // ---- tickets -----------------------------------------------------------------------------------------------

  async create(input: TicketCreateInput, actor: TicketActor): Promise<TicketRow> {
    const { row, enqueued } = await this.ds.transaction(async (m) => {
      const category = await m.getRepository<TicketCategoryRow>(TicketCategorySchema).findOneBy({ id: input.category_id });
      if (!category) throw new ServiceError('invalid', `category ${input.category_id} does not exist`, 'category_id');
      if (!category.active) throw new ServiceError('invalid', `category ${input.category_id} is not active`, 'category_id');
      const now = this.now();
      const row = await m.getRepository<TicketRow>(TicketSchema).save({
        ...input,
        status: 'open',
        due_at: dueAt(await this.slaTree(m), input.category_id, input.priority, now),
        created_by: actor.userId,
        created_by_name: actor.name,
        created_at: now,
        updated_at: now,
        resolved_at: null,
        closed_at: null,
      } as TicketRow);
      await this.recordEvents(m, row.id, actor, now, [{ field: 'created', old_value: null, new_value: 'open' }]);
      const enqueued = await enqueueWebhook(m, 'ticket.created', { ticket: ticketView(row, now.getTime()), actor: actor.name }, now);
      return { row, enqueued };
    });
    if (enqueued.length) notifyWebhooksEnqueued(this.ds);
    return row;
  }

  get(id: number): Promise<TicketRow | null> {
    return this.ds.getRepository<TicketRow>(TicketSchema).findOneBy({ id });
  }

  /** Applies the changes that differ from the ticket; returns the ticket before and after (the same when nothing changed). */
  async update(id: number, changes: TicketChanges, actor: TicketActor): Promise<{ before: TicketRow; after: TicketRow }> {
    const result = await this.ds.transaction(async (m) => {
      const repo = m.getRepository<TicketRow>(TicketSchema);
      const before = await repo.findOneBy({ id });
      if (!before) throw new ServiceError('not_found', `ticket ${id} does not exist`);
      const now = this.now();
      const after: TicketRow = { ...before };
      if (changes.status !== undefined && changes.status !== before.status) {
        const decision = checkTransition(before.status, changes.status, { isAdmin: actor.isAdmin });
        if (!decision.allowed) throw new ServiceError('conflict', decision.reason);
        Object.assign(after, { status: changes.status }, stampsFor(changes.status, now, before));
      }
      if (changes.category_id !== undefined && changes.category_id !== before.category_id) {
        const category = await m.getRepository<TicketCategoryRow>(TicketCategorySchema).findOneBy({ id: changes.category_id });
        if (!category) throw new ServiceError('invalid', `category ${changes.category_id} does not exist`, 'category_id');
        if (!category.active) throw new ServiceError('invalid', `category ${changes.category_id} is not active`, 'category_id');
        after.category_id = changes.category_id;
      }
      if (changes.priority !== undefined) after.priority = changes.priority;
      if (changes.assignee_agent_id !== undefined) after.assignee_agent_id = changes.assignee_agent_id;
      if (changes.assignee_team !== undefined) after.assignee_team = changes.assignee_team;
      if (after.category_id !== before.category_id || after.priority !== before.priority) {
        after.due_at = dueAt(await this.slaTree(m), after.category_id, after.priority, before.created_at);
      }
      const events = TRACKED.filter((f) => text(before[f]) !== text(after[f])).map((f) => ({ field: f, old_value: text(before[f]), new_value: text(after[f]) }));
      if (!events.length) return { before, after: before, enqueued: 0 };
      after.updated_at = now;
      await repo.save(after);
      await this.recordEvents(m, id, actor, now, events);
      let enqueued = 0;
      if (after.status !== before.status) {
        const data = { ticket: ticketView(after, now.getTime()), from: before.status, to: after.status, actor: actor.name };
        enqueued = (await enqueueWebhook(m, 'ticket.status_changed', data, now)).length;
      }
      return { before, after, enqueued };
    });
    if (result.enqueued) notifyWebhooksEnqueued(this.ds);
    return { before: result.before, after: result.after };
  }

  private async recordEvents(m: EntityManager, ticketId: number, actor: TicketActor, at: Date, events: Array<{ field: string; old_value: string | null; new_value: string | null }>): Promise<void> {
    const repo = m.getRepository<TicketEventRow>(TicketEventSchema);
    for (const e of events) await repo.insert({ ticket_id: ticketId, actor_id: actor.userId, actor_name: actor.name, at, ...e });
  }

  async addComment(ticketId: number, body: string, actor: TicketActor): Promise<TicketCommentRow> {
    const now = this.now();
    return this.ds.transaction(async (m) => {
      const ticket = await m.getRepository<TicketRow>(TicketSchema).findOneBy({ id: ticketId });
      if (!ticket) throw new ServiceError('not_found', `ticket ${ticketId} does not exist`);
      await m.getRepository<TicketRow>(TicketSchema).update({ id: ticketId }, { updated_at: now });
      return m.getRepository<TicketCommentRow>(TicketCommentSchema).save({ ticket_id: ticketId, author_id: actor.userId, author_name: actor.name, body, created_at: now } as TicketCommentRow);
    });
  }

  comments(ticketId: number): Promise<TicketCommentRow[]> {
    return this.ds.getRepository<TicketCommentRow>(TicketCommentSchema).find({ where: { ticket_id: ticketId }, order: { id: 'ASC' } });
  }

  history(ticketId: number): Promise<TicketEventRow[]> {
    return this.ds.getRepository<TicketEventRow>(TicketEventSchema).find({ where: { ticket_id: ticketId }, order: { id: 'ASC' } });
  }

  /** One page of the tickets the scope admits, newest first, and the total that match. */
  async search(filter: TicketSearch, scope: TicketScope): Promise<{ items: TicketRow[]; total: number }> {
    const qb = this.scoped(scope);
    if (filter.caller_number !== undefined) qb.andWhere('t.caller_number = :caller', { caller: filter.caller_number });
    if (filter.profile_id !== undefined) qb.andWhere('t.profile_id = :profile', { profile: filter.profile_id });
    if (filter.call_uuid !== undefined) qb.andWhere('t.call_uuid = :callUuid', { callUuid: filter.call_uuid });
    if (filter.number !== undefined) qb.andWhere('t.id = :number', { number: filter.number });
    if (filter.status?.length) qb.andWhere('t.status IN (:...statuses)', { statuses: filter.status });
    if (filter.assignee_agent_id !== undefined) qb.andWhere('t.assignee_agent_id = :agent', { agent: filter.assignee_agent_id });
    if (filter.assignee_team !== undefined) qb.andWhere('t.assignee_team = :team', { team: filter.assignee_team });
    if (filter.category_id !== undefined) qb.andWhere('t.category_id = :category', { category: filter.category_id });
    if (filter.overdue !== undefined) {
      const overdue = `(t.due_at IS NOT NULL AND t.due_at < :now AND t.status NOT IN ('resolved', 'closed'))`;
      qb.andWhere(filter.overdue ? overdue : `NOT ${overdue}`, { now: sqlDateTime(this.clock.now()) });
    }
    if (filter.q) {
      // LIKE with the wildcards of the text escaped: the text is a phrase, not a pattern. '!' as the escape character
      // because a backslash means something else inside MySQL string literals than inside SQLite's.
      const like = `%${filter.q.replace(/[!%_]/g, (c) => `!${c}`)}%`;
      qb.andWhere(`(t.subject LIKE :q ESCAPE '!' OR t.description LIKE :q ESCAPE '!')`, { q: like });
    }
    const [items, total] = await qb.orderBy('t.id', 'DESC').skip(filter.offset).take(filter.limit).getManyAndCount();
    return { items, total };
  }

  /** Per assignee team (null: no team), the tickets by status and how many unfinished ones are overdue. */
  async queues(scope: TicketScope): Promise<TicketQueue[]> {
    const rows = (await this.scoped(scope)
      .select('t.assignee_team', 'team')
      .addSelect('t.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .addSelect(`SUM(CASE WHEN t.due_at IS NOT NULL AND t.due_at < :now AND t.status NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END)`, 'overdue')
      .setParameter('now', sqlDateTime(this.clock.now()))
      .groupBy('t.assignee_team')
      .addGroupBy('t.status')
      .getRawMany()) as Array<{ team: string | null; status: TicketStatus; n: string | number; overdue: string | number | null }>;
    const byTeam = new Map<string | null, TicketQueue>();
    for (const r of rows) {
      let q = byTeam.get(r.team);
      if (!q) byTeam.set(r.team, (q = { team: r.team, counts: Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as Record<TicketStatus, number>, overdue: 0 }));
      q.counts[r.status] = Number(r.n);
      q.overdue += Number(r.overdue ?? 0);
    }
    return [...byTeam.values()].sort((a, b) => (a.team ?? '').localeCompare(b.team ?? ''));
  }

  /** True when the scope admits this ticket. */
  async visible(id: number, scope: TicketScope): Promise<boolean> {
    return (await this.scoped(scope).andWhere('t.id = :id', { id }).getCount()) > 0;
  }

  private scoped(scope: TicketScope): SelectQueryBuilder<TicketRow> {
    const qb = this.ds.getRepository<TicketRow>(TicketSchema).createQueryBuilder('t');
    if (scope.kind === 'all') return qb.where('1 = 1');
    if (scope.kind === 'none') return qb.where('1 = 0');
    const parts = ['t.created_by = :scopeUser'];
    if (scope.agentIds.length) parts.push('t.assignee_agent_id IN (:...scopeAgents)');
    if (scope.teams.length) parts.push('t.assignee_team IN (:...scopeTeams)');
    return qb.where(`(${parts.join(' OR ')})`, { scopeUser: scope.userId, scopeAgents: scope.agentIds, scopeTeams: scope.teams });
  }
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** The ticket number shown to people: T-000123. */
export function ticketNumber(id: number): string {
  return `T-${String(id).padStart(6, '0')}`;
}

/** A ticket as the API and the webhooks show it. */
export function ticketView(row: TicketRow, now: number) {
  return {
    id: row.id,
    number: ticketNumber(row.id),
    category_id: row.category_id,
    priority: row.priority,
    status: row.status,
    subject: row.subject,
    description: row.description,
    caller_number: row.caller_number,
    profile_id: row.profile_id,
    call_uuid: row.call_uuid,
    recording_id: row.recording_id,
    assignee_agent_id: row.assignee_agent_id,
    assignee_team: row.assignee_team,
    due_at: row.due_at ? row.due_at.toISOString() : null,
    overdue: isOverdue(row, now),
    created_by: row.created_by,
    created_by_name: row.created_by_name,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    resolved_at: row.resolved_at ? row.resolved_at.toISOString() : null,
    closed_at: row.closed_at ? row.closed_at.toISOString() : null,
  };
}
