import { z } from 'zod';
import {
  WEBHOOK_LIMITS,
  WebhookDeliveryAttemptSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  type WebhookDeliveryAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../../db/entities/webhooks';
import { EVENT_NAME, parseEvents } from '../../webhooks/outbox';
import { newWebhookSecret } from '../../webhooks/signing';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam, limitQuery, offsetQuery } from '../validation';

/** Outgoing webhook endpoints and their delivery log (admin). Delivery and signatures: src/webhooks. */

const ADMIN = roles('admin');
const TAGS = ['webhooks'];
const idParams = z.strictObject({ id: idParam });

const url = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(WEBHOOK_LIMITS.url);
const events = z
  .array(z.union([z.literal('*'), z.string().regex(EVENT_NAME, 'must be an event name, e.g. ticket.status_changed')]))
  .min(1)
  .max(50)
  .meta({ description: 'event names, e.g. ["ticket.status_changed", "ticket.created"]; "*" is every event' });
const createBody = z.strictObject({
  url,
  events,
  active: z.boolean().default(true),
  description: z.string().trim().max(WEBHOOK_LIMITS.description).nullable().default(null),
});
const updateBody = z
  .strictObject({ url: url.optional(), events: events.optional(), active: z.boolean().optional(), description: z.string().trim().max(WEBHOOK_LIMITS.description).nullable().optional() })
  .refine((b) => Object.keys(b).length > 0, 'must set at least one field');

const endpointOut = z.object({ id: z.number(), url: z.string(), events: z.array(z.string()), active: z.boolean(), description: z.string().nullable(), created_at: z.string(), updated_at: z.string() });
const deliveryOut = z.object({
  id: z.number(),
  endpoint_id: z.number(),
  event: z.string(),
  status: z.string(),
  attempt: z.number(),
  next_attempt_at: z.string().nullable(),
  last_status_code: z.number().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
});
const attemptOut = z.object({ attempt: z.number(), at: z.string(), status_code: z.number().nullable(), error: z.string().nullable(), duration_ms: z.number() });
const deliveriesQuery = z.strictObject({
  endpoint_id: idParam.optional(),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  event: z.string().regex(EVENT_NAME).optional(),
  limit: limitQuery(50, 500),
  offset: offsetQuery,
});

/** An endpoint as the API shows it: never the secret. */
function endpointView(row: WebhookEndpointRow) {
  return { id: row.id, url: row.url, events: parseEvents(row.events), active: row.active, description: row.description, created_at: row.created_at, updated_at: row.updated_at };
}

function deliveryView(row: WebhookDeliveryRow) {
  const { payload: _payload, ...rest } = row;
  return rest;
}

export function webhookRoutes(ctx: ApiContext): AnyRoute[] {
  const ds = ctx.deps.dataSource;
  const endpoints = () => ds.getRepository<WebhookEndpointRow>(WebhookEndpointSchema);
  const mustGet = async (id: number) => {
    const row = await endpoints().findOneBy({ id });
    if (!row) throw new HttpProblem(404, `webhook endpoint ${id} does not exist`);
    return row;
  };
  const now = () => new Date(ctx.deps.clock.now());

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/webhooks/endpoints',
      operationId: 'listWebhookEndpoints',
      summary: 'List webhook endpoints (without their secrets)',
      tags: TAGS,
      access: ADMIN,
      responses: { 200: { description: 'every endpoint', schema: z.object({ items: z.array(endpointOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: (await endpoints().find({ order: { id: 'ASC' } })).map(endpointView) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/webhooks/endpoints',
      operationId: 'createWebhookEndpoint',
      summary: 'Add a webhook endpoint; the answer holds its signing secret, shown this once',
      tags: TAGS,
      access: ADMIN,
      body: createBody,
      responses: { 201: { description: 'created', schema: endpointOut.extend({ secret: z.string() }) } },
      handler: async ({ req, res, principal, body }) => {
        const at = now();
        const row = await endpoints().save({ ...body, events: JSON.stringify(body.events), secret: newWebhookSecret(), created_at: at, updated_at: at } as WebhookEndpointRow);
        await ctx.audit(req, principal, { action: 'webhook_endpoint.create', target_type: 'webhook_endpoint', target_id: row.id, before: null, after: endpointView(row) });
        res.status(201).location(`/api/v1/webhooks/endpoints/${row.id}`).json({ ...endpointView(row), secret: row.secret });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/webhooks/endpoints/:id',
      operationId: 'getWebhookEndpoint',
      summary: 'A webhook endpoint (without its secret)',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      responses: { 200: { description: 'the endpoint', schema: endpointOut } },
      handler: async ({ res, params }) => {
        res.json(endpointView(await mustGet(params.id)));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/webhooks/endpoints/:id',
      operationId: 'updateWebhookEndpoint',
      summary: 'Change a webhook endpoint (url, events, active, description)',
      description: 'Deactivating an endpoint stops its pending deliveries at their next attempt (status failed, "endpoint deactivated").',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      body: updateBody,
      responses: { 200: { description: 'the endpoint', schema: endpointOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const before = await mustGet(params.id);
        const after: WebhookEndpointRow = { ...before, ...body, events: body.events ? JSON.stringify(body.events) : before.events, updated_at: now() };
        await endpoints().save(after);
        await ctx.audit(req, principal, { action: 'webhook_endpoint.update', target_type: 'webhook_endpoint', target_id: params.id, before: endpointView(before), after: endpointView(after) });
        res.json(endpointView(after));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/webhooks/endpoints/:id',
      operationId: 'deleteWebhookEndpoint',
      summary: 'Delete a webhook endpoint and its delivery log',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await mustGet(params.id);
        await endpoints().delete({ id: params.id });
        await ctx.audit(req, principal, { action: 'webhook_endpoint.delete', target_type: 'webhook_endpoint', target_id: params.id, before: endpointView(before), after: null });
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/webhooks/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'The webhook delivery log, newest first',
      tags: TAGS,
      access: ADMIN,
      query: deliveriesQuery,
      responses: { 200: { description: 'one page', schema: z.object({ items: z.array(deliveryOut), total: z.number() }) } },
      handler: async ({ res, query }) => {
        const where = {
          ...(query.endpoint_id !== undefined ? { endpoint_id: query.endpoint_id } : {}),
          ...(query.status !== undefined ? { status: query.status } : {}),
          ...(query.event !== undefined ? { event: query.event } : {}),
        };
        const [rows, total] = await ds.getRepository<WebhookDeliveryRow>(WebhookDeliverySchema).findAndCount({ where, order: { id: 'DESC' }, skip: query.offset, take: query.limit });
        res.json({ items: rows.map(deliveryView), total });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/webhooks/deliveries/:id',
      operationId: 'getWebhookDelivery',
      summary: 'One delivery: its body and every attempt',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      responses: { 200: { description: 'the delivery', schema: deliveryOut.extend({ payload: z.unknown(), attempts: z.array(attemptOut) }) } },
      handler: async ({ res, params }) => {
        const row = await ds.getRepository<WebhookDeliveryRow>(WebhookDeliverySchema).findOneBy({ id: params.id });
        if (!row) throw new HttpProblem(404, `webhook delivery ${params.id} does not exist`);
        const attempts = await ds.getRepository<WebhookDeliveryAttemptRow>(WebhookDeliveryAttemptSchema).find({ where: { delivery_id: row.id }, order: { attempt: 'ASC' } });
        res.json({ ...deliveryView(row), payload: JSON.parse(row.payload) as unknown, attempts: attempts.map(({ id: _id, delivery_id: _d, ...a }) => a) });
      },
    }),
  ];
}
