import { problemOf, startTestApi, type TestApi } from './helpers';

describe('validation and problem details', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ bodyLimit: '2kb' });
  });
  afterAll(() => api.close());

  const post = (path: string, init: RequestInit & { json?: unknown } = {}) =>
    api.fetch(path, { method: 'POST', token: api.tokens.admin, ...init });

  it('rejects an unknown body field, naming it', async () => {
    const res = await post('/api/v1/users', { json: { username: 'valid-name', password: 'long-enough-pass', role: 'agent', is_root: true } });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.errors).toEqual([expect.objectContaining({ location: 'body', field: 'is_root', pointer: '#/is_root' })]);
    expect(p.detail).toContain('is_root');
    expect(p.type).toMatch(/validation-error$/);
  });

  it('rejects a wrong type, naming the field', async () => {
    const res = await post('/api/v1/users', { json: { username: 'valid-name', password: 'long-enough-pass', role: 'agent', disabled: 'yes' } });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.errors?.map((e) => e.field)).toEqual(['disabled']);
    expect(p.detail).toMatch(/"disabled".*boolean/);
  });

  it('names each missing and invalid field', async () => {
    const res = await post('/api/v1/users', { json: { username: 'x', role: 'root' } });
    const p = await problemOf(res);
    expect(res.status).toBe(400);
    expect(p.errors?.map((e) => e.field).sort()).toEqual(['password', 'role', 'username']);
    expect(p.errors?.find((e) => e.field === 'password')?.detail).toBe('is required');
  });

  it('refuses short passwords', async () => {
    const res = await post('/api/v1/users', { json: { username: 'shorty', password: 'elevenchars', role: 'agent' } });
    const p = await problemOf(res);
    expect(p.errors).toEqual([expect.objectContaining({ field: 'password', detail: 'must be at least 12 characters' })]);
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await post('/api/v1/users', { body: '{"username": "a", ', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.detail).toMatch(/not valid JSON/);
    // Also on the public login route.
    const login = await api.fetch('/api/v1/auth/login', { method: 'POST', body: '{oops', headers: { 'Content-Type': 'application/json' } });
    expect(login.status).toBe(400);
    await problemOf(login);
  });

  it('answers a non-object JSON body with 400', async () => {
    for (const body of ['[]', '"str"', 'null', '42']) {
      const res = await post('/api/v1/users', { body, headers: { 'Content-Type': 'application/json' } });
      expect(res.status).toBe(400);
      await problemOf(res);
    }
  });

  it('answers a missing body with 400 "body is required"', async () => {
    const res = await post('/api/v1/users');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).detail).toMatch(/body is required/);
  });

  it('answers a non-JSON content type with 415', async () => {
    const res = await post('/api/v1/users', { body: 'username=a&password=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect((await problemOf(res)).detail).toMatch(/application\/json/);
  });

  it('answers an over-large body with 413', async () => {
    const res = await post('/api/v1/users', { json: { username: 'big', password: 'x'.repeat(5000), role: 'agent' } });
    expect(res.status).toBe(413);
    await problemOf(res);
  });

  it('validates query strings: unknown parameter, bad number, bad date, repeated parameter', async () => {
    const get = (qs: string) => api.fetch(`/api/v1/cdrs?${qs}`, { token: api.tokens.admin });
    let p = await problemOf(await get('bogus=1'));
    expect(p.status).toBe(400);
    expect(p.errors).toEqual([expect.objectContaining({ location: 'query', field: 'bogus' })]);
    p = await problemOf(await get('limit=abc'));
    expect(p.errors?.[0]).toMatchObject({ location: 'query', field: 'limit' });
    p = await problemOf(await get('limit=100000'));
    expect(p.errors?.[0]?.field).toBe('limit');
    p = await problemOf(await get('from=yesterday'));
    expect(p.errors?.[0]).toMatchObject({ field: 'from' });
    expect(p.detail).toContain('from');
    p = await problemOf(await get('number=1&number=2'));
    expect(p.errors?.[0]?.field).toBe('number');
    p = await problemOf(await get('direction=sideways'));
    expect(p.errors?.[0]?.field).toBe('direction');
  });

  it('validates path parameters', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      const res = await api.fetch(`/api/v1/users/${id}`, { token: api.tokens.admin });
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors?.[0]).toMatchObject({ location: 'params', field: 'id' });
    }
    const res = await api.fetch('/api/v1/users/424242', { token: api.tokens.admin });
    expect(res.status).toBe(404);
    await problemOf(res);
  });

  it('answers unknown routes with 404 and wrong methods with 405, as problem+json', async () => {
    const nf = await api.fetch('/api/v1/nope');
    expect(nf.status).toBe(404);
    expect((await problemOf(nf)).instance).toBe('/api/v1/nope');
    const nf2 = await api.fetch('/no-such-page');
    expect(nf2.status).toBe(404);
    await problemOf(nf2);
    const m = await api.fetch('/api/v1/users', { method: 'PUT', token: api.tokens.admin });
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toContain('POST');
    await problemOf(m);
  });

  it('answers 409 for a duplicate username (case-insensitive)', async () => {
    const body = { username: 'Dup-User', password: 'dup-user-pass-1', role: 'agent' };
    expect((await post('/api/v1/users', { json: body })).status).toBe(201);
    const res = await post('/api/v1/users', { json: { ...body, username: 'dup-user' } });
    expect(res.status).toBe(409);
    await problemOf(res);
  });

  it('refuses to demote, disable or delete the last enabled admin (409)', async () => {
    const id = api.ids.admin;
    for (const [method, json] of [
      ['PATCH', { role: 'agent' }],
      ['PATCH', { disabled: true }],
      ['DELETE', undefined],
    ] as const) {
      const res = await api.fetch(`/api/v1/users/${id}`, { method, token: api.tokens.admin, ...(json ? { json } : {}) });
      expect(res.status).toBe(409);
      expect((await problemOf(res)).detail).toMatch(/last enabled admin/);
    }
  });

  it('an empty PATCH is a 400', async () => {
    const res = await api.fetch(`/api/v1/users/${api.ids.agent}`, { method: 'PATCH', token: api.tokens.admin, json: {} });
    expect(res.status).toBe(400);
    await problemOf(res);
  });

  it('sets security headers and no x-powered-by', async () => {
    const res = await api.fetch('/healthz');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const err = await api.fetch('/nope');
    expect(err.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
