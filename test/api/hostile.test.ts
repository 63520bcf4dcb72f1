import { problemOf, startTestApi, type TestApi } from './helpers';

const HOSTILE = [
  "' OR '1'='1",
  "admin'--",
  'admin1" OR ""="',
  '"; DROP TABLE users; --',
  '1; DELETE FROM users',
  '%',
  '_',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  '\u0000admin1',
  'admin1\u0000',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  '😀'.repeat(50),
  'a'.repeat(300),
];

describe('hostile input', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('hostile usernames at login are plain 401s (or 400 when over-long)', async () => {
    for (const username of HOSTILE) {
      const res = await api.login(username, 'whatever-password');
      expect({ username, status: res.status }).toEqual({ username, status: username.length > 256 ? 400 : 401 });
      await problemOf(res);
    }
    // A wildcard never logs anyone in, and the seeded admin is intact.
    expect((await api.fetch('/api/v1/users', { token: api.tokens.admin })).status).toBe(200);
  });

  it('hostile usernames are refused at user creation with a 400 naming the field', async () => {
    for (const username of HOSTILE.filter((u) => u !== 'constructor')) {
      const res = await api.fetch('/api/v1/users', { method: 'POST', token: api.tokens.admin, json: { username, password: 'hostile-pass-123', role: 'agent' } });
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors?.[0]?.field).toBe('username');
    }
    const list = (await (await api.fetch('/api/v1/users', { token: api.tokens.admin })).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(3);
    // "constructor" is an ordinary, valid name.
    const ok = await api.fetch('/api/v1/users', { method: 'POST', token: api.tokens.admin, json: { username: 'constructor', password: 'hostile-pass-123', role: 'agent' } });
    expect(ok.status).toBe(201);
  });

  it('hostile display names are stored verbatim, never interpreted', async () => {
    const name = `<img src=x onerror=alert(1)> '; DROP TABLE users; --`;
    const res = await api.fetch(`/api/v1/users/${api.ids.agent}`, { method: 'PATCH', token: api.tokens.admin, json: { display_name: name } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { display_name: string }).display_name).toBe(name);
  });

  it('prototype-pollution bodies are rejected as unknown fields', async () => {
    const res = await api.fetch('/api/v1/users', {
      method: 'POST',
      token: api.tokens.admin,
      body: '{"username":"proto-user","password":"proto-pass-1234","role":"agent","__proto__":{"role":"admin"},"constructor":{"x":1}}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect([400, 201]).toContain(res.status);
    if (res.status === 201) expect(((await res.json()) as { role: string }).role).toBe('agent');
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  it('hostile query strings on the audit log match nothing', async () => {
    for (const h of HOSTILE.slice(0, 8)) {
      const res = await api.fetch(`/api/v1/audit?action=${encodeURIComponent(h)}&target_id=${encodeURIComponent(h)}`, { token: api.tokens.admin });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { total: number }).total).toBe(0);
    }
  });

  it('odd paths and percent-encoding errors give problem+json, not stack traces', async () => {
    for (const p of ['/api/v1/users/%E0%A4%A', '/api/v1/%2e%2e/%2e%2e/etc/passwd', '/api/v1/users/1%00', '//api/v1/users']) {
      const res = await api.fetch(p, { token: api.tokens.admin });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const body = await problemOf(res);
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});
