import { createApiContext } from '../../src/api/app';
import { PASSWORDS, startTestApi, type TestApi } from './helpers';

type Who = 'anonymous' | 'agent' | 'supervisor' | 'admin' | 'keyAgent' | 'keySupervisor' | 'keyAdmin';
const WHO: Who[] = ['anonymous', 'agent', 'supervisor', 'admin', 'keyAgent', 'keySupervisor', 'keyAdmin'];

interface Case {
  method: string;
  /** Express pattern, to check every registered route has a case. */
  route: string;
  /** Concrete path for a caller (ids of throwaway rows may differ per caller). */
  path: (who: Who) => string | Promise<string>;
  body?: (who: Who) => unknown;
  expect: Record<Who, number>;
}

function same(anonymous: number, agent: number, supervisor: number, admin: number, keys?: Partial<Record<Who, number>>): Record<Who, number> {
  return { anonymous, agent, supervisor, admin, keyAgent: agent, keySupervisor: supervisor, keyAdmin: admin, ...keys };
}

describe('role access matrix: every route x every kind of caller', () => {
  let api: TestApi;
  const keys: Partial<Record<Who, string>> = {};
  let n = 0;

  const throwawayUser = async (): Promise<number> =>
    (await api.users.create({ username: `throwaway${++n}`, password: 'throwaway-pass-1', role: 'agent' })).id;
  const throwawayKey = async (): Promise<number> => {
    const res = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name: `k${++n}`, role: 'agent' } });
    return ((await res.json()) as { api_key: { id: number } }).api_key.id;
  };

  const cases: Case[] = [
    { method: 'GET', route: '/healthz', path: () => '/healthz', expect: same(200, 200, 200, 200) },
    { method: 'GET', route: '/metrics', path: () => '/metrics', expect: same(401, 403, 200, 200, { keyAgent: 200 }) },
    { method: 'GET', route: '/api/v1/openapi.json', path: () => '/api/v1/openapi.json', expect: same(200, 200, 200, 200) },
    {
      method: 'POST',
      route: '/api/v1/auth/login',
      path: () => '/api/v1/auth/login',
      body: () => ({ username: 'admin1', password: PASSWORDS.admin }),
      expect: same(200, 200, 200, 200),
    },
    { method: 'GET', route: '/api/v1/auth/me', path: () => '/api/v1/auth/me', expect: same(401, 200, 200, 200) },
    {
      method: 'PUT',
      route: '/api/v1/auth/password',
      path: () => '/api/v1/auth/password',
      body: () => ({ current_password: 'not-the-password', new_password: 'another-pass-123' }),
      // Users reach the password check (400: wrong current password); API keys have no password (403).
      expect: same(401, 400, 400, 400, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }),
    },
    { method: 'GET', route: '/api/v1/users', path: () => '/api/v1/users', expect: same(401, 403, 403, 200) },
    {
      method: 'POST',
      route: '/api/v1/users',
      path: () => '/api/v1/users',
      body: (who) => ({ username: `new-${who}-${++n}`, password: 'new-user-pass-1', role: 'agent' }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'GET', route: '/api/v1/users/:id', path: () => `/api/v1/users/${api.ids.agent}`, expect: same(401, 403, 403, 200) },
    {
      method: 'PATCH',
      route: '/api/v1/users/:id',
      path: () => `/api/v1/users/${api.ids.agent}`,
      body: (who) => ({ display_name: `set by ${who}` }),
      expect: same(401, 403, 403, 200),
    },
    {
      method: 'PUT',
      route: '/api/v1/users/:id/password',
      path: async () => `/api/v1/users/${await throwawayUser()}/password`,
      body: () => ({ password: 'reset-pass-1234' }),
      expect: same(401, 403, 403, 204),
    },
    { method: 'DELETE', route: '/api/v1/users/:id', path: async () => `/api/v1/users/${await throwawayUser()}`, expect: same(401, 403, 403, 204) },
    { method: 'GET', route: '/api/v1/api-keys', path: () => '/api/v1/api-keys', expect: same(401, 403, 403, 200) },
    {
      method: 'POST',
      route: '/api/v1/api-keys',
      path: () => '/api/v1/api-keys',
      body: (who) => ({ name: `key by ${who}`, role: 'agent' }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'DELETE', route: '/api/v1/api-keys/:id', path: async () => `/api/v1/api-keys/${await throwawayKey()}`, expect: same(401, 403, 403, 200) },
    { method: 'GET', route: '/api/v1/cdrs', path: () => '/api/v1/cdrs', expect: same(401, 403, 200, 200) },
    {
      method: 'GET',
      route: '/api/v1/cdrs/:uuid',
      path: () => '/api/v1/cdrs/00000000-0000-0000-0000-000000000000',
      expect: same(401, 403, 404, 404),
    },
    { method: 'GET', route: '/api/v1/audit', path: () => '/api/v1/audit', expect: same(401, 403, 403, 200) },
  ];

  beforeAll(async () => {
    api = await startTestApi();
    for (const [who, role] of [
      ['keyAgent', 'agent'],
      ['keySupervisor', 'supervisor'],
      ['keyAdmin', 'admin'],
    ] as const) {
      const res = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name: who, role } });
      keys[who] = ((await res.json()) as { key: string }).key;
    }
  });
  afterAll(() => api.close());

  it('has a case for every registered route', () => {
    const { registry } = createApiContext(api.deps);
    const registered = registry.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    const covered = cases.map((c) => `${c.method} ${c.route}`).sort();
    expect(covered).toEqual(registered);
  });


  it.each(cases.map((c) => [`${c.method} ${c.route}`, c] as const))('%s', async (_name, c) => {
    const got: Partial<Record<Who, number>> = {};
    for (const who of WHO) {
      const path = await c.path(who);
      const auth = who === 'anonymous' ? {} : who.startsWith('key') ? { apiKey: keys[who] } : { token: api.tokens[who as 'agent' | 'supervisor' | 'admin'] };
      const body = c.body?.(who);
      const res = await api.fetch(path, { method: c.method, ...auth, ...(body !== undefined ? { json: body } : {}) });
      got[who] = res.status;
      if (res.status >= 400) expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      await res.arrayBuffer();
    }
    expect(got).toEqual(c.expect);
  });
});
