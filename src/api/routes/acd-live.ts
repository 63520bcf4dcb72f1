import { z } from 'zod';
import { DEFAULT_QUEUE_CONFIG, QUEUE_NAME_PATTERN } from '../../acd/config-store';
import type { Response } from 'express';
import { agentStateView, queueStatsView, type AcdRuntimeWithCallInfo } from '../../acd/live';
import { agentAccess } from '../../auth/agent-access';
import { recordingStoreFor } from '../../recording';
import { agentReport, queueReport, ReportError, type AgentReportRow, type QueueReportRow, type ReportBucket } from '../../acd/reports';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { isoDateQuery } from '../validation';
import { columnsOf, toCsv } from '../csv';
import { loadedAcdStore, requireAcd } from './acd-admin';

const SUPERVISOR = roles('admin', 'supervisor');
const TAGS = ['acd-live'];

const agentStates = ['logged_out', 'available', 'not_ready', 'reserved', 'on_call', 'wrap_up'] as const;
const byState = z.object(Object.fromEntries(agentStates.map((s) => [s, z.number().int()])) as Record<(typeof agentStates)[number], z.ZodNumber>);

const liveQueueOut = z
  .object({
    queue: z.string(),
    waiting: z.number().int(),
    longest_wait_sec: z.number(),
    service_level: z.number().nullable().meta({ description: 'fraction answered within service_level_sec, recent window' }),
    service_level_sec: z.number().int(),
    abandon_rate: z.number().nullable(),
    agents: byState,
    ewt_sec: z.number().nullable().meta({ description: 'estimated wait of a call entering now' }),
  })
  .meta({ id: 'AcdLiveQueue' });

const liveAgentOut = z
  .object({
    id: z.number().int(),
    name: z.string(),
    extension: z.string(),
    state: z.enum(agentStates),
    reason: z.string().nullable(),
    version: z.number().int(),
    since: z.string().meta({ format: 'date-time' }),
    call_id: z.string().nullable(),
    calls_handled: z.number().int(),
    talk_sec: z.number().int(),
    no_answer_streak: z.number().int(),
    phone_registered: z.boolean().meta({ description: 'false while the agent\'s phone is not registered (the agent is skipped)' }),
    teams: z.array(z.string()),
    queues: z.array(z.string()),
    call: z
      .object({
        id: z.string(),
        queue: z.string(),
        caller_number: z.string().nullable(),
        caller_name: z.string().nullable(),
        connected_at: z.string().nullable().meta({ format: 'date-time', description: 'when the agent answered (null while still ringing)' }),
      })
      .nullable()
      .meta({ description: "the agent's current queue call (null when none)" }),
  })
  .meta({ id: 'AcdLiveAgent' });

const liveCallOut = z.object({
  id: z.string(),
  queue: z.string(),
  priority: z.number().int(),
  state: z.enum(['waiting', 'offering']),
  entered_at: z.string().meta({ format: 'date-time' }),
  wait_sec: z.number(),
});

const queueName = z.string().regex(QUEUE_NAME_PATTERN, 'must be a queue name');

const rangeQuery = {
  from: isoDateQuery.meta({ description: 'start (inclusive), ISO 8601 with a zone' }),
  to: isoDateQuery.meta({ description: 'end (exclusive); hour reports span at most 31 days, day 366, week 3 years' }),
  bucket: z.enum(['hour', 'day', 'week']).default('day').meta({ description: 'UTC hours, days or ISO weeks (default day)' }),
  format: z.enum(['json', 'csv']).default('json').meta({ description: 'csv: the rows as text/csv (RFC 4180, a header line), for spreadsheets' }),
};

const queueReportQuery = z.strictObject({ ...rangeQuery, queue: queueName.optional() });
const agentReportQuery = z.strictObject({
  ...rangeQuery,
  agent_id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
    .transform(Number)
    .optional(),
});

