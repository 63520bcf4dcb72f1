/**
 * Live call supervision over HTTP (/api/v1/supervision): sessions (listen, whisper, barge, mode switch, take over,
 * end), forced hangup and state of an agent, and the supervisors' teams and softphones. Supervisors act on the agents
 * of their teams, admins on every agent; agents never (403). Every action is audited by the supervision service.
 */
import { z } from 'zod';
import { revalidateLiveConnections } from '../../acd/live';
import { TEAM_NAME_PATTERN } from '../../acd/config-store';
import { NOT_READY_REASONS } from './acd-agent';
import type { Principal } from '../../auth/principal';
import { SUPERVISION_MODES } from '../../freeswitch/supervision-builders';
import { createSupervision, SupervisionError, type SupervisionActor, type SupervisionService } from '../../supervision';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam } from '../validation';
import { acdStore } from './acd-admin';

const TAGS = ['supervision'];
const SUPERVISORS = roles('admin', 'supervisor');
const ADMIN = roles('admin');

const modeField = z.enum(SUPERVISION_MODES).meta({ description: 'listen: hear both sides; whisper: the agent hears you, the customer does not; barge: both hear you' });

const sessionOut = z
  .object({
    id: z.number().int(),
    supervisor_user_id: z.number().int(),
    supervisor_name: z.string(),
    agent_id: z.number().int(),
    call_uuid: z.string(),
    agent_uuid: z.string(),
    supervisor_uuid: z.string(),
    node: z.string(),
    extension: z.string(),
    mode: z.string(),
    mode_history: z.array(z.object({ mode: z.string(), at: z.string(), by: z.enum(['start', 'api', 'phone']) })),
    started_at: z.string().meta({ format: 'date-time' }),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    outcome: z.string().nullable(),
    active: z.boolean(),
  })
  .meta({ id: 'SupervisionSession' });

const supervisorOut = z
  .object({ user_id: z.number().int(), extension: z.string().nullable(), teams: z.array(z.string()) })
  .meta({ id: 'Supervisor' });

const stateOut = z.looseObject({ id: z.number().int(), state: z.string(), reason: z.string().nullable() });

const EXTENSION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const refused = {
  403: { description: 'not a supervisor of the agent\'s team (or an agent)' },
  404: { description: 'no such agent or session' },
  409: { description: 'the agent has no call, the session has ended, or the state does not allow it' },
  503: { description: 'the ACD or FreeSWITCH is not running' },
};

/** One supervision service per API context (the injected one, or one built on the running service's parts). */
const BUILT = new WeakMap<object, SupervisionService>();

