import { z } from 'zod';
import type { Request } from 'express';
import { TEAM_NAME_PATTERN } from '../../acd/config-store';
import type { AcdRuntimeWithCallInfo } from '../../acd/live';
import type { Principal } from '../../auth/principal';
import { principalName } from '../../auth/principal';
import { TICKET_LIMITS, TICKET_PRIORITIES, TICKET_STATUSES, type TicketCategoryRow } from '../../db/entities/tickets';
import { normalisePhone } from '../../dialer/leads/normalise';
import { recordingStoreFor } from '../../recording/store';
import { scopeAdmits, ticketScope, type TicketScope } from '../../tickets/scope';
import { TicketService, ticketView, type TicketActor } from '../../tickets/service';
import { parseSla, slaSchema } from '../../tickets/sla';
import { nextStatuses } from '../../tickets/workflow';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam, limitQuery, offsetQuery } from '../validation';
import { loadedAcdStore } from './acd-admin';
import { followupOut, followupRequestSchema, followupService } from './ticket-followups';
import { followupView } from '../../followups/service';

/**
 * Tickets (work orders): categories (admin), tickets for agents, supervisors and admins within their scope
 * (src/tickets/scope.ts), comments, history and the per-team queues. Status rules: src/tickets/workflow.ts.
 */

const ADMIN = roles('admin');
const EVERYONE = roles('admin', 'supervisor', 'agent');
const TAGS = ['tickets'];

const idParams = z.strictObject({ id: idParam });
const team = z.string().regex(TEAM_NAME_PATTERN, 'must be a team name: letters, digits, space _ . - (at most 64)');
const priority = z.enum(TICKET_PRIORITIES);
const status = z.enum(TICKET_STATUSES);

const categoryFields = {
  parent_id: z.number().int().positive().nullable(),
  name: z.string().trim().min(1).max(TICKET_LIMITS.categoryName),
  sla: slaSchema.meta({ description: 'minutes per priority, e.g. {"normal": 1440, "urgent": 60}; a missing priority is inherited from the parent' }),
  active: z.boolean(),
};
const createCategoryBody = z.strictObject({ ...categoryFields, parent_id: categoryFields.parent_id.default(null), sla: categoryFields.sla.default({}), active: z.boolean().default(true) });
const updateCategoryBody = z
  .strictObject({ parent_id: categoryFields.parent_id.optional(), name: categoryFields.name.optional(), sla: categoryFields.sla.optional(), active: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, 'must set at least one field');
const categoryOut = z.object({ id: z.number(), parent_id: z.number().nullable(), name: z.string(), sla: z.record(z.string(), z.number()), active: z.boolean(), created_at: z.string(), updated_at: z.string() });

const createTicketBody = z.strictObject({
  category_id: z.number().int().positive(),
  priority: priority.default('normal'),
  subject: z.string().trim().min(1).max(TICKET_LIMITS.subject),
  description: z.string().max(TICKET_LIMITS.description).default(''),
  caller_number: z.string().trim().min(1).max(64).nullable().default(null).meta({ description: 'normalised to E.164 with `country`' }),
  country: z.string().length(2).default('US'),
  profile_id: z.number().int().positive().nullable().default(null),
  call_uuid: z.string().trim().min(1).max(TICKET_LIMITS.callUuid).nullable().default(null),
  from_current_call: z.boolean().default(false).meta({ description: "agents: link the ticket to the call they are on now (its uuid and the caller's number)" }),
  recording_id: z.string().trim().min(1).max(TICKET_LIMITS.recordingId).nullable().default(null),
  assignee_agent_id: z.number().int().positive().nullable().default(null),
  assignee_team: team.nullable().default(null),
});
const updateTicketBody = z
  .strictObject({
    status: status.optional(),
    priority: priority.optional(),
    category_id: z.number().int().positive().optional(),
    assignee_agent_id: z.number().int().positive().nullable().optional(),
    assignee_team: team.nullable().optional(),
    followup: followupRequestSchema.optional().meta({ description: 'with status resolved: schedule a follow-up call (see POST /api/v1/tickets/{id}/followups)' }),
  })
  .refine((b) => Object.keys(b).length > 0, 'must set at least one field')
  .refine((b) => b.followup === undefined || b.status === 'resolved', { message: 'a follow-up is scheduled when the ticket is resolved: set status resolved with it', path: ['followup'] });
const commentBody = z.strictObject({ body: z.string().trim().min(1).max(TICKET_LIMITS.comment) });

const searchQuery = z.strictObject({
  caller: z.string().trim().min(1).max(64).optional().meta({ description: 'caller number (normalised with `country`)' }),
  country: z.string().length(2).default('US'),
  profile_id: idParam.optional().meta({ description: 'the caller profile the tickets are linked to' }),
  call_uuid: z.string().trim().min(1).max(TICKET_LIMITS.callUuid).optional().meta({ description: 'the call the tickets came from' }),
  number: z
    .string()
    .regex(/^(T-)?\d{1,12}$/i, 'must be a ticket number, e.g. T-000123')
    .transform((s) => Number(s.replace(/^T-/i, '')))
    .optional(),
  status: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(status))
    .optional()
    .meta({ description: 'one status or a comma-separated list' }),
  assignee_agent_id: idParam.optional(),
  assignee_team: team.optional(),
  category_id: idParam.optional(),
  overdue: z.enum(['true', 'false']).transform((s) => s === 'true').optional(),
  q: z.string().trim().min(1).max(200).optional().meta({ description: 'text in the subject or description' }),
  limit: limitQuery(50, 500),
  offset: offsetQuery,
});

