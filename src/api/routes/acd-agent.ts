import { z } from 'zod';
import type { StoredAgent } from '../../acd/config-store';
import type { AcdRuntimeApi } from '../../acd/contract';
import { alreadyInState, type AgentStateRequest } from '../../acd/state-requests';
import { agentStateView, buildScreenPop, type AcdRuntimeWithCallInfo } from '../../acd/live';
import type { Principal } from '../../auth/principal';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam } from '../validation';
import { acdAgentOut, acdProblem, loadedAcdStore, requireAcd } from './acd-admin';
import { actorOf, followupRequestSchema, followupService } from './ticket-followups';
import { followupView } from '../../followups/service';
import { TicketService } from '../../tickets/service';

const ANYONE = roles('admin', 'supervisor', 'agent');
const TAGS = ['acd-agent'];

/** Reasons an agent may give for not being ready ('no_answer' is the engine's own). */
export const NOT_READY_REASONS = ['break', 'lunch', 'training', 'meeting', 'coaching', 'personal', 'after_call_work', 'other'] as const;

const reasonField = z.enum(NOT_READY_REASONS).meta({ description: 'why the agent is not ready' });

const agentStateOut = z
  .object({
    id: z.number().int(),
    name: z.string(),
    extension: z.string(),
    state: z.enum(['logged_out', 'available', 'not_ready', 'reserved', 'on_call', 'wrap_up']),
    reason: z.string().nullable(),
    version: z.number().int(),
    since: z.string().meta({ format: 'date-time' }),
    call_id: z.string().nullable(),
    calls_handled: z.number().int(),
    talk_sec: z.number().int(),
    no_answer_streak: z.number().int(),
  })
  .meta({ id: 'AcdAgentState' });

const screenPopOut = z
  .looseObject({
    call_id: z.string(),
    queue: z.string().nullable(),
    caller_number: z.string().nullable(),
    caller_name: z.string().nullable(),
    data: z.record(z.string(), z.string()),
    ivr_path: z.array(z.unknown()).nullable(),
    previous_calls: z.array(z.looseObject({ uuid: z.string() })),
    previous_queue_calls: z.array(z.looseObject({ id: z.string() })),
  })
  .meta({ id: 'AcdScreenPop' });

const queueSettingsOut = z.object({
  name: z.string(),
  wrap_up_sec: z.number().int(),
  dispositions: z.array(z.string()).meta({ description: 'the dispositions to pick from in wrap-up (empty: free text)' }),
  recording_policy: z.enum(['never', 'always', 'on_demand']),
});

const meOut = z.object({
  agent: acdAgentOut,
  acd_running: z.boolean(),
  not_ready_reasons: z.array(z.enum(NOT_READY_REASONS)).meta({ description: 'the reasons POST /acd/me/not-ready accepts' }),
  queues: z.array(queueSettingsOut).meta({ description: "what the desktop needs of the agent's queues (and of the current call's queue)" }),
  wrap_up: z
    .object({
      call_id: z.string().nullable(),
      queue: z.string().nullable(),
      ends_at: z.string().nullable().meta({ format: 'date-time', description: 'when wrap-up ends by itself' }),
    })
    .nullable(),
  state: agentStateOut.nullable(),
  call: z
    .object({
      call_id: z.string(),
      queue: z.string(),
      connected_at: z.string().nullable(),
      screen_pop: screenPopOut,
    })
    .nullable(),
});

const stateResponse = {
  200: { description: "the agent's state after the change (a request for the state the agent is already in answers it unchanged)", schema: agentStateOut },
  409: { description: 'not allowed in the current state (e.g. ready during a call)' },
};

const CALL_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

const dispositionBody = z.strictObject({
  call_id: z.string().regex(CALL_ID, 'must be a call id (the caller channel uuid)'),
  disposition: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,63}$/, 'must be 1-64 letters, digits, space _ . : / - (e.g. "sale", "callback-requested")'),
  notes: z.string().max(4000, 'must be at most 4000 characters').nullable().optional(),
  followup: followupRequestSchema.optional().meta({ description: "schedule a follow-up call of the call's ticket (the newest ticket linked to this call)" }),
});

type Action = AgentStateRequest;

const stateBody = z
  .strictObject({
    action: z.enum(['login', 'logout', 'ready', 'not_ready', 'end_wrap_up']),
    reason: reasonField.optional().meta({ description: 'required for not_ready' }),
  })
  .refine((b) => b.action !== 'not_ready' || b.reason !== undefined, { message: 'is required for not_ready', path: ['reason'] });

