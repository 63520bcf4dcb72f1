import { Readable } from 'node:stream';
import { startTestApi, type TestApi } from '../api/helpers';

describe('dialer lead API', () => {
  let api: TestApi;
  let id = 0;
  beforeAll(async () => {
    api = await startTestApi();
    const res = await api.fetch('/api/v1/dialer/campaigns', { method: 'POST', token: api.tokens.admin, json: { name: 'spring', type: 'predictive', queue: 'sales', timezone: 'America/Chicago' } });
    expect(res.status).toBe(201);
    const c = (await res.json()) as { id: number; window_start: string; enabled: boolean };
    expect(c).toMatchObject({ window_start: '09:00', enabled: false });
    id = c.id;
  });
  afterAll(() => api.close());

  const importCsv = (body: NonNullable<RequestInit['body']>, query = '', contentType = 'text/csv; charset=utf-8') =>
    api.fetch(`/api/v1/dialer/campaigns/${id}/leads/import${query}`, { method: 'POST', token: api.tokens.supervisor, body, headers: { 'content-type': contentType } });

  it('imports a streamed (chunked) CSV body and reports rejects with lines', async () => {
    function* gen() {
      yield 'phone,name,acct\n';
      for (let i = 0; i < 3000; i++) yield `212555${String(1000 + (i % 2000)).padStart(4, '0')},n${i},a${i}\n`;
      yield 'garbage,x,y\n';
    }
    const body = Readable.toWeb(Readable.from(gen())) as unknown as NonNullable<RequestInit['body']>;
    const res = await api.fetch(`/api/v1/dialer/campaigns/${id}/leads/import?country=us`, {
      method: 'POST',
      token: api.tokens.supervisor,
      body,
      headers: { 'content-type': 'text/csv' },
      duplex: 'half',
    } as RequestInit & { token: string });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { rows: number; imported: number; merged: number; rejected: number; errors: Array<{ line: number }> };
    expect(r).toMatchObject({ rows: 3001, imported: 2000, merged: 1000, rejected: 1 });
    expect(r.errors).toEqual([{ line: 3002, reason: expect.any(String), value: 'garbage' }]);
    const audit = (await api.ds.query(`SELECT action FROM audit_log WHERE action = 'campaign.leads.import'`)) as unknown[];
    expect(audit).toHaveLength(1);
  });

  it('answers 415 for a JSON body, 422 for a header without phone, 400 for a bad country, 404 for an unknown campaign', async () => {
    expect((await importCsv('{"phone":1}', '', 'application/json')).status).toBe(415);
    const bad = await importCsv('name\nAnn\n');
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/phone/);
    expect((await importCsv('phone\n1\n', '?country=XX')).status).toBe(400);
    const missing = await api.fetch('/api/v1/dialer/campaigns/99999/leads/import', { method: 'POST', token: api.tokens.admin, body: 'phone\n', headers: { 'content-type': 'text/csv' } });
    expect(missing.status).toBe(404);
  });

  it('answers 413 past the byte limit and keeps the connection usable for the answer', async () => {
    api.deps.options = { ...api.deps.options, leadImportMaxBytes: 2000 };
    try {
      const res = await importCsv(`phone\n${'2125559999\n'.repeat(1000)}`);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/larger than 2000 bytes/);
    } finally {
      api.deps.options = { ...api.deps.options, leadImportMaxBytes: undefined };
    }
  });

  it('manages DNC numbers in any written form, with 409 on duplicates', async () => {
    const add = await api.fetch('/api/v1/dialer/dnc', { method: 'POST', token: api.tokens.admin, json: { phone: '(312) 555-0100', campaign_id: id, reason: 'asked' } });
    expect(add.status).toBe(201);
    expect(await add.json()).toMatchObject({ phone_e164: '+13125550100', campaign_id: id });
    expect((await api.fetch('/api/v1/dialer/dnc', { method: 'POST', token: api.tokens.admin, json: { phone: '+13125550100', campaign_id: id } })).status).toBe(409);
    expect((await api.fetch('/api/v1/dialer/dnc', { method: 'POST', token: api.tokens.admin, json: { phone: 'nope' } })).status).toBe(400);
    const list = await api.fetch(`/api/v1/dialer/dnc?campaign_id=${id}`, { token: api.tokens.admin });
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);
    expect((await api.fetch('/api/v1/dialer/dnc?phone=3125550100', { method: 'DELETE', token: api.tokens.admin })).status).toBe(404); // not global
    expect((await api.fetch(`/api/v1/dialer/dnc?phone=3125550100&campaign_id=${id}`, { method: 'DELETE', token: api.tokens.admin })).status).toBe(204);
  });

  it('validates campaign changes', async () => {
    const patch = (json: unknown) => api.fetch(`/api/v1/dialer/campaigns/${id}`, { method: 'PATCH', token: api.tokens.admin, json });
    expect((await patch({ window_start: '25:00' })).status).toBe(400);
    expect((await patch({ timezone: 'Mars/Olympus' })).status).toBe(400);
    expect((await patch({ window_start: '21:00' })).status).toBe(400); // equals window_end
    expect((await patch({ type: 'robocall' })).status).toBe(400);
    const ok = await patch({ window_start: '10:00', enabled: true });
    expect(await ok.json()).toMatchObject({ window_start: '10:00', enabled: true });
    const dup = await api.fetch('/api/v1/dialer/campaigns', { method: 'POST', token: api.tokens.admin, json: { name: 'spring', type: 'preview', queue: 'q' } });
    expect(dup.status).toBe(409);
  });
});