const ticketOut = z.object({
  id: z.number(),
  number: z.string(),
  category_id: z.number(),
  priority: z.string(),
  status: z.string(),
  subject: z.string(),
  description: z.string(),
  caller_number: z.string().nullable(),
  profile_id: z.number().nullable(),
  call_uuid: z.string().nullable(),
  recording_id: z.string().nullable(),
  assignee_agent_id: z.number().nullable(),
  assignee_team: z.string().nullable(),
  due_at: z.string().nullable(),
  overdue: z.boolean(),
  created_by: z.number().nullable(),
  created_by_name: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  resolved_at: z.string().nullable(),
  closed_at: z.string().nullable(),
});
const commentOut = z.object({ id: z.number(), ticket_id: z.number(), author_id: z.number().nullable(), author_name: z.string(), body: z.string(), created_at: z.string() });
const eventOut = z.object({ id: z.number(), actor_id: z.number().nullable(), actor_name: z.string(), at: z.string(), field: z.string(), old: z.string().nullable(), new: z.string().nullable() });
const ticketDetailOut = ticketOut.extend({ next_statuses: z.array(z.string()), comments: z.array(commentOut), history: z.array(eventOut), followups: z.array(followupOut) });
const queueOut = z.object({ team: z.string().nullable(), counts: z.record(z.string(), z.number()), overdue: z.number() });

function categoryView(row: TicketCategoryRow) {
  return { ...row, sla: parseSla(row.sla) };
}

function toE164(raw: string, country: string, location: 'body' | 'query', field: string): string {
  const p = normalisePhone(raw, country.toUpperCase());
  if (!p.ok) throw new HttpProblem(400, `${field}: ${p.reason}`, { errors: [{ location, field, pointer: `/${field}`, detail: p.reason }] });
  return p.e164;
}

export function ticketService(ctx: ApiContext): TicketService {
  return new TicketService(ctx.deps.dataSource, ctx.deps.clock);
}

