import { recordAudit } from '../../src/db/audit';
import { problemOf, startTestApi, type TestApi } from './helpers';

interface AuditItem {
  id: number;
  actor_type: string;
  actor_id: string | number | null;
  actor_name: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  ip: string | null;
  at: string;
}

describe('audit log', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const audit = async (qs = ''): Promise<{ total: number; items: AuditItem[] }> => {
    const res = await api.fetch(`/api/v1/audit${qs}`, { token: api.tokens.admin });
    expect(res.status).toBe(200);
    return (await res.json()) as { total: number; items: AuditItem[] };
  };

  it('records user create, update, password and delete with who, before/after and ip, never a hash', async () => {
    const created = await api.fetch('/api/v1/users', {
      method: 'POST',
      token: api.tokens.admin,
      json: { username: 'audited', password: 'audited-pass-123', role: 'agent', display_name: 'Aud Ited' },
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: number };
    expect(
      (await api.fetch(`/api/v1/users/${user.id}`, { method: 'PATCH', token: api.tokens.admin, json: { role: 'supervisor' } })).status,
    ).toBe(200);
    expect(
      (await api.fetch(`/api/v1/users/${user.id}/password`, { method: 'PUT', token: api.tokens.admin, json: { password: 'audited-pass-456' } })).status,
    ).toBe(204);
    expect((await api.fetch(`/api/v1/users/${user.id}`, { method: 'DELETE', token: api.tokens.admin })).status).toBe(204);

    const { items } = await audit(`?target_type=user&target_id=${user.id}`);
    const byAction = Object.fromEntries(items.map((i) => [i.action, i]));
    expect(Object.keys(byAction).sort()).toEqual(['user.create', 'user.delete', 'user.password', 'user.update']);
    for (const item of items) {
      expect(item).toMatchObject({ actor_type: 'user', actor_name: 'admin1', target_type: 'user', target_id: String(user.id) });
      expect(String(item.actor_id)).toBe(String(api.ids.admin));
      expect(item.ip).toMatch(/127\.0\.0\.1/);
    }
    expect(byAction['user.create']!.before).toBeNull();
    expect(byAction['user.create']!.after).toMatchObject({ username: 'audited', role: 'agent' });
    expect(byAction['user.update']!.before).toMatchObject({ role: 'agent' });
    expect(byAction['user.update']!.after).toMatchObject({ role: 'supervisor' });
    expect(byAction['user.delete']!.before).toMatchObject({ username: 'audited' });
    expect(byAction['user.delete']!.after).toBeNull();
    const text = JSON.stringify(items);
    expect(text).not.toMatch(/password_hash|\$2[aby]\$|audited-pass/);
  });

  it('records API key create and revoke without the key or its hash', async () => {
    const res = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name: 'audited-key', role: 'agent' } });
    const { key, api_key } = (await res.json()) as { key: string; api_key: { id: number } };
    await api.fetch(`/api/v1/api-keys/${api_key.id}`, { method: 'DELETE', token: api.tokens.admin });
    const { items } = await audit(`?target_type=api_key&target_id=${api_key.id}`);
    expect(items.map((i) => i.action).sort()).toEqual(['api_key.create', 'api_key.revoke']);
    const revoke = items.find((i) => i.action === 'api_key.revoke')!;
    expect(revoke.before).toMatchObject({ revoked_at: null });
    expect(revoke.after?.revoked_at).toEqual(expect.any(String));
    const text = JSON.stringify(items);
    expect(text).not.toContain(key);
    expect(text).not.toContain('key_hash');
  });

  it('attributes changes made with an admin API key to the key', async () => {
    const res = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name: 'automation', role: 'admin' } });
    const { key, api_key } = (await res.json()) as { key: string; api_key: { id: number } };
    const created = await api.fetch('/api/v1/users', { method: 'POST', apiKey: key, json: { username: 'by-robot', password: 'robot-made-pass', role: 'agent' } });
    const user = (await created.json()) as { id: number };
    const { items } = await audit(`?action=user.create&target_id=${user.id}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ actor_type: 'api_key', actor_name: 'automation' });
    expect(String(items[0]!.actor_id)).toBe(String(api_key.id));
  });

  it('pages newest first and validates its query', async () => {
    const all = await audit();
    expect(all.total).toBeGreaterThanOrEqual(7);
    const page = await audit('?limit=2&offset=1');
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.id).toBe(all.items[1]!.id);
    expect(all.items[0]!.id).toBeGreaterThan(all.items[1]!.id);
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    expect((await audit(`?from=${hourAgo}`)).total).toBe(all.total);
    expect((await audit(`?from=${inAnHour}`)).total).toBe(0);
    expect((await audit(`?to=${hourAgo}`)).total).toBe(0);
    expect((await audit(`?to=${inAnHour}`)).total).toBe(all.total);
    const bad = await api.fetch('/api/v1/audit?limit=0&sort=asc', { token: api.tokens.admin });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors?.map((e) => e.field).sort()).toEqual(['limit', 'sort']);
  });

  it('a supervisor sees only their own entries, whatever the filters; agents none; admins every entry', async () => {
    const byAdmin = await audit();
    expect(byAdmin.total).toBeGreaterThan(0);
    // An entry the supervisor made (as the supervision service records one).
    await recordAudit(api.ds, { actor_type: 'user', actor_id: api.ids.supervisor, actor_name: 'supervisor1', action: 'supervision.start', target_type: 'acd_agent', target_id: 7, ip: '127.0.0.1' });
    const own = await api.fetch('/api/v1/audit', { token: api.tokens.supervisor });
    expect(own.status).toBe(200);
    const body = (await own.json()) as { total: number; items: AuditItem[] };
    expect(body.total).toBe(1);
    expect(body.items[0]).toMatchObject({ actor_type: 'user', actor_name: 'supervisor1', action: 'supervision.start', target_id: '7' });
    // Filters narrow within their own entries and never widen them.
    const other = await api.fetch('/api/v1/audit?actor_name=admin1', { token: api.tokens.supervisor });
    expect(((await other.json()) as { total: number }).total).toBe(0);
    const filtered = await api.fetch('/api/v1/audit?action=supervision.start&target_id=7', { token: api.tokens.supervisor });
    expect(((await filtered.json()) as { total: number }).total).toBe(1);
    expect((await api.fetch('/api/v1/audit', { token: api.tokens.agent })).status).toBe(403);
    expect((await audit()).total).toBe(byAdmin.total + 1);
  });
});
