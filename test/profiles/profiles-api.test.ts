import { parse } from 'csv-parse/sync';
import { sqlDateTime } from '../../src/db/entities';
import { callerProfilesFor } from '../../src/profiles';
import { startAcdTestApi, type AcdTestApi } from '../acd-api/helpers';
import { describeEachEngine } from '../helpers/databases';

interface Profile {
  id: number;
  phone_e164: string;
  name: string | null;
  vip_level: number;
  tags: string[];
  blocked: boolean;
  crm_id: string | null;
  language: string | null;
  notes: string | null;
  updated_by: string | null;
}

describeEachEngine('caller profile API', (engine) => {
  let api: AcdTestApi;
  beforeAll(async () => {
    api = await startAcdTestApi(engine);
  });
  afterAll(() => api?.close());

  const create = (json: unknown, token = api.tokens.supervisor1) => api.fetch('/api/v1/profiles', { method: 'POST', token, json });
  const audits = async (action: string) =>
    ((await (await api.fetch(`/api/v1/audit?action=${action}&limit=100`, { token: api.tokens.admin1 })).json()) as { items: Array<{ action: string; target_id: string | null; actor_name: string; before: unknown; after: unknown }> }).items.filter(
      (a) => a.action === action,
    );
  const importCsv = (csv: string, query = '', token = api.tokens.supervisor1) =>
    api.fetch(`/api/v1/profiles/import${query}`, { method: 'POST', token, body: csv, headers: { 'content-type': 'text/csv' } });

  it('creates, reads (agents too), finds by number, changes and deletes a profile; every write is audited', async () => {
    const res = await create({ phone: '(415) 555-0111', country: 'us', name: 'Ann Lee', vip_level: 2, language: 'zh-cn', tags: ['driver', 'driver', 'fleet'] });
    expect(res.status).toBe(201);
    const p = (await res.json()) as Profile;
    expect(p).toMatchObject({ phone_e164: '+14155550111', name: 'Ann Lee', vip_level: 2, language: 'zh-CN', tags: ['driver', 'fleet'], blocked: false, updated_by: 'supervisor1' });
    expect(res.headers.get('location')).toBe(`/api/v1/profiles/${p.id}`);

    const got = await api.fetch(`/api/v1/profiles/${p.id}`, { token: api.tokens.agent1 });
    expect(got.status).toBe(200);
    const byNumber = await api.fetch(`/api/v1/profiles/by-number/${encodeURIComponent('+1 415 555 0111')}`, { token: api.tokens.agent1 });
    expect(((await byNumber.json()) as Profile).id).toBe(p.id);
    expect((await api.fetch('/api/v1/profiles/by-number/4155550111?country=US', { token: api.tokens.agent1 })).status).toBe(200);
    expect((await api.fetch('/api/v1/profiles/by-number/4155550199?country=US', { token: api.tokens.agent1 })).status).toBe(404);
    expect((await api.fetch('/api/v1/profiles/by-number/4155550111', { token: api.tokens.agent1 })).status).toBe(400);

    const patched = await api.fetch(`/api/v1/profiles/${p.id}`, { method: 'PATCH', token: api.tokens.admin1, json: { blocked: true, notes: 'abusive caller', name: '' } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ blocked: true, notes: 'abusive caller', name: null, vip_level: 2, updated_by: 'admin1' });

    expect((await api.fetch(`/api/v1/profiles/${p.id}`, { method: 'DELETE', token: api.tokens.admin1 })).status).toBe(204);
    expect((await api.fetch(`/api/v1/profiles/${p.id}`, { token: api.tokens.agent1 })).status).toBe(404);

    expect((await audits('profile.create'))[0]).toMatchObject({ target_id: String(p.id), actor_name: 'supervisor1', before: null });
    expect((await audits('profile.update'))[0]).toMatchObject({ target_id: String(p.id), before: expect.objectContaining({ blocked: false }), after: expect.objectContaining({ blocked: true }) });
    expect((await audits('profile.delete'))[0]).toMatchObject({ target_id: String(p.id), after: null });
  });

  it('refuses agents writing (403), bad fields (400), and a taken number or CRM id (409)', async () => {
    expect((await create({ phone: '+14155550120' }, api.tokens.agent1)).status).toBe(403);
    for (const bad of [{ phone: '+14155550120', vip_level: 6 }, { phone: '+14155550120', language: 'not a tag' }, { phone: '+14155550120', tags: ['has"quote'] }, { phone: '12' }, { phone: '+14155550120', color: 'red' }]) {
      const res = await create(bad);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await create({ phone: '+14155550120', crm_id: 'C-120' })).status).toBe(201);
    expect((await create({ phone: '+14155550120' })).status).toBe(409);
    expect((await create({ phone: '+14155550121', crm_id: 'C-120' })).status).toBe(409);
    expect((await api.fetch('/api/v1/profiles/1', { method: 'PATCH', token: api.tokens.admin1, json: {} })).status).toBe(400);
  });

  it('searches with filters and paging', async () => {
    await create({ phone: '+4930123456', name: 'Greta', tags: ['berlin'], vip_level: 4 });
    await create({ phone: '+4930123457', name: 'Gunter', tags: ['berlin'], blocked: true });
    const search = async (qs: string) => (await (await api.fetch(`/api/v1/profiles?${qs}`, { token: api.tokens.agent1 })).json()) as { items: Profile[]; total: number };
    expect((await search('tag=berlin')).items.map((p) => p.name)).toEqual(['Greta', 'Gunter']);
    expect((await search('tag=berlin&blocked=true')).items.map((p) => p.name)).toEqual(['Gunter']);
    expect((await search('q=gre&vip_level=4')).items.map((p) => p.name)).toEqual(['Greta']);
    const page = await search('tag=berlin&limit=1&offset=1');
    expect(page).toMatchObject({ total: 2, items: [{ name: 'Gunter' }] });
    expect((await api.fetch('/api/v1/profiles?vip_level=9', { token: api.tokens.agent1 })).status).toBe(400);
  });

  it("lists the caller's calls and queue calls, newest first, with the agent, disposition and notes", async () => {
    const p = (await (await create({ phone: '+12125550177', name: 'History' })).json()) as Profile;
    const t = (m: number) => sqlDateTime(Date.UTC(2026, 0, 1, 9, m));
    // The older leg came with the caller id without its + (as some carriers send it).
    for (const [uuid, m, from] of [['cdr-old', 1, '12125550177'], ['cdr-new', 30, '+12125550177']] as const) {
      await api.db.ds.query(
        'INSERT INTO cdrs (uuid, fs_node, direction, caller_number, destination_number, start_at, end_at, duration_s, billsec, hangup_cause, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [uuid, 'fs1', 'inbound', from, '18005550100', t(m), t(m + 2), 120, 100, 'NORMAL_CLEARING', t(m + 2)],
      );
    }
    await api.db.ds.query('INSERT INTO cdrs (uuid, fs_node, direction, caller_number, destination_number, start_at, end_at, duration_s, billsec, hangup_cause, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      'cdr-other', 'fs1', 'inbound', '+12125550999', '18005550100', t(5), t(6), 60, 50, 'NORMAL_CLEARING', t(6),
    ]);
    await api.db.ds.query('INSERT INTO acd_queue_calls (id, fs_node, queue, priority, caller_number, entered_at, offered_count, outcome, disposition, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      'qc-1', 'fs1', 'support', 0, '+12125550177', t(30), 1, 'answered', 'resolved', 'reset the password',
    ]);
    const res = await api.fetch(`/api/v1/profiles/${p.id}/history`, { token: api.tokens.agent1 });
    expect(res.status).toBe(200);
    const h = (await res.json()) as { calls: Array<{ uuid: string }>; queue_calls: Array<{ id: string; queue: string; disposition: string; notes: string; agent_name: string | null }> };
    expect(h.calls.map((c) => c.uuid)).toEqual(['cdr-new', 'cdr-old']);
    expect(h.queue_calls).toEqual([expect.objectContaining({ id: 'qc-1', queue: 'support', disposition: 'resolved', notes: 'reset the password', agent_name: null })]);
    const paged = (await (await api.fetch(`/api/v1/profiles/${p.id}/history?limit=1&offset=1`, { token: api.tokens.agent1 })).json()) as { calls: Array<{ uuid: string }> };
    expect(paged.calls.map((c) => c.uuid)).toEqual(['cdr-old']);
  });

  it('imports a CSV: valid rows upserted by number, every bad row reported with its line, nothing lost', async () => {
    await create({ phone: '+13125550100', name: 'Before', crm_id: 'X-1', notes: 'kept' });
    const csv = [
      'phone,name,crm_id,vip_level,language,tags,blocked',
      '+13125550100,After,X-1,3,en,gold;fleet,no',
      '312 555 0101,National,X-2,0,,,yes',
      'not-a-phone,Bad,X-3,0,,,no',
      '+13125550102,Vip too high,X-4,9,,,no',
      '+13125550103,Stolen crm,X-1,0,,,no',
      '',
      '+13125550104,"Quoted, with comma",X-5,1,fr-CA,a tag,false',
      '+13125550105,Short row',
      '+13125550106,Bad flag,X-6,0,,,maybe',
      "'+13125550107,'=Formula,X-7,0,,,0",
    ].join('\r\n');
    const res = await importCsv(csv, '?country=US');
    expect(res.status).toBe(200);
    const r = (await res.json()) as { rows: number; imported: number; updated: number; rejected: number; blank_lines: number; errors: Array<{ line: number; reason: string; value: string }> };
    // The empty line is not a row.
    expect(r).toMatchObject({ rows: 9, imported: 3, updated: 1, rejected: 5 });
    expect(r.imported + r.updated + r.rejected).toBe(r.rows);
    expect(r.errors.map((e) => e.line)).toEqual([4, 5, 6, 9, 10]);
    expect(r.errors.find((e) => e.line === 6)?.reason).toMatch(/X-1/);
    expect(r.errors.find((e) => e.line === 5)).toMatchObject({ reason: expect.stringMatching(/vip_level/), value: '9' });

    const get = async (n: string) => (await (await api.fetch(`/api/v1/profiles/by-number/${encodeURIComponent(n)}`, { token: api.tokens.agent1 })).json()) as Profile;
    // Columns the file lacks (notes) are kept; the others are set.
    expect(await get('+13125550100')).toMatchObject({ name: 'After', vip_level: 3, language: 'en', tags: ['gold', 'fleet'], blocked: false, notes: 'kept', updated_by: 'supervisor1' });
    expect(await get('+13125550101')).toMatchObject({ name: 'National', blocked: true, tags: [] });
    expect(await get('+13125550104')).toMatchObject({ name: 'Quoted, with comma', language: 'fr-CA', tags: ['a tag'] });
    // The export's formula escaping is undone on import.
    expect(await get('+13125550107')).toMatchObject({ name: '=Formula' });
    expect((await audits('profile.import'))[0]).toMatchObject({ after: expect.objectContaining({ rows: 9, rejected: 5, country: 'US' }) });
  });

  it('refuses an unusable header (422), agents importing (403), non-CSV bodies (415)', async () => {
    const bad = await importCsv('phone,colour\n+13125550199,red\n');
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/colour/);
    expect((await importCsv('name\nx\n')).status).toBe(422);
    expect((await importCsv('phone\n+13125550199\n', '', api.tokens.agent1)).status).toBe(403);
    expect((await api.fetch('/api/v1/profiles/import', { method: 'POST', token: api.tokens.admin1, json: { phone: '+1' } })).status).toBe(415);
  });

  it('exports CSV with formula escaping that imports back unchanged', async () => {
    const res = await api.fetch('/api/v1/profiles/export', { token: api.tokens.admin1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    const formula = rows.find((r) => r.phone === "'+13125550107");
    expect(formula).toMatchObject({ name: "'=Formula", blocked: 'false' });
    expect(rows.find((r) => r.phone === "'+13125550100")).toMatchObject({ tags: 'gold;fleet', vip_level: '3' });
    expect((await api.fetch('/api/v1/profiles/export', { token: api.tokens.agent1 })).status).toBe(403);

    const before = (await (await api.fetch('/api/v1/profiles?limit=500', { token: api.tokens.admin1 })).json()) as { items: Profile[] };
    const again = (await (await importCsv(text)).json()) as { rows: number; updated: number; rejected: number };
    expect(again).toMatchObject({ rows: before.items.length, updated: before.items.length, rejected: 0 });
    const after = (await (await api.fetch('/api/v1/profiles?limit=500', { token: api.tokens.admin1 })).json()) as { items: Profile[] };
    const strip = (p: Profile) => ({ ...p, updated_at: undefined, updated_by: undefined });
    expect(after.items.map(strip)).toEqual(before.items.map(strip));
  });

  it('invalidates the call cache on writes, so the next call sees the change', async () => {
    const profiles = callerProfilesFor(api.db.ds, { clock: api.clock });
    const p = (await (await create({ phone: '+16175550100', name: 'Cached' })).json()) as Profile;
    expect((await profiles.callVariables('+16175550100')).profile_blocked).toBe('false');
    await api.fetch(`/api/v1/profiles/${p.id}`, { method: 'PATCH', token: api.tokens.admin1, json: { blocked: true } });
    expect((await profiles.callVariables('+16175550100')).profile_blocked).toBe('true');
    await importCsv('phone,blocked\n+16175550100,false\n');
    expect((await profiles.callVariables('+16175550100')).profile_blocked).toBe('false');
    await api.fetch(`/api/v1/profiles/${p.id}`, { method: 'DELETE', token: api.tokens.admin1 });
    expect(await profiles.callVariables('+16175550100')).toMatchObject({ profile_id: '', profile_name: '' });
  });
});
