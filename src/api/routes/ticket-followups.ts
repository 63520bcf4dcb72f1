import { z } from 'zod';
import type { Principal } from '../../auth/principal';
import { principalName } from '../../auth/principal';
import { FOLLOWUP_KINDS } from '../../db/entities/followups';
import { TICKET_LIMITS } from '../../db/entities/tickets';
import { FollowupService, followupView, type FollowupRequest } from '../../followups/service';
import { recordingStoreFor } from '../../recording/store';
import { scopeAdmits, ticketScope } from '../../tickets/scope';
import { TicketService, type TicketActor } from '../../tickets/service';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam } from '../validation';
import { loadedAcdStore } from './acd-admin';

/**
 * Follow-up calls of a ticket (src/followups): list, schedule, cancel, and the agent's disposition of a preview
 * follow-up. The same scope as the ticket itself (src/tickets/scope.ts): whoever may see the ticket may follow it up.
 */

const EVERYONE = roles('admin', 'supervisor', 'agent');
const TAGS = ['tickets'];

/** A follow-up request: `after_minutes` from now or `at` (ISO time), moved into the caller's calling window. */
export const followupRequestSchema = z
  .strictObject({
    kind: z.enum(FOLLOWUP_KINDS).meta({ description: "preview: a preview call for the ticket's assigned agent; survey: an agentless survey call" }),
    after_minutes: z.number().int().min(0).max(60 * 24 * 60).optional(),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((b) => (b.after_minutes === undefined) !== (b.at === undefined), 'must set exactly one of after_minutes and at')
  .transform((b): FollowupRequest => ({ kind: b.kind, when: b.at !== undefined ? { at: new Date(b.at) } : { after_minutes: b.after_minutes! } }));

export const followupOut = z.object({
  id: z.number(),
  ticket_id: z.number(),
  kind: z.string(),
  phone_e164: z.string(),
  agent_id: z.number().nullable(),
  scheduled_for: z.string(),
  campaign_id: z.number().nullable(),
  lead_id: z.number().nullable(),
  status: z.string().meta({ description: 'scheduled, dialing, done, cancelled, failed' }),
  outcome: z.string().nullable().meta({ description: 'reached, unreached, satisfied, reopened' }),
  score: z.number().nullable(),
  detail: z.string().nullable(),
  created_by_name: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** The service's FollowupService (it follows the dialer's leads), or one on the database for an API alone. */
export function followupService(ctx: ApiContext): FollowupService {
  return ctx.deps.followups ?? new FollowupService({ dataSource: ctx.deps.dataSource, clock: ctx.deps.clock, tickets: new TicketService(ctx.deps.dataSource, ctx.deps.clock), config: ctx.deps.config.followups, dialer: ctx.deps.dialer, logger: ctx.logger });
}

export function actorOf(p: Principal | null): TicketActor {
  if (!p) throw new HttpProblem(401, 'authentication required');
  return { userId: p.kind === 'user' ? p.id : null, name: principalName(p).slice(0, TICKET_LIMITS.name), isAdmin: p.role === 'admin' };
}

export function ticketFollowupRoutes(ctx: ApiContext): AnyRoute[] {
  const tickets = new TicketService(ctx.deps.dataSource, ctx.deps.clock);
  const idParams = z.strictObject({ id: idParam });
  const fParams = z.strictObject({ id: idParam, fid: idParam });

  const visibleTicket = async (p: Principal | null, id: number) => {
    if (!p) throw new HttpProblem(401, 'authentication required');
    const scope = await ticketScope(p, { acd: await loadedAcdStore(ctx), supervisorTeams: (uid) => recordingStoreFor(ctx.deps.dataSource).supervisorTeams(uid) });
    if (scope.kind === 'none') throw new HttpProblem(403, scope.reason);
    const row = await tickets.get(id);
    if (!row) throw new HttpProblem(404, `ticket ${id} does not exist`);
    if (!scopeAdmits(scope, row)) throw new HttpProblem(403, `ticket ${id} is not assigned to you or your teams`);
    return row;
  };
  const followupOf = async (ticketId: number, fid: number) => {
    const f = await followupService(ctx).get(fid);
    if (!f || f.ticket_id !== ticketId) throw new HttpProblem(404, `ticket ${ticketId} has no follow-up ${fid}`);
    return f;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/tickets/:id/followups',
      operationId: 'listTicketFollowups',
      summary: "A ticket's follow-up calls, oldest first",
      tags: TAGS,
      access: EVERYONE,
      params: idParams,
      responses: { 200: { description: 'the follow-ups', schema: z.object({ items: z.array(followupOut) }) } },
      handler: async ({ res, principal, params }) => {
        await visibleTicket(principal, params.id);
        res.json({ items: (await followupService(ctx).list(params.id)).map(followupView) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/tickets/:id/followups',
      operationId: 'scheduleTicketFollowup',
      summary: 'Schedule a follow-up call of a ticket (preview for its agent, or an agentless survey)',
      description:
        "The call goes through the dialer (follow-up campaign, DNC, calling window, ledger, retries); scheduled_for is moved to the first minute the window is open in the caller's zones. 400 when the ticket has no caller number (or, for preview, no assigned agent); 409 when the number already has a pending follow-up of that kind.",
      tags: TAGS,
      access: EVERYONE,
      params: idParams,
      body: followupRequestSchema,
      responses: { 201: { description: 'scheduled', schema: followupOut } },
      handler: async ({ req, res, principal, params, body }) => {
        await visibleTicket(principal, params.id);
        const row = await followupService(ctx).schedule(params.id, body, actorOf(principal));
        await ctx.audit(req, principal, { action: 'ticket.followup.schedule', target_type: 'ticket', target_id: params.id, before: null, after: followupView(row) });
        res.status(201).location(`/api/v1/tickets/${params.id}/followups/${row.id}`).json(followupView(row));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/tickets/:id/followups/:fid/cancel',
      operationId: 'cancelTicketFollowup',
      summary: 'Cancel a follow-up that has not ended (409 once done, failed or cancelled)',
      tags: TAGS,
      access: EVERYONE,
      params: fParams,
      responses: { 200: { description: 'cancelled', schema: followupOut } },
      handler: async ({ req, res, principal, params }) => {
        await visibleTicket(principal, params.id);
        const before = await followupOf(params.id, params.fid);
        const row = await followupService(ctx).cancel(params.fid, actorOf(principal));
        await ctx.audit(req, principal, { action: 'ticket.followup.cancel', target_type: 'ticket', target_id: params.id, before: followupView(before), after: followupView(row) });
        res.json(followupView(row));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/tickets/:id/followups/:fid/disposition',
      operationId: 'dispositionTicketFollowup',
      summary: "The agent's disposition of a preview follow-up call: its outcome (a reopen disposition reopens the ticket)",
      description: 'FOLLOWUP_REOPEN_DISPOSITIONS lists the dispositions that mean the problem persists (outcome reopened); any other is reached.',
      tags: TAGS,
      access: EVERYONE,
      params: fParams,
      body: z.strictObject({ disposition: z.string().trim().min(1).max(64) }),
      responses: { 200: { description: 'the follow-up with its outcome', schema: followupOut } },
      handler: async ({ req, res, principal, params, body }) => {
        await visibleTicket(principal, params.id);
        const before = await followupOf(params.id, params.fid);
        if (before.kind !== 'preview') throw new HttpProblem(409, `follow-up ${params.fid} is a ${before.kind} call; only preview follow-ups take a disposition`);
        const row = await followupService(ctx).onDisposition(params.fid, body.disposition, actorOf(principal));
        await ctx.audit(req, principal, { action: 'ticket.followup.disposition', target_type: 'ticket', target_id: params.id, before: followupView(before), after: followupView(row) });
        res.json(followupView(row));
      },
    }),
  ];
}
