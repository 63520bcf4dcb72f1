import { z } from 'zod';
import {
  AcdConfigError,
  acdConfigStoreFor,
  agentCreateSchema,
  agentPatchSchema,
  queueConfigSchema,
  queueCreateSchema,
  QUEUE_NAME_PATTERN,
  queuePatchSchema,
  TEAM_NAME_PATTERN,
  type AcdConfigStoreImpl,
} from '../../acd/config-store';
import type { AcdRuntimeApi } from '../../acd/contract';
import { AcdStateError } from '../../acd/errors';
import { principalName, type Principal } from '../../auth/principal';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam } from '../validation';

const ADMIN = roles('admin');
const SUPERVISOR = roles('admin', 'supervisor');
const TAGS = ['acd'];

const dateTime = z.string().meta({ format: 'date-time' });

export const acdQueueOut = z
  .object({
    name: z.string(),
    config: queueConfigSchema.meta({ description: 'the whole queue document, defaults filled in' }),
    updated_at: dateTime,
    updated_by: z.string(),
  })
  .meta({ id: 'AcdQueue' });

export const acdAgentOut = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    name: z.string(),
    extension: z.string(),
    skills: z.record(z.string(), z.number().int()).meta({ description: 'skill -> proficiency 1-10' }),
    teams: z.array(z.string()),
    queues: z.array(z.object({ queue: z.string(), tier: z.number().int() })),
    enabled: z.boolean(),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .meta({ id: 'AcdAgent' });

const queueParams = z.strictObject({ name: z.string().regex(QUEUE_NAME_PATTERN, 'must be a queue name (letters, digits, _ . -; at most 64)') });
const agentParams = z.strictObject({ id: idParam });

