import { z } from 'zod';
import type { AnyRoute, RouteRegistry } from './registry';
import { problemOut } from './schemas';

type Json = Record<string, unknown>;

export const API_VERSION = '1.0.0';

/** Converts a zod schema to JSON Schema, moving named definitions into `defs` (components.schemas). */
function toSchema(schema: z.ZodType, io: 'input' | 'output', defs: Record<string, unknown>): Json {
  const raw = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  const { $schema: _ignored, $defs, ...rest } = raw;
  void _ignored;
  if ($defs && typeof $defs === 'object') {
    for (const [name, def] of Object.entries($defs as Json)) defs[name] = rewriteRefs(def);
  }
  return rewriteRefs(rest) as Json;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

/** `/api/v1/users/:id` -> `/api/v1/users/{id}` */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(r: AnyRoute, defs: Record<string, unknown>): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [
    ['path', r.params],
    ['query', r.query],
  ] as const) {
    if (!schema) continue;
    const js = toSchema(schema, 'input', defs);
    const props = (js.properties ?? {}) as Record<string, Json>;
    const required = new Set((js.required as string[] | undefined) ?? []);
    for (const [name, prop] of Object.entries(props)) {
      const { description, ...propSchema } = prop;
      out.push({
        name,
        in: where,
        required: where === 'path' ? true : required.has(name),
        ...(description ? { description } : {}),
        schema: propSchema,
      });
    }
  }
  return out;
}

const AGENT_SCOPE =
  'Team scope on the agent it names: admins any agent; supervisors the agents of their teams (a supervisor API key none); agents only themselves.';

function problemResponse(description: string): Json {
  return { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
}

function operation(r: AnyRoute, defs: Record<string, unknown>): Json {
  const requiredRoles = r.access.kind === 'roles' || r.access.kind === 'basic-api-key' ? r.access.roles : [];
  const who =
    r.access.kind === 'public'
      ? 'Public: no authentication.'
      : r.access.kind === 'optional'
        ? 'Authentication optional.'
        : r.access.kind === 'basic-api-key'
          ? `Requires HTTP Basic whose password is an API key of role ${requiredRoles.join(' or ')}.`
          : `Requires role: ${requiredRoles.join(' or ')}${r.access.apiKeys === 'any' ? ', or any API key' : ''}.`;
  const responses: Json = {};
  for (const [status, spec] of Object.entries(r.responses)) {
    const entry: Json = { description: spec.description };
    if (spec.schema) entry.content = { [spec.contentType ?? 'application/json']: { schema: toSchema(spec.schema, 'output', defs) } };
    else if (spec.contentType) entry.content = { [spec.contentType]: { schema: { type: 'string' } } };
    responses[status] = entry;
  }
  if (r.params || r.query || r.body) responses['400'] ??= problemResponse('invalid request (errors[] names each field)');
  if (r.agent) responses['403'] ??= problemResponse('role not allowed, or the agent is outside your scope (supervisors: agents of their teams; agents: themselves)');
  if (r.access.kind === 'roles') {
    responses['401'] ??= problemResponse('missing, invalid or expired credentials');
    responses['403'] ??= problemResponse('role not allowed');
  }
  if (r.params) responses['404'] ??= problemResponse('not found');
  if (r.rawBody) {
    responses['413'] ??= problemResponse('body larger than the limit');
    responses['415'] ??= problemResponse(`body is not ${r.rawBody.contentType}`);
  }
  if (r.body) {
    responses['413'] ??= problemResponse('body larger than the limit');
    responses['415'] ??= problemResponse('body is not application/json');
  }
  if (r.operationId === 'login') responses['429'] ??= problemResponse('too many failed logins; see Retry-After');
  responses['500'] ??= problemResponse('internal error');

  const op: Json = {
    operationId: r.operationId,
    summary: r.summary,
    description: [r.description, who, r.agent ? AGENT_SCOPE : undefined].filter(Boolean).join('\n\n'),
    tags: r.tags,
    'x-required-roles': requiredRoles,
    'x-api-key-any-role': r.access.kind === 'roles' && r.access.apiKeys === 'any',
    ...(r.agent ? { 'x-agent-scope': `${r.agent.in}.${r.agent.field}` } : {}),
    security:
      r.access.kind === 'public'
        ? []
        : r.access.kind === 'optional'
          ? [{}, { bearerAuth: [] }, { apiKeyAuth: [] }]
          : r.access.kind === 'basic-api-key'
            ? [{ basicApiKey: [] }, { apiKeyAuth: [] }]
            : [{ bearerAuth: [] }, { apiKeyAuth: [] }],
    responses,
  };
  const params = parameters(r, defs);
  if (params.length) op.parameters = params;
  if (r.rawBody) op.requestBody = { required: true, description: r.rawBody.description, content: { [r.rawBody.contentType]: { schema: { type: 'string' } } } };
  if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: toSchema(r.body, 'input', defs) } } };
  return op;
}

/** The OpenAPI 3.1 document for every route in the registry. */
export function buildOpenApi(registry: RouteRegistry): Json {
  const defs: Record<string, unknown> = {};
  const paths: Record<string, Json> = {};
  for (const r of registry.routes) {
    const p = toOpenApiPath(r.path);
    paths[p] ??= {};
    paths[p][r.method] = operation(r, defs);
  }
  toSchema(problemOut, 'output', defs);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard API',
      version: API_VERSION,
      description:
        'Call-center control plane for FreeSWITCH. Authenticate with `Authorization: Bearer <token>` from POST /api/v1/auth/login, or `X-API-Key: <key>`. Errors are RFC 9457 problem details.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: defs,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        basicApiKey: { type: 'http', scheme: 'basic', description: 'HTTP Basic; the password is an API key (the user name is ignored)' },
      },
    },
  };
}
