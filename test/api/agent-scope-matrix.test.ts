/**
 * The team scope on ACD agents, roles x teams, for every route that names an agent. The list of such routes is
 * generated from the registry (a path segment `agents/:param`, or an `agent_id` in params, query or body), so a new
 * route that names an agent without declaring the guard (RouteDef.agent) fails here until it does, or is listed in
 * NOT_SCOPED with the reason.
 *
 * Two agents: R in team red, B in team blue. Callers: an admin and an admin key; a supervisor of red, a supervisor of
 * no team and a supervisor key; agent R, agent B and an agent key. Allowed callers get the route's own answer
 * (`allowed`); the others a 403 from the guard (or from the route's role list).
 */
import { CallControl } from '../../src/acd/runtime/call-control';
import type { Role } from '../../src/auth/roles';
import { createApiContext } from '../../src/api/app';
import type { AnyRoute } from '../../src/api/registry';
import { silentLogger } from '../../src/log/logger';
import { PhoneEndpoints } from '../../src/phones/phone-endpoints';
import { engines } from '../helpers/databases';
import { startAcdTestApi, PASSWORD, type AcdTestApi } from '../acd-api/helpers';

type Who = 'admin' | 'keyAdmin' | 'supRed' | 'supNone' | 'keySupervisor' | 'agentR' | 'agentB' | 'keyAgent';
const WHO: Who[] = ['admin', 'keyAdmin', 'supRed', 'supNone', 'keySupervisor', 'agentR', 'agentB', 'keyAgent'];
type Target = 'R' | 'B';

/** Who the scope admits on each target agent (before the route's role list). */
const IN_SCOPE: Record<Target, Who[]> = {
  R: ['admin', 'keyAdmin', 'supRed', 'agentR'],
  B: ['admin', 'keyAdmin', 'agentB'],
};

interface ScopedCase {
  /** Builds the request for one target agent id. */
  path: (agentId: number) => string;
  body?: (agentId: number) => unknown;
  /** The route's answer for a caller the scope admits (the guard let it through). */
  allowed: number;
  /** Callers whose allowed answer differs (e.g. an API key has no softphone to supervise with). */
  allowedFor?: Partial<Record<Who, number>>;
}

/** Every agent-scoped route, by `METHOD path`. */
const CASES: Record<string, ScopedCase> = {
  // Idempotent: logout of a logged-out agent answers 200 without a change.
  'POST /api/v1/acd/agents/:id/state': { path: (id) => `/api/v1/acd/agents/${id}/state`, body: () => ({ action: 'logout' }), allowed: 200 },
  // No call: call control answers 409.
  'POST /api/v1/acd/agents/:id/call/hangup': { path: (id) => `/api/v1/acd/agents/${id}/call/hangup`, allowed: 409 },
  'POST /api/v1/supervision/agents/:id/hangup': { path: (id) => `/api/v1/supervision/agents/${id}/hangup`, allowed: 409 },
  'POST /api/v1/supervision/agents/:id/state': { path: (id) => `/api/v1/supervision/agents/${id}/state`, body: () => ({ action: 'logout' }), allowed: 200 },
  // The agent is not on a call (409); an admin key has no softphone (403 from supervision, after the scope).
  'POST /api/v1/supervision/sessions': {
    path: () => '/api/v1/supervision/sessions',
    body: (id) => ({ agent_id: id, mode: 'listen' }),
    allowed: 409,
    allowedFor: { keyAdmin: 403 },
  },
  // An agent id the scope admits reaches the lead lookup (no lead 999999: 404).
  'POST /api/v1/dialer/leads/:id/callback': {
    path: () => '/api/v1/dialer/leads/999999/callback',
    body: (id) => ({ at: '2099-01-01T10:00:00Z', agent_id: id }),
    allowed: 404,
  },
};

/**
 * Routes that name an agent but are not scoped, and why. Reads of the roster and figures stay open to every
 * supervisor (the wallboard shows the whole floor); writes of agent configuration are admin-only.
 */
const NOT_SCOPED: Record<string, string> = {
  'GET /api/v1/acd/agents/:id': 'agent configuration: supervisors read every agent, as GET /api/v1/acd/agents',
  'PATCH /api/v1/acd/agents/:id': 'admin only',
  'DELETE /api/v1/acd/agents/:id': 'admin only',
  'GET /api/v1/acd/reports/agents': 'a filter of figures every supervisor may read',
  'GET /api/v1/csat': 'a filter of survey answers every supervisor may read, as the agent reports (agents: only their own)',
  'GET /api/v1/supervision/sessions': "a filter of the caller's own sessions (admins: all)",
  'GET /api/v1/recordings': 'a filter inside the recording scope (src/recording/access.ts), which already limits supervisors to their teams',
};

/** The keys of a zod object schema (through refinements and pipes). */
function keysOf(schema: unknown): string[] {
  const s = schema as { shape?: Record<string, unknown>; def?: { in?: unknown; innerType?: unknown; schema?: unknown } } | undefined;
  if (!s) return [];
  if (s.shape) return Object.keys(s.shape);
  return keysOf(s.def?.in ?? s.def?.innerType ?? s.def?.schema);
}

