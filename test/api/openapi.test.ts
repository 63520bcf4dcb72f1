import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { toOpenApiPath } from '../../src/api/openapi';
import { startTestApi, type TestApi } from './helpers';

interface Op {
  operationId: string;
  security: unknown[];
  'x-required-roles': string[];
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; additionalProperties?: boolean } }> };
  responses: Record<string, unknown>;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** Every method+path registered on the express app (walking nested routers too). */
function expressRoutes(app: Express): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.push({ method: m, path: layer.route.path });
      if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

const PUBLIC = new Set(['POST /api/v1/auth/login', 'GET /healthz', 'GET /api/v1/openapi.json']);
// mod_xml_curl sends HTTP Basic (the password is an API key); it cannot send our bearer header.
const BASIC_API_KEY = new Set(['POST /freeswitch/xml-curl', 'POST /freeswitch/xml-cdr']);
// An <audio> element cannot send our header: the file also opens with a play token in the query (?token=), so its
// credentials are optional in the document; the handler still answers 401 without either.
const TOKEN_IN_QUERY = new Set(['GET /api/v1/recordings/:id/file']);

describe('OpenAPI document', () => {
  let api: TestApi;
  let doc: Doc;
  beforeAll(async () => {
    api = await startTestApi();
    const res = await api.fetch('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(() => api.close());

  it('is OpenAPI 3.1 with the security schemes and the Problem schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKeyAuth', 'basicApiKey', 'bearerAuth']);
    expect(doc.components.schemas).toHaveProperty('Problem');
    expect(doc.components.schemas).toHaveProperty('User');
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
  });

  it('lists every express route, and every route but the public ones requires auth and roles', async () => {
    const routes = expressRoutes(createApp(api.deps));
    expect(routes.length).toBeGreaterThanOrEqual(18);
    for (const { method, path } of routes) {
      const op = doc.paths[toOpenApiPath(path)]?.[method];
      expect({ route: `${method} ${path}`, documented: !!op }).toEqual({ route: `${method} ${path}`, documented: true });
      const key = `${method.toUpperCase()} ${path}`;
      if (PUBLIC.has(key)) continue;
      expect(op!.security).toEqual(
        BASIC_API_KEY.has(key) ? [{ basicApiKey: [] }, { apiKeyAuth: [] }] : TOKEN_IN_QUERY.has(key) ? [{}, { bearerAuth: [] }, { apiKeyAuth: [] }] : [{ bearerAuth: [] }, { apiKeyAuth: [] }],
      );
      if (!TOKEN_IN_QUERY.has(key)) expect(op!['x-required-roles'].length).toBeGreaterThan(0);
      expect(op!.responses).toHaveProperty('401');
      // And the server really does refuse an anonymous call.
      // (The token route validates its id before it looks for credentials: give it a well-formed one.)
      const concrete = path.replace(/:([a-z]+)/g, (_m, name: string) => (name === 'id' ? (TOKEN_IN_QUERY.has(key) ? '00000000-0000-4000-8000-000000000000' : '1') : 'abc'));
      const res = await api.fetch(concrete, { method: method.toUpperCase() });
      expect({ route: key, status: res.status }).toEqual({ route: key, status: 401 });
    }
    // The documented operations are exactly the express routes.
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${toOpenApiPath(r.path)}`).sort());
  });

  it('lists the required roles', () => {
    expect(doc.paths['/api/v1/users']!.get!['x-required-roles']).toEqual(['admin']);
    expect(doc.paths['/api/v1/cdrs']!.get!['x-required-roles'].sort()).toEqual(['admin', 'supervisor']);
    expect(doc.paths['/api/v1/auth/login']!.post!.security).toEqual([]);
  });

  it('documents bodies and query strings from the same zod schemas', () => {
    const create = doc.paths['/api/v1/users']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(create.properties!).sort()).toEqual(['disabled', 'display_name', 'password', 'role', 'username']);
    expect(create.additionalProperties).toBe(false);
    const cdrParams = doc.paths['/api/v1/cdrs']!.get!.parameters!.map((p) => `${p.in}:${p.name}`).sort();
    expect(cdrParams).toEqual(
      ['call_uuid', 'cause', 'direction', 'from', 'limit', 'node', 'number', 'number_match', 'offset', 'to', 'uuid'].map((n) => `query:${n}`).sort(),
    );
    // The README's PUT /api/v1/auth/password: a PUT in the document too, and no POST.
    expect(doc.paths['/api/v1/auth/password']!.put).toBeDefined();
    expect(doc.paths['/api/v1/auth/password']!.post).toBeUndefined();
    expect(doc.paths['/api/v1/users/{id}']!.get!.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
  });
});
