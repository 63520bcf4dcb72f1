import { createHash } from 'node:crypto';
import { ApiKeySchema, type ApiKeyRow } from '../../src/db/entities/api-key';
import { VirtualClock } from '../../src/clock/clock';
import { problemOf, startTestApi, type TestApi } from './helpers';

describe('API keys', () => {
  let api: TestApi;
  const clock = new VirtualClock(Date.now());
  beforeAll(async () => {
    api = await startTestApi({ clock });
  });
  afterAll(() => api.close());

  const create = async (name: string, role: string) => {
    const res = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name, role } });
    expect(res.status).toBe(201);
    return (await res.json()) as { key: string; api_key: { id: number; key_prefix: string; role: string; created_by: number | null } };
  };

  it('creates a key shown once, stored only as prefix + sha256', async () => {
    const { key, api_key } = await create('prometheus', 'supervisor');
    expect(key).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
    expect(api_key.key_prefix).toBe(key.slice(0, 8));
    expect(api_key.created_by).toBe(api.ids.admin);
    expect(api_key).not.toHaveProperty('key_hash');
    const row = await api.ds.getRepository<ApiKeyRow>(ApiKeySchema).findOneByOrFail({ id: api_key.id });
    expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(key);
    const list = await api.fetch('/api/v1/api-keys', { token: api.tokens.admin });
    const text = await list.text();
    expect(text).toContain('prometheus');
    expect(text).not.toContain(key);
    expect(text).not.toContain(row.key_hash);
  });

  it('authenticates with X-API-Key at the key role, and revocation stops it at once', async () => {
    const { key, api_key } = await create('cdr-export', 'supervisor');
    const me = await api.fetch('/api/v1/auth/me', { apiKey: key });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ type: 'api_key', id: api_key.id, name: 'cdr-export', role: 'supervisor' });
    expect((await api.fetch('/api/v1/cdrs', { apiKey: key })).status).toBe(200);
    expect((await api.fetch('/api/v1/users', { apiKey: key })).status).toBe(403);

    const revoke = await api.fetch(`/api/v1/api-keys/${api_key.id}`, { method: 'DELETE', token: api.tokens.admin });
    expect(revoke.status).toBe(200);
    expect(((await revoke.json()) as { revoked_at: string | null }).revoked_at).not.toBeNull();
    const after = await api.fetch('/api/v1/cdrs', { apiKey: key });
    expect(after.status).toBe(401);
    await problemOf(after);
    // Revoking twice is harmless; unknown ids are 404.
    expect((await api.fetch(`/api/v1/api-keys/${api_key.id}`, { method: 'DELETE', token: api.tokens.admin })).status).toBe(200);
    expect((await api.fetch('/api/v1/api-keys/999999', { method: 'DELETE', token: api.tokens.admin })).status).toBe(404);
  });

  it('refuses wrong, truncated and malformed keys, and both credentials at once', async () => {
    const { key } = await create('other', 'agent');
    const wrong = key.slice(0, -2) + (key.endsWith('AA') ? 'BB' : 'AA');
    for (const k of [wrong, key.slice(0, 20), 'sb_', "sb_' OR '1'='1", 'x'.repeat(10_000)]) {
      const res = await api.fetch('/api/v1/auth/me', { apiKey: k });
      expect(res.status).toBe(401);
      await problemOf(res);
    }
    const both = await api.fetch('/api/v1/auth/me', { apiKey: key, token: api.tokens.admin });
    expect(both.status).toBe(401);
  });

  it('updates last_used_at at most once a minute', async () => {
    const { key, api_key } = await create('scraper', 'agent');
    const repo = api.ds.getRepository<ApiKeyRow>(ApiKeySchema);
    expect((await repo.findOneByOrFail({ id: api_key.id })).last_used_at).toBeNull();
    await api.fetch('/metrics', { apiKey: key });
    const first = (await repo.findOneByOrFail({ id: api_key.id })).last_used_at!;
    expect(new Date(first).getTime()).toBe(clock.now());
    clock.advance(30_000);
    await api.fetch('/metrics', { apiKey: key });
    expect(new Date((await repo.findOneByOrFail({ id: api_key.id })).last_used_at!).getTime()).toBe(new Date(first).getTime());
    clock.advance(31_000);
    await api.fetch('/metrics', { apiKey: key });
    expect(new Date((await repo.findOneByOrFail({ id: api_key.id })).last_used_at!).getTime()).toBe(clock.now());
  });

  it('validates the create body', async () => {
    const res = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name: '', role: 'god', key: 'mine' } });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.errors?.map((e) => e.field).sort()).toEqual(['key', 'name', 'role']);
  });
});