/** Routes that name an ACD agent. */
function namesAnAgent(r: AnyRoute): boolean {
  return /\/agents\/:[A-Za-z]+/.test(r.path) || [r.params, r.query, r.body].some((s) => keysOf(s).includes('agent_id'));
}

describe('agent scope matrix: every agent-scoped route x roles x teams', () => {
  let api: AcdTestApi;
  const ids: Record<Target, number> = { R: 0, B: 0 };
  const auth: Partial<Record<Who, { token?: string; apiKey?: string }>> = {};

  beforeAll(async () => {
    api = await startAcdTestApi(engines.sqlite);
    const admin = api.tokens.admin1!;
    const post = (path: string, json: unknown, method = 'POST') => api.fetch(path, { method, token: admin, json });
    expect((await post('/api/v1/acd/queues', { name: 'sales' })).status).toBe(201);
    for (const [target, user, ext, team] of [
      ['R', 'agent1', '1001', 'red'],
      ['B', 'agent2', '1002', 'blue'],
    ] as const) {
      const res = await post('/api/v1/acd/agents', { user_id: api.userIds[user], extension: ext, teams: [team], queues: [{ queue: 'sales', tier: 1 }] });
      expect(res.status).toBe(201);
      ids[target] = ((await res.json()) as { id: number }).id;
    }
    const supNone = await api.users.create({ username: 'supnone', password: PASSWORD, role: 'supervisor' });
    expect((await post(`/api/v1/supervision/supervisors/${api.userIds.supervisor1}/teams`, { teams: ['red'] }, 'PUT')).status).toBe(200);
    auth.admin = { token: admin };
    auth.supRed = { token: api.tokens.supervisor1 };
    auth.supNone = { token: await api.login(supNone.username) };
    auth.agentR = { token: api.tokens.agent1 };
    auth.agentB = { token: api.tokens.agent2 };
    for (const [who, role] of [
      ['keyAdmin', 'admin'],
      ['keySupervisor', 'supervisor'],
      ['keyAgent', 'agent'],
    ] as Array<[Who, Role]>) {
      const res = await post('/api/v1/api-keys', { name: who, role });
      auth[who] = { apiKey: ((await res.json()) as { key: string }).key };
    }
    const runtime = await api.startAcd();
    // Call control with no calls and no FreeSWITCH behind it: a hangup that passes the scope finds no call (409).
    api.deps.acdCallControl = new CallControl({
      cluster: { client: () => { throw new Error('no FreeSWITCH in this test'); }, nodeNames: () => [] },
      runtime,
      logger: silentLogger,
      clock: api.clock,
      phones: new PhoneEndpoints({ mode: 'sofia', profile: 'internal', domain: 'example.com' }),
    });
  });
  afterAll(() => api?.close());

  it('every route that names an agent declares the team scope, or says why not', () => {
    const { registry } = createApiContext(api.deps);
    const naming = registry.routes.filter(namesAnAgent).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    const declared = registry.routes.filter((r) => r.agent).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(naming.filter((k) => !declared.includes(k) && !(k in NOT_SCOPED))).toEqual([]);
    // Each scoped route has a case below, and each exemption still exists and is not scoped after all.
    expect(declared.sort()).toEqual(Object.keys(CASES).sort());
    expect(Object.keys(NOT_SCOPED).filter((k) => !naming.includes(k) || declared.includes(k))).toEqual([]);
  });

  it('the OpenAPI document marks the scoped routes and their 403', async () => {
    const doc = (await (await api.fetch('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, { 'x-agent-scope'?: string; responses: Record<string, unknown> }>> };
    for (const key of Object.keys(CASES)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path.replace(/:([A-Za-z]+)/g, '{$1}')]![method.toLowerCase()]!;
      expect(op['x-agent-scope']).toBeDefined();
      expect(op.responses['403']).toBeDefined();
    }
  });

  describe.each(Object.keys(CASES))('%s', (key) => {
    it.each(['R', 'B'] as Target[])('on agent %s', async (target) => {
      const c = CASES[key]!;
      const [method] = key.split(' ') as [string];
      const { registry } = createApiContext(api.deps);
      const route = registry.routes.find((r) => `${r.method.toUpperCase()} ${r.path}` === key)!;
      const roleAdmits = (who: Who): boolean => route.access.kind === 'roles' && route.access.roles.includes(roleOf(who));
      const got: Partial<Record<Who, number>> = {};
      const want: Partial<Record<Who, number>> = {};
      for (const who of WHO) {
        const body = c.body?.(ids[target]);
        const res = await api.fetch(c.path(ids[target]), { method, ...auth[who], ...(body !== undefined ? { json: body } : {}) });
        got[who] = res.status;
        if (res.status >= 400) expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        await res.arrayBuffer();
        want[who] = roleAdmits(who) && IN_SCOPE[target].includes(who) ? (c.allowedFor?.[who] ?? c.allowed) : 403;
      }
      expect(got).toEqual(want);
    });
  });
});

function roleOf(who: Who): Role {
  if (who === 'admin' || who === 'keyAdmin') return 'admin';
  if (who.startsWith('sup') || who === 'keySupervisor') return 'supervisor';
  return 'agent';
}