const queueReportOut = z.object({
  from: z.string(),
  to: z.string(),
  bucket: z.enum(['hour', 'day', 'week']),
  items: z.array(
    z.object({
      queue: z.string(),
      bucket_start: z.string(),
      offered: z.number().int(),
      answered: z.number().int(),
      abandoned: z.number().int(),
      overflowed: z.number().int(),
      callbacks: z.number().int(),
      failed: z.number().int(),
      answered_in_sl: z.number().int(),
      service_level: z.number().nullable(),
      abandon_rate: z.number().nullable(),
      asa_sec: z.number().nullable().meta({ description: 'average speed of answer' }),
      aht_sec: z.number().nullable().meta({ description: 'average talk time of answered calls' }),
      max_wait_sec: z.number().nullable(),
    }),
  ),
});

const agentReportOut = z.object({
  from: z.string(),
  to: z.string(),
  bucket: z.enum(['hour', 'day', 'week']),
  items: z.array(
    z.object({
      agent_id: z.number().int(),
      name: z.string().nullable(),
      bucket_start: z.string(),
      offers: z.number().int(),
      offers_answered: z.number().int(),
      offers_missed: z.number().int(),
      calls_answered: z.number().int(),
      talk_sec: z.number(),
      wrap_up_sec: z.number(),
      aht_sec: z.number().nullable().meta({ description: '(talk + wrap-up) / calls answered' }),
      logged_in_sec: z.number(),
      available_sec: z.number(),
      not_ready_sec: z.number(),
      reserved_sec: z.number(),
      on_call_sec: z.number(),
      occupancy: z.number().nullable().meta({ description: '(on call + wrap-up) / logged in' }),
    }),
  ),
});

/** CSV columns of the reports: the JSON fields, in the order of the JSON schema. */
const QUEUE_CSV = Object.keys(queueReportOut.shape.items.element.shape) as Array<keyof QueueReportRow & string>;
const AGENT_CSV = Object.keys(agentReportOut.shape.items.element.shape) as Array<keyof (AgentReportRow & { name: string | null }) & string>;

function sendCsv(res: Response, filename: string, body: string): void {
  res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.send(body);
}

function reportProblem(err: unknown): never {
  if (err instanceof ReportError) {
    if (err.kind === 'unavailable') throw new HttpProblem(503, err.message);
    if (err.kind === 'too_large') throw new HttpProblem(422, err.message);
    const field = err.field ?? '';
    throw new HttpProblem(400, `Invalid request: query parameter "${field}": ${err.message}`, {
      type: 'validation-error',
      title: 'Validation failed',
      errors: [{ location: 'query', field, pointer: `#/${field}`, detail: err.message }],
    });
  }
  throw err;
}