export function ticketRoutes(ctx: ApiContext): AnyRoute[] {
  const service = ticketService(ctx);
  const now = () => ctx.deps.clock.now();

  const actorOf = (p: Principal | null): TicketActor => {
    if (!p) throw new HttpProblem(401, 'authentication required');
    return { userId: p.kind === 'user' ? p.id : null, name: principalName(p).slice(0, TICKET_LIMITS.name), isAdmin: p.role === 'admin' };
  };
  const scopeOf = async (p: Principal | null): Promise<TicketScope & { kind: 'all' | 'some' }> => {
    if (!p) throw new HttpProblem(401, 'authentication required');
    const scope = await ticketScope(p, { acd: await loadedAcdStore(ctx), supervisorTeams: (id) => recordingStoreFor(ctx.deps.dataSource).supervisorTeams(id) });
    if (scope.kind === 'none') throw new HttpProblem(403, scope.reason);
    return scope;
  };
  /** The ticket, when the caller may see it: 404 for an unknown id, 403 outside the scope. */
  const visibleTicket = async (p: Principal | null, id: number) => {
    const scope = await scopeOf(p);
    const row = await service.get(id);
    if (!row) throw new HttpProblem(404, `ticket ${id} does not exist`);
    if (!scopeAdmits(scope, row)) throw new HttpProblem(403, `ticket ${id} is not assigned to you or your teams`);
    return row;
  };
  const checkAgent = async (agentId: number | null | undefined) => {
    if (agentId === null || agentId === undefined) return;
    if (!(await loadedAcdStore(ctx)).getAgent(agentId)) throw new HttpProblem(400, `agent ${agentId} does not exist`, { errors: [{ location: 'body', field: 'assignee_agent_id', pointer: '/assignee_agent_id', detail: 'no such agent' }] });
  };
  const audit = (req: Request, p: Principal | null, action: string, id: number, before: unknown, after: unknown) =>
    ctx.audit(req, p, { action, target_type: 'ticket', target_id: id, before, after });

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/tickets/categories',
      operationId: 'listTicketCategories',
      summary: 'List ticket categories (a tree: parent_id) with their SLA minutes per priority',
      tags: TAGS,
      access: EVERYONE,
      responses: { 200: { description: 'every category', schema: z.object({ items: z.array(categoryOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: (await service.listCategories()).map(categoryView) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/tickets/categories',
      operationId: 'createTicketCategory',
      summary: 'Create a ticket category',
      tags: TAGS,
      access: ADMIN,
      body: createCategoryBody,
      responses: { 201: { description: 'created', schema: categoryOut } },
      handler: async ({ req, res, principal, body }) => {
        const row = await service.createCategory(body);
        await ctx.audit(req, principal, { action: 'ticket_category.create', target_type: 'ticket_category', target_id: row.id, before: null, after: categoryView(row) });
        res.status(201).location(`/api/v1/tickets/categories/${row.id}`).json(categoryView(row));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/tickets/categories/:id',
      operationId: 'updateTicketCategory',
      summary: 'Change a ticket category (name, parent, SLA, active)',
      description: "An SLA change applies to tickets created or re-categorised afterwards; existing due times stay.",
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      body: updateCategoryBody,
      responses: { 200: { description: 'the updated category', schema: categoryOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const before = await service.getCategory(params.id);
        const row = await service.updateCategory(params.id, body);
        await ctx.audit(req, principal, { action: 'ticket_category.update', target_type: 'ticket_category', target_id: row.id, before: before && categoryView(before), after: categoryView(row) });
        res.json(categoryView(row));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/tickets/categories/:id',
      operationId: 'deleteTicketCategory',
      summary: 'Delete an unused ticket category',
      description: 'A category with subcategories or tickets is a 409: deactivate it (PATCH active=false) instead.',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await service.deleteCategory(params.id);
        await ctx.audit(req, principal, { action: 'ticket_category.delete', target_type: 'ticket_category', target_id: params.id, before: categoryView(before), after: null });
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/tickets/queues',
      operationId: 'ticketQueues',
      summary: 'Ticket queues per assignee team: counts by status and overdue',
      description: 'Within the caller\'s scope (supervisors: their teams and agents; agents: their own tickets). team null: tickets without a team.',
      tags: TAGS,
      access: EVERYONE,
      responses: { 200: { description: 'one entry per team', schema: z.object({ items: z.array(queueOut) }) } },
      handler: async ({ res, principal }) => {
        res.json({ items: await service.queues(await scopeOf(principal)) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/tickets',
      operationId: 'createTicket',
      summary: 'Create a ticket (from a call or without one)',
      description:
        'The due time comes from the SLA of the category (or its nearest ancestor) for the priority. from_current_call=true links the call the agent is on (its uuid, and the caller number when none is given).',
      tags: TAGS,
      access: EVERYONE,
      body: createTicketBody,
      responses: { 201: { description: 'created', schema: ticketOut } },
      handler: async ({ req, res, principal, body }) => {
        const actor = actorOf(principal);
        const { country, from_current_call, ...input } = body;
        let callUuid = input.call_uuid;
        let caller = input.caller_number === null ? null : toE164(input.caller_number, country, 'body', 'caller_number');
        if (from_current_call) {
          const me = principal?.kind === 'user' ? (await loadedAcdStore(ctx)).agentByUserId(principal.id) : undefined;
          if (!me) throw new HttpProblem(409, 'from_current_call: you are not an ACD agent');
          const acd = ctx.deps.acd as AcdRuntimeWithCallInfo | undefined;
          const legs = acd?.legsOfAgent(me.id);
          if (!legs) throw new HttpProblem(409, 'from_current_call: you are not on a call');
          callUuid = legs.callerUuid;
          const number = acd?.callInfo?.(legs.callerUuid)?.callerNumber;
          if (caller === null && number) {
            const p = normalisePhone(number, country.toUpperCase());
            caller = p.ok ? p.e164 : null;
          }
        }
        await checkAgent(input.assignee_agent_id);
        const row = await service.create({ ...input, call_uuid: callUuid, caller_number: caller }, actor);
        const view = ticketView(row, now());
        await audit(req, principal, 'ticket.create', row.id, null, view);
        res.status(201).location(`/api/v1/tickets/${row.id}`).json(view);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/tickets',
      operationId: 'searchTickets',
      summary: 'Search tickets: caller (number or profile), call, ticket number, status, assignee, category, overdue, text',
      description: "Newest first. Admins see every ticket, supervisors the tickets of their teams and their teams' agents, agents the tickets assigned to them; everyone also sees the tickets they created.",
      tags: TAGS,
      access: EVERYONE,
      query: searchQuery,
      responses: { 200: { description: 'one page', schema: z.object({ items: z.array(ticketOut), total: z.number(), limit: z.number(), offset: z.number() }) } },
      handler: async ({ res, principal, query }) => {
        const scope = await scopeOf(principal);
        const { caller, country, ...filter } = query;
        const found = await service.search({ ...filter, ...(caller !== undefined ? { caller_number: toE164(caller, country, 'query', 'caller') } : {}) }, scope);
        const at = now();
        res.json({ items: found.items.map((t) => ticketView(t, at)), total: found.total, limit: query.limit, offset: query.offset });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/tickets/:id',
      operationId: 'getTicket',
      summary: 'A ticket with its comments and full change history',
      tags: TAGS,
      access: EVERYONE,
      params: idParams,
      responses: { 200: { description: 'the ticket', schema: ticketDetailOut } },
      handler: async ({ res, principal, params }) => {
        const row = await visibleTicket(principal, params.id);
        const [comments, history, followups] = await Promise.all([service.comments(row.id), service.history(row.id), followupService(ctx).list(row.id)]);
        res.json({
          ...ticketView(row, now()),
          next_statuses: nextStatuses(row.status, { isAdmin: principal?.role === 'admin' }),
          comments,
          history: history.map((e) => ({ id: e.id, actor_id: e.actor_id, actor_name: e.actor_name, at: e.at, field: e.field, old: e.old_value, new: e.new_value })),
          followups: followups.map(followupView),
        });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/tickets/:id',
      operationId: 'updateTicket',
      summary: 'Change a ticket: status, priority, category, assignee',
      description:
        'Each changed field is written to the history with who and when, and audited. Status moves: open/in_progress/waiting_customer between themselves and to resolved or closed; resolved to open (reopen) or closed; closed is final except an admin reopen (409 otherwise). A category or priority change recomputes the due time from the creation time.',
      tags: TAGS,
      access: EVERYONE,
      params: idParams,
      body: updateTicketBody,
      responses: { 200: { description: 'the ticket after the change', schema: ticketOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const current = await visibleTicket(principal, params.id);
        await checkAgent(body.assignee_agent_id);
        const { followup, ...changes } = body;
        // Checked before the change, so a follow-up that cannot be made leaves the ticket as it was.
        if (followup) followupService(ctx).precheck({ ...current, ...(changes.assignee_agent_id !== undefined ? { assignee_agent_id: changes.assignee_agent_id } : {}) }, followup.kind);
        const { before, after } = await service.update(params.id, changes, actorOf(principal));
        const at = now();
        if (before !== after) await audit(req, principal, 'ticket.update', params.id, ticketView(before, at), ticketView(after, at));
        if (followup && after.status === 'resolved') {
          const f = await followupService(ctx).schedule(params.id, followup, actorOf(principal));
          await ctx.audit(req, principal, { action: 'ticket.followup.schedule', target_type: 'ticket', target_id: params.id, before: null, after: followupView(f) });
        }
        res.json(ticketView(after, at));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/tickets/:id/comments',
      operationId: 'addTicketComment',
      summary: 'Comment on a ticket',
      tags: TAGS,
      access: EVERYONE,
      params: idParams,
      body: commentBody,
      responses: { 201: { description: 'the comment', schema: commentOut } },
      handler: async ({ req, res, principal, params, body }) => {
        await visibleTicket(principal, params.id);
        const c = await service.addComment(params.id, body.body, actorOf(principal));
        await ctx.audit(req, principal, { action: 'ticket.comment', target_type: 'ticket', target_id: params.id, before: null, after: { comment_id: c.id } });
        res.status(201).json(c);
      },
    }),
  ];
}

