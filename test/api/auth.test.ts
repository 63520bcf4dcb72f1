import { VirtualClock } from '../../src/clock/clock';
import { PASSWORDS, problemOf, startTestApi, type TestApi } from './helpers';

describe('auth API', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('logs in with the right password: token, expiry and user without the hash', async () => {
    const res = await api.login('admin1', PASSWORDS.admin);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; token_type: string; expires_at: string; user: Record<string, unknown> };
    expect(body.token.split('.')).toHaveLength(3);
    expect(body.token_type).toBe('Bearer');
    const ttlMs = Date.parse(body.expires_at) - Date.now();
    expect(ttlMs).toBeGreaterThan(api.config.auth.tokenTtlSeconds * 1000 - 10_000);
    expect(ttlMs).toBeLessThanOrEqual(api.config.auth.tokenTtlSeconds * 1000);
    expect(body.user).toMatchObject({ username: 'admin1', role: 'admin', disabled: false });
    expect(body.user).not.toHaveProperty('password_hash');
    expect(JSON.stringify(body)).not.toContain('$2');
  });

  it('usernames are case-insensitive at login', async () => {
    expect((await api.login('ADMIN1', PASSWORDS.admin)).status).toBe(200);
  });

  it('answers a bad password and an unknown user alike, with 401 problem+json', async () => {
    const bad = await api.login('admin1', 'wrong-password-123');
    expect(bad.status).toBe(401);
    const p1 = await problemOf(bad);
    const unknown = await api.login('nobody-here', 'wrong-password-123');
    expect(unknown.status).toBe(401);
    const p2 = await problemOf(unknown);
    expect(p1.detail).toBe(p2.detail);
    expect(p1.instance).toBe('/api/v1/auth/login');
  });

  it('refuses a disabled user, and their existing token stops working', async () => {
    const u = await api.users.create({ username: 'disabled1', password: 'disabled-pass-123', role: 'agent' });
    const ok = await api.login('disabled1', 'disabled-pass-123');
    const token = ((await ok.json()) as { token: string }).token;
    expect((await api.fetch('/api/v1/auth/me', { token })).status).toBe(200);
    await api.users.update(u.id, { disabled: true });
    const res = await api.login('disabled1', 'disabled-pass-123');
    expect(res.status).toBe(401);
    expect((await problemOf(res)).detail).toBe('invalid username or password');
    expect((await api.fetch('/api/v1/auth/me', { token })).status).toBe(401);
  });

  it('GET /auth/me names the caller', async () => {
    const res = await api.fetch('/api/v1/auth/me', { token: api.tokens.supervisor });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'user', username: 'supervisor1', role: 'supervisor' });
    const anon = await api.fetch('/api/v1/auth/me');
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await problemOf(anon);
  });

  it('rejects malformed and forged bearer tokens', async () => {
    for (const authorization of ['Bearer', 'Bearer not.a.jwt', 'Basic YWRtaW46YWRtaW4=', `Bearer ${api.tokens.agent}x`, 'Bearer ' + 'a'.repeat(5000)]) {
      const res = await api.fetch('/api/v1/auth/me', { headers: { Authorization: authorization } });
      expect(res.status).toBe(401);
      await problemOf(res);
    }
  });

  it('a role change applies to existing tokens at once', async () => {
    const u = await api.users.create({ username: 'promote1', password: 'promote-pass-123', role: 'agent' });
    const token = ((await (await api.login('promote1', 'promote-pass-123')).json()) as { token: string }).token;
    expect((await api.fetch('/api/v1/users', { token })).status).toBe(403);
    await api.users.update(u.id, { role: 'admin' });
    expect((await api.fetch('/api/v1/users', { token })).status).toBe(200);
    await api.users.update(u.id, { role: 'agent' });
    expect((await api.fetch('/api/v1/users', { token })).status).toBe(403);
  });

  it('changing your own password ends old tokens and returns a fresh one', async () => {
    await api.users.create({ username: 'selfpw', password: 'self-pass-1234', role: 'agent' });
    const old = ((await (await api.login('selfpw', 'self-pass-1234')).json()) as { token: string }).token;
    const wrong = await api.fetch('/api/v1/auth/password', { method: 'PUT', token: old, json: { current_password: 'nope-nope-nope', new_password: 'self-pass-5678' } });
    expect(wrong.status).toBe(400);
    expect((await problemOf(wrong)).errors?.[0]?.field).toBe('current_password');
    const short = await api.fetch('/api/v1/auth/password', { method: 'PUT', token: old, json: { current_password: 'self-pass-1234', new_password: 'short' } });
    expect(short.status).toBe(400);
    expect((await problemOf(short)).errors?.[0]?.field).toBe('new_password');
    const res = await api.fetch('/api/v1/auth/password', { method: 'PUT', token: old, json: { current_password: 'self-pass-1234', new_password: 'self-pass-5678' } });
    expect(res.status).toBe(200);
    const fresh = ((await res.json()) as { token: string }).token;
    expect((await api.fetch('/api/v1/auth/me', { token: old })).status).toBe(401);
    expect((await api.fetch('/api/v1/auth/me', { token: fresh })).status).toBe(200);
    expect((await api.login('selfpw', 'self-pass-1234')).status).toBe(401);
    expect((await api.login('selfpw', 'self-pass-5678')).status).toBe(200);
  });
});

describe('login rate limiting', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('answers 429 with Retry-After after 10 failures for one username+IP, even for the right password', async () => {
    for (let i = 0; i < 10; i++) expect((await api.login('agent1', `wrong-password-${i}`)).status).toBe(401);
    const limited = await api.login('agent1', 'wrong-password-x');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await problemOf(limited);
    expect((await api.login('agent1', PASSWORDS.agent)).status).toBe(429);
    // Another username from the same address is not locked out.
    expect((await api.login('supervisor1', PASSWORDS.supervisor)).status).toBe(200);
  });
});

describe('token expiry with an injected clock', () => {
  let api: TestApi;
  const clock = new VirtualClock(Date.now());
  beforeAll(async () => {
    api = await startTestApi({ clock, env: { TOKEN_TTL_SECONDS: '600' } });
  });
  afterAll(() => api.close());

  it('accepts a token until its expiry and refuses it after', async () => {
    const res = await api.login('agent1', PASSWORDS.agent);
    const { token, expires_at } = (await res.json()) as { token: string; expires_at: string };
    expect(Date.parse(expires_at)).toBe(Math.floor(clock.now() / 1000) * 1000 + 600_000);
    clock.advance(590_000);
    expect((await api.fetch('/api/v1/auth/me', { token })).status).toBe(200);
    clock.advance(11_000);
    const expired = await api.fetch('/api/v1/auth/me', { token });
    expect(expired.status).toBe(401);
    expect((await problemOf(expired)).detail).toMatch(/expired/);
    expect(expired.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('rate-limit lockout ends when the window passes', async () => {
    for (let i = 0; i < 10; i++) await api.login('supervisor1', 'wrong-password-zz');
    expect((await api.login('supervisor1', PASSWORDS.supervisor)).status).toBe(429);
    clock.advance(5 * 60_000 + 1000);
    expect((await api.login('supervisor1', PASSWORDS.supervisor)).status).toBe(200);
  });
});