const agentsQuery = z.strictObject({
  queue: z.string().regex(QUEUE_NAME_PATTERN, 'must be a queue name').optional(),
  team: z.string().regex(TEAM_NAME_PATTERN, 'must be a team name').optional(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

const nonEmpty = (b: object) => Object.keys(b).length > 0;

/** The ACD configuration store of the API (shared with the runtime). */
export function acdStore(ctx: ApiContext): AcdConfigStoreImpl {
  return ctx.deps.acdConfig ?? acdConfigStoreFor(ctx.deps.dataSource, { clock: ctx.deps.clock, logger: ctx.deps.logger });
}

export async function loadedAcdStore(ctx: ApiContext): Promise<AcdConfigStoreImpl> {
  const s = acdStore(ctx);
  await s.ensureLoaded();
  return s;
}

/** The running ACD, or a 503 problem. */
export function requireAcd(ctx: Pick<ApiContext, 'deps'>): AcdRuntimeApi {
  const acd = ctx.deps.acd;
  if (!acd) throw new HttpProblem(503, 'the ACD is not running', { headers: { 'Retry-After': '5' } });
  return acd;
}

/** Maps the ACD's errors to problems: configuration errors name the field; engine refusals are 409 (404 unknown). */
export function acdProblem(err: unknown): never {
  if (err instanceof AcdConfigError) {
    if (err.kind === 'not_found') throw new HttpProblem(404, err.message);
    if (err.kind === 'conflict') throw new HttpProblem(409, err.message);
    const field = err.field ?? '';
    throw new HttpProblem(400, field ? `Invalid request: body "${field}": ${err.message}` : err.message, {
      type: 'validation-error',
      title: 'Validation failed',
      errors: [{ location: 'body', field, pointer: '#/' + field.split('.').filter(Boolean).join('/'), detail: err.message }],
    });
  }
  if (err instanceof AcdStateError) {
    const status = err.code.startsWith('unknown_') ? 404 : err.code === 'invalid_input' || err.code === 'invalid_config' ? 400 : 409;
    throw new HttpProblem(status, err.message);
  }
  throw err;
}

function who(p: Principal | null): string {
  return p ? principalName(p) : 'system';
}

export function acdAdminRoutes(ctx: ApiContext): AnyRoute[] {
  const audit = (action: string, type: string, id: string | number, before: unknown, after: unknown) => ({ action, target_type: type, target_id: id, before, after });

  /** An agent who is logged in to the running ACD cannot be deleted or disabled (log them out first). */
  const assertLoggedOut = (id: number, what: string) => {
    const state = ctx.deps.acd?.engine.agent(id)?.state;
    if (state && state !== 'logged_out') throw new HttpProblem(409, `agent ${id} is ${state}; log them out before ${what}`);
  };

  return [
    // ---- queues ----
    defineRoute({
      method: 'get',
      path: '/api/v1/acd/queues',
      operationId: 'listAcdQueues',
      summary: 'List ACD queues with their configuration',
      tags: TAGS,
      access: SUPERVISOR,
      responses: { 200: { description: 'every queue, by name', schema: z.object({ items: z.array(acdQueueOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: (await loadedAcdStore(ctx)).listQueues() });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/queues',
      operationId: 'createAcdQueue',
      summary: 'Create an ACD queue',
      description:
        'Only `name` is required; every other field takes its default (strategy longest_idle, serviceLevelSec 20, wrapUpSec 10, offerTimeoutSec 20, maxNoAnswer 3, mohSound local_stream://moh, announceIntervalSec 30, ...). 409 when the name exists.',
      tags: TAGS,
      access: ADMIN,
      body: queueCreateSchema,
      responses: { 201: { description: 'created', schema: acdQueueOut }, 409: { description: 'the queue exists' } },
      handler: async ({ req, res, principal, body }) => {
        const q = await (await loadedAcdStore(ctx)).createQueue(body, who(principal)).catch(acdProblem);
        await ctx.audit(req, principal, audit('acd_queue.create', 'acd_queue', q.name, null, q));
        res.status(201).location(`/api/v1/acd/queues/${q.name}`).json(q);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/acd/queues/:name',
      operationId: 'getAcdQueue',
      summary: 'One ACD queue',
      tags: TAGS,
      access: SUPERVISOR,
      params: queueParams,
      responses: { 200: { description: 'the queue', schema: acdQueueOut } },
      handler: async ({ res, params }) => {
        const q = (await loadedAcdStore(ctx)).getQueue(params.name);
        if (!q) throw new HttpProblem(404, `queue "${params.name}" does not exist`);
        res.json(q);
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/v1/acd/queues/:name',
      operationId: 'updateAcdQueue',
      summary: 'Change fields of an ACD queue (the engine uses them at once)',
      tags: TAGS,
      access: ADMIN,
      params: queueParams,
      body: queuePatchSchema.refine(nonEmpty, 'must set at least one field'),
      responses: { 200: { description: 'the queue after the change', schema: acdQueueOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const { before, after } = await (await loadedAcdStore(ctx)).updateQueue(params.name, body, who(principal)).catch(acdProblem);
        await ctx.audit(req, principal, audit('acd_queue.update', 'acd_queue', params.name, before, after));
        res.json(after);
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/acd/queues/:name',
      operationId: 'deleteAcdQueue',
      summary: 'Delete an ACD queue',
      description: 'Refused (409) while an agent serves it, another queue overflows to it, or calls are waiting in it.',
      tags: TAGS,
      access: ADMIN,
      params: queueParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const waiting = ctx.deps.acd?.engine.waitingCalls(params.name).length ?? 0;
        if (waiting) throw new HttpProblem(409, `queue "${params.name}" has ${waiting} call${waiting > 1 ? 's' : ''} waiting`);
        const before = await (await loadedAcdStore(ctx)).deleteQueue(params.name).catch(acdProblem);
        await ctx.audit(req, principal, audit('acd_queue.delete', 'acd_queue', params.name, before, null));
        res.status(204).end();
      },
    }),

    // ---- agents ----
    defineRoute({
      method: 'get',
      path: '/api/v1/acd/agents',
      operationId: 'listAcdAgents',
      summary: 'List ACD agents (filters: queue, team, enabled)',
      tags: TAGS,
      access: SUPERVISOR,
      query: agentsQuery,
      responses: { 200: { description: 'agents by id', schema: z.object({ items: z.array(acdAgentOut) }) } },
      handler: async ({ res, query }) => {
        res.json({ items: (await loadedAcdStore(ctx)).listAgents(query) });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/agents',
      operationId: 'createAcdAgent',
      summary: 'Make a user an ACD agent',
      description:
        'One agent per user and per extension (409). `name` defaults to the user\'s display name; `queues` must name existing queues (tier 1 = first for top_down).',
      tags: TAGS,
      access: ADMIN,
      body: agentCreateSchema,
      responses: { 201: { description: 'created', schema: acdAgentOut }, 409: { description: 'the user or the extension already has an agent' } },
      handler: async ({ req, res, principal, body }) => {
        const a = await (await loadedAcdStore(ctx)).createAgent(body).catch(acdProblem);
        await ctx.audit(req, principal, audit('acd_agent.create', 'acd_agent', a.id, null, a));
        res.status(201).location(`/api/v1/acd/agents/${a.id}`).json(a);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/acd/agents/:id',
      operationId: 'getAcdAgent',
      summary: 'One ACD agent',
      tags: TAGS,
      access: SUPERVISOR,
      params: agentParams,
      responses: { 200: { description: 'the agent', schema: acdAgentOut } },
      handler: async ({ res, params }) => {
        const a = (await loadedAcdStore(ctx)).getAgent(params.id);
        if (!a) throw new HttpProblem(404, `agent ${params.id} does not exist`);
        res.json(a);
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/v1/acd/agents/:id',
      operationId: 'updateAcdAgent',
      summary: 'Change an ACD agent (skills, teams, queues and tiers, extension, enabled)',
      description: 'Lists (skills, teams, queues) are replaced whole. Disabling a logged-in agent is refused (409).',
      tags: TAGS,
      access: ADMIN,
      params: agentParams,
      body: agentPatchSchema.refine(nonEmpty, 'must set at least one field'),
      responses: { 200: { description: 'the agent after the change', schema: acdAgentOut } },
      handler: async ({ req, res, principal, params, body }) => {
        if (body.enabled === false) assertLoggedOut(params.id, 'disabling them');
        const { before, after } = await (await loadedAcdStore(ctx)).updateAgent(params.id, body).catch(acdProblem);
        await ctx.audit(req, principal, audit('acd_agent.update', 'acd_agent', params.id, before, after));
        res.json(after);
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/acd/agents/:id',
      operationId: 'deleteAcdAgent',
      summary: 'Delete an ACD agent (the user account stays)',
      description: 'Refused (409) while the agent is logged in to the running ACD.',
      tags: TAGS,
      access: ADMIN,
      params: agentParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        assertLoggedOut(params.id, 'deleting them');
        const before = await (await loadedAcdStore(ctx)).deleteAgent(params.id).catch(acdProblem);
        await ctx.audit(req, principal, audit('acd_agent.delete', 'acd_agent', params.id, before, null));
        res.status(204).end();
      },
    }),
  ];
}