export function acdLiveRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/acd/live/queues',
      operationId: 'acdLiveQueues',
      summary: 'Live queue figures: waiting, longest wait, service level, abandon rate, agents by state, EWT',
      tags: TAGS,
      access: SUPERVISOR,
      responses: { 200: { description: 'one entry per queue', schema: z.object({ items: z.array(liveQueueOut) }) } },
      handler: async ({ res }) => {
        const acd = requireAcd(ctx);
        const store = await loadedAcdStore(ctx);
        const items = acd.engine.queues().map((q) => ({
          ...queueStatsView(q),
          service_level_sec: store.getQueue(q.queue)?.config.serviceLevelSec ?? DEFAULT_QUEUE_CONFIG.serviceLevelSec,
        }));
        res.json({ items });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/acd/live/agents',
      operationId: 'acdLiveAgents',
      summary: 'Live agent list: state (with reason and version), since when, current call, calls handled',
      description: 'Admins see every agent; supervisors the agents of the teams they supervise (a supervisor API key has no teams).',
      tags: TAGS,
      access: SUPERVISOR,
      responses: { 200: { description: 'one entry per configured agent', schema: z.object({ items: z.array(liveAgentOut) }) } },
      handler: async ({ res, principal }) => {
        const acd = requireAcd(ctx) as AcdRuntimeWithCallInfo;
        const store = await loadedAcdStore(ctx);
        // The same team scope as every action on an agent (src/auth/agent-access.ts).
        const teams = principal?.role === 'supervisor' && principal.kind === 'user' ? await recordingStoreFor(ctx.deps.dataSource).supervisorTeams(principal.id) : [];
        const items = acd.engine
          .agents()
          .filter((a) => {
            const cfg = store.getAgent(a.id);
            return !!principal && (principal.role === 'admin' || (!!cfg && agentAccess(principal, cfg, teams).allowed));
          })
          .map((a) => {
            const cfg = store.getAgent(a.id);
            const legs = acd.legsOfAgent(a.id);
            const info = legs ? acd.callInfo?.(legs.callerUuid) : undefined;
            const call = legs
              ? {
                  id: legs.callerUuid,
                  queue: legs.queue,
                  caller_number: info?.callerNumber ?? null,
                  caller_name: info?.callerName ?? null,
                  connected_at: legs.connectedAt !== undefined ? new Date(legs.connectedAt).toISOString() : null,
                }
              : null;
            return { ...agentStateView(a), teams: cfg?.teams ?? [], queues: cfg?.queues.map((q) => q.queue) ?? [], call };
          });
        res.json({ items });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/acd/live/calls',
      operationId: 'acdLiveCalls',
      summary: 'Calls waiting or being offered, oldest first',
      tags: TAGS,
      access: SUPERVISOR,
      query: z.strictObject({ queue: queueName.optional() }),
      responses: { 200: { description: 'waiting calls', schema: z.object({ items: z.array(liveCallOut) }) } },
      handler: async ({ res, query }) => {
        const acd = requireAcd(ctx);
        const now = ctx.deps.clock.now();
        const items = acd.engine.waitingCalls(query.queue).map((c) => ({
          id: c.id,
          queue: c.queue,
          priority: c.priority,
          state: c.state,
          entered_at: new Date(c.enteredAt).toISOString(),
          wait_sec: Math.max(0, Math.round((now - c.enteredAt) / 100) / 10),
        }));
        res.json({ items });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/acd/reports/queues',
      operationId: 'acdQueueReport',
      summary: 'Queue report by hour, day or week: offered, answered, abandoned, service level, ASA, AHT',
      description:
        "A call counts in the bucket it entered the queue. service_level = answered within the queue's serviceLevelSec / (answered + abandoned). Buckets without calls are left out. ?format=csv gives the same rows as text/csv.",
      tags: TAGS,
      access: SUPERVISOR,
      query: queueReportQuery,
      responses: { 200: { description: 'rows by bucket, then queue', schema: queueReportOut } },
      handler: async ({ res, query }) => {
        const store = await loadedAcdStore(ctx);
        const items = await queueReport(
          ctx.deps.dataSource,
          { from: query.from, to: query.to, bucket: query.bucket as ReportBucket, queue: query.queue },
          (q) => store.getQueue(q)?.config.serviceLevelSec ?? DEFAULT_QUEUE_CONFIG.serviceLevelSec,
        ).catch(reportProblem);
        if (query.format === 'csv') return sendCsv(res, `queue-report-${query.bucket}.csv`, toCsv(columnsOf(QUEUE_CSV), items));
        res.json({ from: query.from.toISOString(), to: query.to.toISOString(), bucket: query.bucket, items });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/acd/reports/agents',
      operationId: 'acdAgentReport',
      summary: 'Agent report by hour, day or week: offers, calls answered, talk, wrap-up, AHT, time by state, occupancy',
      description: '?format=csv gives the same rows as text/csv.',
      tags: TAGS,
      access: SUPERVISOR,
      query: agentReportQuery,
      responses: { 200: { description: 'rows by bucket, then agent', schema: agentReportOut } },
      handler: async ({ res, query }) => {
        const store = await loadedAcdStore(ctx);
        const rows = await agentReport(
          ctx.deps.dataSource,
          { from: query.from, to: query.to, bucket: query.bucket as ReportBucket, agentId: query.agent_id },
          ctx.deps.clock.now(),
        ).catch(reportProblem);
        const items = rows.map((r) => ({ ...r, name: store.getAgent(r.agent_id)?.name ?? null }));
        if (query.format === 'csv') return sendCsv(res, `agent-report-${query.bucket}.csv`, toCsv(columnsOf(AGENT_CSV), items));
        res.json({ from: query.from.toISOString(), to: query.to.toISOString(), bucket: query.bucket, items });
      },
    }),
  ];
}
