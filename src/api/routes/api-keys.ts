import { z } from 'zod';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { revalidateLiveConnections } from '../../acd/live';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { apiKeyOut, roleSchema } from '../schemas';
import { idParam } from '../validation';

const createBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .meta({ description: 'what the key is for, e.g. "prometheus"' }),
  role: roleSchema,
});

const createdOut = z.object({
  api_key: apiKeyOut,
  key: z.string().meta({ description: 'the key itself: shown only in this response; send it as X-API-Key' }),
});

const ADMIN = roles('admin');

export function apiKeyRoutes(ctx: ApiContext): AnyRoute[] {
  const { apiKeys } = ctx;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/api-keys',
      operationId: 'listApiKeys',
      summary: 'List API keys (never the keys themselves)',
      tags: ['api-keys'],
      access: ADMIN,
      responses: { 200: { description: 'all keys, revoked ones included', schema: z.object({ items: z.array(apiKeyOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: await apiKeys.list() });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/api-keys',
      operationId: 'createApiKey',
      summary: 'Create an API key for a machine',
      description: 'The response holds the key; it is stored only as a hash and cannot be shown again.',
      tags: ['api-keys'],
      access: ADMIN,
      body: createBody,
      responses: { 201: { description: 'created', schema: createdOut } },
      handler: async ({ req, res, principal, body }) => {
        const { key, apiKey } = await apiKeys.create({
          name: body.name,
          role: body.role,
          created_by: principal?.kind === 'user' ? principal.id : null,
        });
        await ctx.audit(req, principal, { action: 'api_key.create', target_type: 'api_key', target_id: apiKey.id, before: null, after: apiKey });
        res.status(201).location(`/api/v1/api-keys/${apiKey.id}`).json({ api_key: apiKey, key });
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/api-keys/:id',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      description: 'The key stops working at once; its record stays, with revoked_at set.',
      tags: ['api-keys'],
      access: ADMIN,
      params: z.strictObject({ id: idParam }),
      responses: { 200: { description: 'the revoked key', schema: apiKeyOut } },
      handler: async ({ req, res, principal, params }) => {
        const existing = await apiKeys.get(params.id);
        if (!existing) throw new HttpProblem(404, `API key ${params.id} does not exist`);
        const { before, after } = await apiKeys.revoke(params.id);
        if (!before.revoked_at)
          await ctx.audit(req, principal, { action: 'api_key.revoke', target_type: 'api_key', target_id: params.id, before, after });
        revalidateLiveConnections();
        res.json(after);
      },
    }),
  ];
}