export function supervisionRoutes(ctx: ApiContext): AnyRoute[] {
  const service = (): SupervisionService => {
    if (ctx.deps.supervision) return ctx.deps.supervision;
    const cluster = ctx.deps.freeswitch;
    let s = BUILT.get(ctx);
    if (!s) {
      s = createSupervision({
        dataSource: ctx.deps.dataSource,
        config: ctx.deps.config,
        clock: ctx.deps.clock,
        logger: ctx.logger,
        freeswitch: cluster,
        acd: () => ctx.deps.acd,
        acdConfig: acdStore(ctx),
        acdCallControl: ctx.deps.acdCallControl,
        phones: ctx.deps.phones,
      });
      BUILT.set(ctx, s);
    }
    return s;
  };

  const actor = (req: { ip?: string }, principal: Principal | null): SupervisionActor => {
    if (!principal) throw new HttpProblem(401, 'authentication required');
    return { principal, ip: req.ip ?? null };
  };

  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SupervisionError) {
        const status = { not_found: 404, forbidden: 403, conflict: 409, failed: 409, unavailable: 503, invalid: 400 }[err.code];
        throw new HttpProblem(status, err.message, { type: `supervision-${err.code.replace(/_/g, '-')}` });
      }
      throw err;
    }
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/supervision/supervisors',
      operationId: 'listSupervisors',
      summary: 'Supervisors with their softphone extension and the teams they supervise',
      tags: TAGS,
      access: ADMIN,
      responses: { 200: { description: 'the supervisors', schema: z.object({ supervisors: z.array(supervisorOut) }) } },
      handler: async ({ res }) => {
        res.json({ supervisors: await run(() => service().supervisors()) });
      },
    }),

    defineRoute({
      method: 'put',
      path: '/api/v1/supervision/supervisors/:userId/teams',
      operationId: 'setSupervisorTeams',
      summary: "Set the teams a supervisor supervises (and their softphone extension)",
      description: 'Replaces the teams. `extension` is the SIP extension the supervisor is called on when supervising (null clears it; absent keeps it). The user must be a supervisor or an admin.',
      tags: TAGS,
      access: ADMIN,
      params: z.strictObject({ userId: idParam }),
      body: z.strictObject({
        teams: z.array(z.string().regex(TEAM_NAME_PATTERN, 'must be a team name')).max(100),
        extension: z.string().regex(EXTENSION, 'must be an extension: letters, digits, _ . -').nullable().optional(),
      }),
      responses: { 200: { description: 'the supervisor', schema: supervisorOut }, 400: { description: 'not a supervisor or admin account' }, 404: { description: 'no such user' } },
      handler: async ({ req, res, principal, params, body }) => {
        const out = await run(() => service().setSupervisor(actor(req, principal), params.userId, body.teams, body.extension));
        // The supervisor's open live feeds follow their new teams at once.
        revalidateLiveConnections();
        res.json(out);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/supervision/sessions',
      operationId: 'listSupervisionSessions',
      summary: 'Supervision sessions, newest first (supervisors: their own; admins: all)',
      tags: TAGS,
      access: SUPERVISORS,
      query: z.strictObject({
        agent_id: z.coerce.number().int().min(1).optional(),
        active: z.enum(['true', 'false']).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'the sessions', schema: z.object({ sessions: z.array(sessionOut) }) } },
      handler: async ({ req, res, principal, query }) => {
        const a = actor(req, principal);
        const sessions = await run(() =>
          service().list(a, { agentId: query.agent_id, active: query.active === undefined ? undefined : query.active === 'true', limit: query.limit }),
        );
        res.json({ sessions });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/supervision/sessions',
      operationId: 'startSupervisionSession',
      summary: "Supervise an agent's live call: your softphone rings and, answered, eavesdrops in the given mode",
      description:
        'The service originates to your softphone (`user/<your extension>`) running `eavesdrop` on the agent\'s leg. listen: you hear both sides; whisper: only the agent hears you; barge: agent and customer hear you. Answers once your phone has answered (409 when it does not).',
      tags: TAGS,
      access: SUPERVISORS,
      body: z.strictObject({ agent_id: z.number().int().min(1), mode: modeField.default('listen') }),
      agent: { in: 'body', field: 'agent_id' },
      responses: { 201: { description: 'the session, your phone answered', schema: sessionOut }, ...refused },
      handler: async ({ req, res, principal, body }) => {
        const s = await run(() => service().start(actor(req, principal), body.agent_id, body.mode));
        res.status(201).json(s);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/supervision/sessions/:id',
      operationId: 'getSupervisionSession',
      summary: 'One supervision session',
      tags: TAGS,
      access: SUPERVISORS,
      params: z.strictObject({ id: idParam }),
      responses: { 200: { description: 'the session', schema: sessionOut }, 404: { description: 'no such session (or not yours)' } },
      handler: async ({ req, res, principal, params }) => {
        res.json(await run(() => service().get(actor(req, principal), params.id)));
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/v1/supervision/sessions/:id',
      operationId: 'setSupervisionMode',
      summary: 'Switch the mode of your session (listen, whisper, barge)',
      tags: TAGS,
      access: SUPERVISORS,
      params: z.strictObject({ id: idParam }),
      body: z.strictObject({ mode: modeField }),
      responses: { 200: { description: 'the session', schema: sessionOut }, ...refused },
      handler: async ({ req, res, principal, params, body }) => {
        res.json(await run(() => service().setMode(actor(req, principal), params.id, body.mode)));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/supervision/sessions/:id/take-over',
      operationId: 'takeOverSupervisedCall',
      summary: 'Take the call over: the customer is bridged to you, the agent is released (wrap-up)',
      tags: TAGS,
      access: SUPERVISORS,
      params: z.strictObject({ id: idParam }),
      responses: { 200: { description: 'the session (ended, outcome taken_over)', schema: sessionOut }, ...refused },
      handler: async ({ req, res, principal, params }) => {
        res.json(await run(() => service().takeOver(actor(req, principal), params.id)));
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/supervision/sessions/:id',
      operationId: 'endSupervisionSession',
      summary: 'End your session (your phone is hung up; the call goes on)',
      tags: TAGS,
      access: SUPERVISORS,
      params: z.strictObject({ id: idParam }),
      responses: { 200: { description: 'the session', schema: sessionOut }, ...refused },
      handler: async ({ req, res, principal, params }) => {
        res.json(await run(() => service().end(actor(req, principal), params.id)));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/supervision/agents/:id/hangup',
      operationId: 'supervisionForceHangup',
      summary: "Force the hangup of an agent's call",
      tags: TAGS,
      access: SUPERVISORS,
      params: z.strictObject({ id: idParam }),
      agent: { in: 'params', field: 'id' },
      responses: { 200: { description: 'the legs hung up', schema: z.object({ killed: z.array(z.string()) }) }, ...refused },
      handler: async ({ req, res, principal, params }) => {
        res.json(await run(() => service().forceHangup(actor(req, principal), params.id)));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/supervision/agents/:id/state',
      operationId: 'supervisionForceState',
      summary: "Force an agent's state: ready, not ready (with a reason) or logout",
      description: 'A not-ready or logout asked for during a call applies when the call ends.',
      tags: TAGS,
      access: SUPERVISORS,
      params: z.strictObject({ id: idParam }),
      agent: { in: 'params', field: 'id' },
      body: z
        .strictObject({ action: z.enum(['ready', 'not_ready', 'logout']), reason: z.enum(NOT_READY_REASONS).optional() })
        .refine((b) => b.action !== 'not_ready' || b.reason !== undefined, { message: 'is required for not_ready', path: ['reason'] }),
      responses: { 200: { description: "the agent's state after the change", schema: stateOut }, ...refused },
      handler: async ({ req, res, principal, params, body }) => {
        res.json(await run(() => service().forceState(actor(req, principal), params.id, body.action, body.reason)));
      },
    }),
  ];
}
