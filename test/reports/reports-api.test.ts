import { CampaignSchema } from '../../src/db/entities';
import { startAcdTestApi, type AcdTestApi } from '../acd-api/helpers';
import { describeEachEngine } from '../helpers/databases';
import { insertReportFixture } from './fixture';

describeEachEngine('period reports API', (engine) => {
  let api: AcdTestApi;
  const get = async (who: string | null, path: string) => {
    const res = await api.fetch(path, who ? { token: api.tokens[who] } : {});
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: text && res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    api = await startAcdTestApi(engine);
    api.deps.config.reports.timeZone = 'America/New_York';
    for (const [name, sl] of [['sales', 20], ['support', 30]] as const) {
      const res = await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name, serviceLevelSec: sl } });
      expect(res.status).toBe(201);
    }
    await insertReportFixture(api.db.ds);
  });
  afterAll(() => api?.close());

  it('401 without credentials, 403 for agents, 200 for supervisors and admins', async () => {
    const path = '/api/v1/reports/queue?from=2026-03-07&to=2026-03-10';
    expect((await get(null, path)).status).toBe(401);
    expect((await get('agent1', path)).status).toBe(403);
    expect((await get('supervisor1', path)).status).toBe(200);
    expect((await get('admin1', path)).status).toBe(200);
  });

  it('local dates are midnights in CENTER_TIME_ZONE; figures use each queue\'s service level', async () => {
    const r = await get('supervisor1', '/api/v1/reports/queue?from=2026-03-07&to=2026-03-10&bucket=day');
    expect(r.status).toBe(200);
    // The test API's clock is 2026-03-02: nothing is overdue yet.
    expect(r.body.items.find((i: { bucket_label: string; key: string }) => i.bucket_label === '2026-03-07' && i.key === 'sales').tickets_overdue).toBe(0);
    api.clock.advance(10 * 86_400_000);
    for (const who of ['admin1', 'supervisor1', 'agent1']) api.tokens[who] = await api.login(who); // the old tokens expired
    const later = await get('supervisor1', '/api/v1/reports/queue?from=2026-03-07&to=2026-03-10&bucket=day');
    expect(later.body.items.find((i: { bucket_label: string; key: string }) => i.bucket_label === '2026-03-07' && i.key === 'sales').tickets_overdue).toBe(1);
    expect(r.body).toMatchObject({ dimension: 'queue', from: '2026-03-07T05:00:00.000Z', to: '2026-03-10T04:00:00.000Z', bucket: 'day', time_zone: 'America/New_York' });
    const sales = r.body.items.find((i: { bucket_label: string; key: string }) => i.bucket_label === '2026-03-07' && i.key === 'sales');
    expect(sales).toMatchObject({ offered: 4, answered: 2, short_abandoned: 1, service_level: 0.3333, csat_mean: 3, fcr: 0.5, name: null });
    const support = r.body.items.find((i: { bucket_label: string; key: string }) => i.bucket_label === '2026-03-07' && i.key === 'support');
    expect(support).toMatchObject({ answered_in_sl: 1, service_level: 1 });
    // Instants with a zone work too.
    const inst = await get('admin1', '/api/v1/reports/queue?from=2026-03-07T05:00:00Z&to=2026-03-10T04:00:00Z&bucket=month');
    expect(inst.body.items.map((i: { key: string; offered: number }) => [i.key, i.offered])).toEqual([['sales', 6], ['support', 2]]);
  });

  it('category rows carry the category name', async () => {
    const r = await get('admin1', '/api/v1/reports/category?from=2026-03-07&to=2026-03-10');
    expect(r.status).toBe(200);
    expect(new Set(r.body.items.map((i: { name: string }) => i.name))).toEqual(new Set(['A', 'B']));
  });

  it('team and campaign dimensions; campaign rows carry the campaign name; the AHT split and transfers in the CSV', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    await api.db.ds.getRepository(CampaignSchema).insert({ id: 5, name: 'Spring renewals', type: 'progressive', queue: 'sales', timezone: 'UTC', window_start: '09:00', window_end: '17:00', enabled: false, settings: '{}', created_at: now, updated_at: now });
    const teams = await get('supervisor1', '/api/v1/reports/team?from=2026-03-07&to=2026-03-10');
    expect(teams.status).toBe(200);
    expect(teams.body.items.find((i: { bucket_label: string; key: string }) => i.bucket_label === '2026-03-07' && i.key === 'south')).toMatchObject({ transfers: 1, holds: 2, aht_hold_sec: 20, name: null });
    const campaigns = await get('supervisor1', '/api/v1/reports/campaign?from=2026-03-07&to=2026-03-10');
    expect(campaigns.body.items.filter((i: { key: string | null }) => i.key === '5').map((i: { name: string }) => i.name)).toEqual(['Spring renewals', 'Spring renewals', 'Spring renewals']);
    const csv = await get('supervisor1', '/api/v1/reports/queue?from=2026-03-07&to=2026-03-10&format=csv');
    const [header, ...lines] = csv.text.trim().split('\r\n');
    const cols = header!.split(',');
    for (const c of ['aht_sec', 'aht_talk_sec', 'aht_hold_sec', 'aht_wrap_sec', 'wrap_ups', 'holds', 'transfers', 'three_way']) expect(cols).toContain(c);
    const sales = lines.find((l) => l.includes(',2026-03-07,sales,'))!.split(',');
    expect([sales[cols.indexOf('aht_talk_sec')], sales[cols.indexOf('aht_hold_sec')], sales[cols.indexOf('aht_wrap_sec')], sales[cols.indexOf('transfers')]]).toEqual(['75', '15', '15', '1']);
  });

  it('format=csv: a header line and the same rows', async () => {
    const r = await get('supervisor1', '/api/v1/reports/agent?from=2026-03-07&to=2026-03-10&format=csv');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/csv/);
    const lines = r.text.trim().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 6)).toEqual(['bucket_start', 'bucket_end', 'bucket_label', 'key', 'name', 'offered']);
    const json = await get('supervisor1', '/api/v1/reports/agent?from=2026-03-07&to=2026-03-10');
    expect(lines).toHaveLength(json.body.items.length + 1);
    expect(lines[1]!.startsWith('2026-03-07T05:00:00.000Z,2026-03-08T05:00:00.000Z,2026-03-07,1,')).toBe(true);
  });

  it.each([
    ['/api/v1/reports/skill?from=2026-03-07&to=2026-03-10', 'dimension'],
    ['/api/v1/reports/queue?from=2026-03-07&to=2026-03-10&bucket=year', 'bucket'],
    ['/api/v1/reports/queue?from=2026-03-10&to=2026-03-07', 'to'],
    ['/api/v1/reports/queue?from=2025-01-01&to=2026-03-07', 'to'],
    ['/api/v1/reports/queue?from=2026-01-01&to=2026-03-07&bucket=hour', 'to'],
    ['/api/v1/reports/queue?from=yesterday&to=2026-03-07', 'from'],
    ['/api/v1/reports/queue?from=2026-02-30T00:00:00&to=2026-03-07', 'from'],
    ['/api/v1/reports/queue?to=2026-03-07', 'from'],
    ['/api/v1/reports/queue?from=2026-02-30&to=2026-03-07', 'from'],
    ['/api/v1/reports/queue?from=2026-03-01&to=2026-03-07&format=xml', 'format'],
    ['/api/v1/reports/queue?from=2026-03-01&to=2026-03-07&queue=sales', 'queue'],
  ])('400 for %s (%s)', async (path, field) => {
    const r = await get('admin1', path);
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/problem\+json/);
    expect(JSON.stringify(JSON.parse(r.text))).toContain(field);
  });
});
