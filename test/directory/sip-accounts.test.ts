/** SIP accounts through the API, on SQLite and MariaDB: the password is shown once, only its A1 hash is stored. */
import { createHash } from 'node:crypto';
import type { AuditLogRow } from '../../src/db/entities/audit-log';
import { AuditLogSchema } from '../../src/db/entities/audit-log';
import { SipAccountSchema, type SipAccountRow } from '../../src/db/entities/sip-account';
import { a1Hash } from '../../src/directory/sip-accounts';
import { describeEachEngine } from '../helpers/databases';
import { startEngineApi, type EngineApi } from '../dialplan/helpers';

interface Account {
  id: number;
  user_id: number | null;
  extension: string;
  domain: string;
  display_name: string | null;
  enabled: boolean;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describeEachEngine('SIP accounts API', (engine) => {
  let api: EngineApi;
  beforeAll(async () => {
    api = await startEngineApi(engine);
  });
  afterAll(() => api?.close());

  const admin = () => api.tokens.admin;
  const row = (id: number) => api.ds.getRepository<SipAccountRow>(SipAccountSchema).findOneByOrFail({ id });
  const create = (body: unknown) => api.fetch('/api/v1/sip-accounts', { method: 'POST', token: admin(), json: body });

  it('creates an account with a generated password shown once, storing only md5(ext:domain:password)', async () => {
    const res = await create({ extension: '1001', domain: 'pbx.example.com', display_name: 'Alice Agent', user_id: api.ids.agent });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { sip_account: Account; password: string };
    expect(body.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(body.sip_account).toMatchObject({ extension: '1001', domain: 'pbx.example.com', display_name: 'Alice Agent', user_id: api.ids.agent, enabled: true });
    expect(res.headers.get('location')).toBe(`/api/v1/sip-accounts/${body.sip_account.id}`);

    const stored = await row(body.sip_account.id);
    expect(stored.a1_hash).toBe(md5(`1001:pbx.example.com:${body.password}`));
    expect(a1Hash('1001', 'pbx.example.com', body.password)).toBe(stored.a1_hash);
    expect(JSON.stringify(stored)).not.toContain(body.password);

    // Never again: not in GET, not in the list, not in the audit log.
    const one = await api.fetch(`/api/v1/sip-accounts/${body.sip_account.id}`, { token: admin() });
    const oneText = await one.text();
    expect(oneText).not.toContain(body.password);
    expect(oneText).not.toContain(stored.a1_hash);
    const list = await api.fetch('/api/v1/sip-accounts', { token: admin() });
    const listText = await list.text();
    expect(listText).not.toContain(body.password);
    expect(listText).not.toContain('a1');
    const audit = await api.ds.getRepository<AuditLogRow>(AuditLogSchema).findBy({ action: 'sip_account.create' });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(body.password);
    expect(JSON.stringify(audit)).not.toContain(stored.a1_hash);
    expect(audit[0]).toMatchObject({ actor_name: 'admin1', target_type: 'sip_account', target_id: String(body.sip_account.id) });
  });

  it('refuses a taken extension, invalid extensions and domains, unsafe display names and unknown users', async () => {
    expect((await create({ extension: '1001', domain: 'pbx.example.com' })).status).toBe(409);
    for (const body of [
      { extension: '10 01', domain: 'pbx.example.com' },
      { extension: '-1', domain: 'pbx.example.com' },
      { extension: 'a/b', domain: 'pbx.example.com' },
      { extension: '1002', domain: 'bad domain' },
      { extension: '1002', domain: 'pbx.example.com', display_name: 'x${system(id)}' },
      { extension: '1002', domain: 'pbx.example.com', display_name: 'line\nbreak' },
      { extension: '1002', domain: 'pbx.example.com', user_id: 999999 },
      { extension: '1002', domain: 'pbx.example.com', password: 'chosen-by-me' },
    ]) {
      const res = await create(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('resets the password (new one shown once, new hash), patches and deletes', async () => {
    const { sip_account: acc, password } = (await (await create({ extension: 'agent.7', domain: '10.0.0.5' })).json()) as { sip_account: Account; password: string };
    const res = await api.fetch(`/api/v1/sip-accounts/${acc.id}/reset-password`, { method: 'POST', token: admin() });
    expect(res.status).toBe(200);
    const reset = (await res.json()) as { sip_account: Account; password: string };
    expect(reset.password).not.toBe(password);
    expect((await row(acc.id)).a1_hash).toBe(md5(`agent.7:10.0.0.5:${reset.password}`));
    const [pwAudit] = await api.ds.getRepository<AuditLogRow>(AuditLogSchema).findBy({ action: 'sip_account.password' });
    expect(JSON.stringify(pwAudit)).not.toContain(reset.password);
    expect(pwAudit!.after).toMatchObject({ password_changed: true });

    const patched = await api.fetch(`/api/v1/sip-accounts/${acc.id}`, {
      method: 'PATCH',
      token: admin(),
      json: { display_name: 'Bob <Ops> & "Co"', enabled: false, user_id: api.ids.supervisor },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ display_name: 'Bob <Ops> & "Co"', enabled: false, user_id: api.ids.supervisor });
    const [upd] = await api.ds.getRepository<AuditLogRow>(AuditLogSchema).findBy({ action: 'sip_account.update' });
    expect(upd).toMatchObject({ before: expect.objectContaining({ enabled: true }), after: expect.objectContaining({ enabled: false }) });
    expect((await api.fetch(`/api/v1/sip-accounts/${acc.id}`, { method: 'PATCH', token: admin(), json: { extension: '2000' } })).status).toBe(400);
    expect((await api.fetch(`/api/v1/sip-accounts/${acc.id}`, { method: 'PATCH', token: admin(), json: {} })).status).toBe(400);

    expect((await api.fetch(`/api/v1/sip-accounts/${acc.id}`, { method: 'DELETE', token: admin() })).status).toBe(204);
    expect((await api.fetch(`/api/v1/sip-accounts/${acc.id}`, { token: admin() })).status).toBe(404);
    expect((await api.fetch(`/api/v1/sip-accounts/${acc.id}/reset-password`, { method: 'POST', token: admin() })).status).toBe(404);
    const [del] = await api.ds.getRepository<AuditLogRow>(AuditLogSchema).findBy({ action: 'sip_account.delete' });
    expect(del).toMatchObject({ target_id: String(acc.id), after: null, before: expect.objectContaining({ extension: 'agent.7' }) });
  });

  it('unlinks the account when its user is deleted', async () => {
    const u = await api.fetch('/api/v1/users', { method: 'POST', token: admin(), json: { username: 'leaver', password: 'leaver-password-1', role: 'agent' } });
    const userId = ((await u.json()) as { id: number }).id;
    const { sip_account: acc } = (await (await create({ extension: '1099', domain: 'pbx.example.com', user_id: userId })).json()) as { sip_account: Account };
    expect((await api.fetch(`/api/v1/users/${userId}`, { method: 'DELETE', token: admin() })).status).toBe(204);
    expect((await row(acc.id)).user_id).toBeNull();
  });

  it('admits admins only', async () => {
    const { sip_account: acc } = (await (await create({ extension: '1200', domain: 'pbx.example.com' })).json()) as { sip_account: Account };
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/sip-accounts'],
      ['POST', '/api/v1/sip-accounts', { extension: '1201', domain: 'pbx.example.com' }],
      ['GET', `/api/v1/sip-accounts/${acc.id}`],
      ['PATCH', `/api/v1/sip-accounts/${acc.id}`, { enabled: false }],
      ['POST', `/api/v1/sip-accounts/${acc.id}/reset-password`],
      ['DELETE', `/api/v1/sip-accounts/${acc.id}`],
    ];
    for (const [method, url, body] of routes) {
      const got: Record<string, number> = {};
      for (const who of ['anonymous', 'agent', 'supervisor', 'keyAgent'] as const) {
        const headers: Record<string, string> = {};
        if (who === 'agent' || who === 'supervisor') headers.Authorization = `Bearer ${api.tokens[who]}`;
        if (who === 'keyAgent') headers['X-API-Key'] = api.apiKeys.agent;
        const res = await api.fetch(url, { method, headers, ...(body !== undefined ? { json: body } : {}) });
        got[who] = res.status;
        await res.arrayBuffer();
      }
      expect({ route: `${method} ${url}`, got }).toEqual({ route: `${method} ${url}`, got: { anonymous: 401, agent: 403, supervisor: 403, keyAgent: 403 } });
    }
    expect((await row(acc.id)).enabled).toBe(true);
  });
});