export function acdAgentRoutes(ctx: ApiContext): AnyRoute[] {
  /** The agent row of the caller (a user); API keys are never agents. */
  const me = async (principal: Principal | null): Promise<StoredAgent> => {
    if (!principal || principal.kind !== 'user') throw new HttpProblem(403, 'an API key is not an agent; log in as the agent');
    const agent = (await loadedAcdStore(ctx)).agentByUserId(principal.id);
    if (!agent) throw new HttpProblem(404, `no ACD agent is linked to user ${principal.username}`);
    return agent;
  };

  const act = (acd: AcdRuntimeApi, agent: StoredAgent, action: Action, reason?: string) => {
    if (!agent.enabled && action !== 'logout') throw new HttpProblem(409, `agent ${agent.id} is disabled`);
    const engine = acd.engine;
    const now = engine.agent(agent.id);
    if (now && alreadyInState(now, action, reason)) return agentStateView(now);
    try {
      switch (action) {
        case 'login':
          engine.login(agent.id);
          break;
        case 'logout':
          engine.logout(agent.id, reason);
          break;
        case 'ready':
          engine.setReady(agent.id);
          break;
        case 'not_ready':
          engine.setNotReady(agent.id, reason ?? 'other');
          break;
        case 'end_wrap_up':
          engine.endWrapUp(agent.id);
          break;
      }
    } catch (err) {
      acdProblem(err);
    }
    const snap = engine.agent(agent.id);
    if (!snap) throw new HttpProblem(404, `agent ${agent.id} is not known to the running ACD`);
    return agentStateView(snap);
  };

  const selfAction = (path: string, operationId: string, summary: string, action: Action) =>
    defineRoute({
      method: 'post',
      path,
      operationId,
      summary,
      description: 'Acts on the agent linked to the caller\'s user. 503 when the ACD is not running; 409 when the state does not allow it.',
      tags: TAGS,
      access: ANYONE,
      responses: stateResponse,
      handler: async ({ res, principal }) => {
        const agent = await me(principal);
        res.json(act(requireAcd(ctx), agent, action));
      },
    });

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/acd/me',
      operationId: 'getAcdMe',
      summary: "The caller's agent: configuration, live state, and the current call with its screen pop",
      tags: TAGS,
      access: ANYONE,
      responses: { 200: { description: 'the agent', schema: meOut } },
      handler: async ({ res, principal }) => {
        const agent = await me(principal);
        const acd = ctx.deps.acd as AcdRuntimeWithCallInfo | undefined;
        const snap = acd?.engine.agent(agent.id);
        const legs = acd?.legsOfAgent(agent.id);
        const call = legs
          ? {
              call_id: legs.callerUuid,
              queue: legs.queue,
              connected_at: legs.connectedAt ? new Date(legs.connectedAt).toISOString() : null,
              screen_pop: await buildScreenPop({ ds: ctx.deps.dataSource, runtime: acd, ivrPathFor: ctx.deps.ivrPathFor, logger: ctx.logger }, legs.callerUuid),
            }
          : null;
        const store = await loadedAcdStore(ctx);
        const names = new Set(agent.queues.map((q) => q.queue));
        if (legs?.queue) names.add(legs.queue);
        if (snap?.wrapQueue) names.add(snap.wrapQueue);
        const queues = [...names].flatMap((name) => {
          const q = store.getQueue(name);
          return q ? [{ name, wrap_up_sec: q.config.wrapUpSec, dispositions: q.config.dispositions ?? [], recording_policy: q.config.recordingPolicy }] : [];
        });
        const wrapUp =
          snap?.state === 'wrap_up'
            ? { call_id: snap.callId ?? null, queue: snap.wrapQueue ?? null, ends_at: snap.wrapUntil !== undefined ? new Date(snap.wrapUntil).toISOString() : null }
            : null;
        res.json({ agent, acd_running: !!acd, not_ready_reasons: [...NOT_READY_REASONS], queues, wrap_up: wrapUp, state: snap ? agentStateView(snap) : null, call });
      },
    }),

    selfAction('/api/v1/acd/me/login', 'acdMeLogin', 'Log in to the ACD (then set ready to take calls)', 'login'),
    selfAction('/api/v1/acd/me/logout', 'acdMeLogout', 'Log out of the ACD', 'logout'),
    selfAction('/api/v1/acd/me/ready', 'acdMeReady', 'Become available for calls', 'ready'),
    selfAction('/api/v1/acd/me/wrap-up/end', 'acdMeEndWrapUp', 'End wrap-up now (available again)', 'end_wrap_up'),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/me/not-ready',
      operationId: 'acdMeNotReady',
      summary: 'Stop taking calls, with a reason',
      tags: TAGS,
      access: ANYONE,
      body: z.strictObject({ reason: reasonField }),
      responses: stateResponse,
      handler: async ({ res, principal, body }) => {
        const agent = await me(principal);
        res.json(act(requireAcd(ctx), agent, 'not_ready', body.reason));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/me/disposition',
      operationId: 'acdMeDisposition',
      summary: 'Set the disposition and notes of one of your queue calls',
      description:
        'Only on your own calls (the call you are on, or a queue call answered by you): 403 otherwise, 404 for an unknown call. The disposition is stored on the queue call (acd_queue_calls).',
      tags: TAGS,
      access: ANYONE,
      body: dispositionBody,
      responses: {
        200: { description: 'stored', schema: z.object({ call_id: z.string(), disposition: z.string(), notes: z.string().nullable() }) },
        403: { description: 'not your call' },
      },
      handler: async ({ req, res, principal, body }) => {
        const agent = await me(principal);
        const legs = ctx.deps.acd?.legsOfCall(body.call_id);
        let rows: Array<{ agent_id: unknown; queue: unknown }>;
        try {
          rows = (await ctx.deps.dataSource.query('SELECT agent_id, queue FROM acd_queue_calls WHERE id = ?', [body.call_id])) as Array<{ agent_id: unknown; queue: unknown }>;
        } catch (err) {
          ctx.logger.warn('acd_queue_calls is not readable', { error: (err as Error).message });
          throw new HttpProblem(503, 'the ACD call history is not available');
        }
        const row = rows[0];
        const owner = legs?.agentId ?? (row && row.agent_id !== null && row.agent_id !== undefined ? Number(row.agent_id) : undefined);
        if (!legs && !row) throw new HttpProblem(404, `no queue call ${body.call_id}`);
        if (owner !== agent.id) throw new HttpProblem(403, `call ${body.call_id} is not yours`);
        if (!row) throw new HttpProblem(409, `call ${body.call_id} is not recorded yet; try again in a moment`, { headers: { 'Retry-After': '1' } });
        // A queue with a list of dispositions takes only those (the desktop offers exactly that list).
        const queueName = legs?.queue ?? (row.queue === null || row.queue === undefined ? undefined : String(row.queue));
        const allowed = queueName ? ((await loadedAcdStore(ctx)).getQueue(queueName)?.config.dispositions ?? []) : [];
        if (allowed.length && !allowed.includes(body.disposition)) {
          throw new HttpProblem(400, `Invalid request: body "disposition": must be one of the dispositions of queue ${queueName}: ${allowed.join(', ')}`, {
            type: 'validation-error',
            title: 'Validation failed',
            errors: [{ location: 'body', field: 'disposition', pointer: '#/disposition', detail: `must be one of: ${allowed.join(', ')}` }],
          });
        }
        // A follow-up asked for (or one of FOLLOWUP_DISPOSITIONS) goes to the call's ticket; an explicit request that
        // cannot be made is refused before anything is written.
        const followups = followupService(ctx);
        const wantFollowup = body.followup ?? (ctx.deps.config.followups.dispositions.includes(body.disposition) ? { kind: 'survey' as const, when: { after_minutes: ctx.deps.config.followups.dispositionDelayMin } } : undefined);
        const [ticket] = wantFollowup ? (await new TicketService(ctx.deps.dataSource, ctx.deps.clock).search({ call_uuid: body.call_id, limit: 1, offset: 0 }, { kind: 'all' })).items : [];
        if (body.followup) {
          if (!ticket) throw new HttpProblem(409, `call ${body.call_id} has no ticket to follow up; create one from the call first`);
          followups.precheck(ticket, body.followup.kind);
        }
        const notes = body.notes ?? null;
        await ctx.deps.dataSource.query('UPDATE acd_queue_calls SET disposition = ?, notes = ? WHERE id = ?', [body.disposition, notes, body.call_id]);
        if (wantFollowup && ticket) {
          try {
            const f = await followups.schedule(ticket.id, wantFollowup, actorOf(principal));
            await ctx.audit(req, principal, { action: 'ticket.followup.schedule', target_type: 'ticket', target_id: ticket.id, before: null, after: followupView(f) });
          } catch (err) {
            if (body.followup) throw err;
            ctx.logger.warn('the disposition schedules a follow-up, but it could not be made', { call_id: body.call_id, ticket: ticket.id, error: (err as Error).message });
          }
        }
        await ctx.audit(req, principal, {
          action: 'acd_call.disposition',
          target_type: 'acd_queue_call',
          target_id: body.call_id,
          before: null,
          after: { disposition: body.disposition, notes },
        });
        res.json({ call_id: body.call_id, disposition: body.disposition, notes });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/agents/:id/state',
      operationId: 'setAcdAgentState',
      summary: "Change an agent's state (admins: any agent; supervisors: agents of their teams; agents: only themselves)",
      description: 'action: login, logout, ready, not_ready (with reason), end_wrap_up. Outside the caller\'s scope: 403.',
      tags: TAGS,
      access: ANYONE,
      params: z.strictObject({ id: idParam }),
      agent: { in: 'params', field: 'id' },
      body: stateBody,
      responses: { ...stateResponse, 403: { description: 'an agent outside your teams, or an agent acting on another agent' } },
      handler: async ({ req, res, principal, body, agent: scoped }) => {
        const agent = scoped!;
        const before = ctx.deps.acd?.engine.agent(agent.id)?.state;
        const after = act(requireAcd(ctx), agent, body.action, body.reason);
        if (principal?.role !== 'agent') {
          await ctx.audit(req, principal, {
            action: `acd_agent.${body.action}`,
            target_type: 'acd_agent',
            target_id: agent.id,
            before: before ? { state: before } : null,
            after: { state: after.state, reason: after.reason },
          });
        }
        res.json(after);
      },
    }),
  ];
}
