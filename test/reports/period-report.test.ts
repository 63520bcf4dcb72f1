import { periodReport, type PeriodReportRow, type ReportDimension } from '../../src/reports/period-report';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';
import { FIXTURE_RANGE, FIXTURE_SETTINGS, insertReportFixture } from './fixture';

describeEachEngine('period reports', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
    await insertReportFixture(db.ds);
  });
  afterAll(() => db?.close());

  const run = (dimension: ReportDimension) => periodReport(db.ds, { ...FIXTURE_RANGE, dimension }, FIXTURE_SETTINGS);
  const find = (rows: PeriodReportRow[], label: string, key: string | null) => {
    const r = rows.find((x) => x.bucket_label === label && x.key === key);
    if (!r) throw new Error(`no row ${label} ${key}: ${JSON.stringify(rows.map((x) => [x.bucket_label, x.key]))}`);
    return r;
  };

  it('by queue: local days (DST day of 23 h), SL with short abandons left out, ASA, AHT, repeats, FCR, CSAT, tickets', async () => {
    const rows = await run('queue');
    expect(rows.map((r) => [r.bucket_label, r.key])).toEqual([
      ['2026-03-07', 'sales'],
      ['2026-03-07', 'support'],
      ['2026-03-08', 'sales'],
      ['2026-03-08', 'support'],
      ['2026-03-09', 'sales'],
    ]);
    expect(find(rows, '2026-03-08', 'sales')).toMatchObject({ bucket_start: '2026-03-08T05:00:00.000Z', bucket_end: '2026-03-09T04:00:00.000Z' });
    expect(find(rows, '2026-03-07', 'sales')).toMatchObject({
      offered: 4,
      answered: 2,
      abandoned: 2,
      short_abandoned: 1,
      answered_in_sl: 1,
      service_level: 0.3333,
      abandon_rate: 0.3333,
      asa_sec: 17.5,
      // Talk 60 + 120 s with 10 + 20 s of hold in it; one 30 s wrap-up: means over the 2 calls.
      aht_talk_sec: 75,
      aht_hold_sec: 15,
      aht_wrap_sec: 15,
      aht_sec: 105,
      wrap_ups: 1,
      holds: 3,
      transfers: 1,
      three_way: 0,
      callbacks_scheduled: 2,
      repeat_calls: 2,
      repeat_rate: 1,
      fcr_calls: 2,
      fcr_repeated: 1,
      fcr: 0.5,
      csat_count: 2,
      csat_mean: 3,
      tickets_opened: 2,
      tickets_resolved: 1,
      tickets_overdue: 1,
    });
    expect(find(rows, '2026-03-07', 'support')).toMatchObject({ offered: 1, answered: 1, answered_in_sl: 1, service_level: 1, asa_sec: 25, repeat_calls: 0, fcr: 1, tickets_opened: 1 });
    expect(find(rows, '2026-03-08', 'support')).toMatchObject({ offered: 1, callbacks: 1, service_level: null, abandon_rate: null, csat_count: 1, csat_mean: 5 });
    expect(find(rows, '2026-03-08', 'sales')).toMatchObject({ offered: 1, overflowed: 1, tickets_resolved: 1 });
    expect(find(rows, '2026-03-09', 'sales')).toMatchObject({ offered: 1, answered: 1, service_level: 1, asa_sec: 5, aht_talk_sec: 10, tickets_opened: 1, fcr: 1, callbacks_scheduled: 1 });
  });

  it('by agent (unanswered calls under the null key) and by DID (from the call data)', async () => {
    const agents = await run('agent');
    expect(find(agents, '2026-03-07', '1')).toMatchObject({ offered: 2, answered: 2, csat_count: 1, csat_mean: 4 });
    expect(find(agents, '2026-03-07', '2')).toMatchObject({ offered: 1, answered: 1, csat_mean: 2 });
    expect(find(agents, '2026-03-07', null)).toMatchObject({ offered: 2, abandoned: 2, short_abandoned: 1, callbacks_scheduled: 0 });
    expect(find(agents, '2026-03-07', '1')).toMatchObject({ callbacks_scheduled: 2 });
    expect(find(agents, '2026-03-09', null)).toMatchObject({ offered: 0, callbacks_scheduled: 1 });
    expect(find(agents, '2026-03-08', '1')).toMatchObject({ offered: 0, csat_count: 1, csat_mean: 5 });
    // State time per local day: agent 2's 23-hour DST day.
    expect(find(agents, '2026-03-07', '1')).toMatchObject({ logged_in_sec: 21_600, wrap_up_sec: 30, occupancy: 0.0042 });
    expect([0, 1, 2].map((d) => find(agents, `2026-03-0${7 + d}`, '2').logged_in_sec)).toEqual([86_400, 82_800, 86_400]);
    expect(find(agents, '2026-03-08', '2')).toMatchObject({ wrap_up_sec: 0, occupancy: 0 });
    const dids = await run('did');
    expect(dids[0]!.logged_in_sec).toBeNull();
    expect(find(dids, '2026-03-07', '+15550001')).toMatchObject({ offered: 2, answered: 2, csat_count: 2, csat_mean: 3, tickets_opened: 2 });
    expect(find(dids, '2026-03-07', null)).toMatchObject({ offered: 3, callbacks_scheduled: 0 });
  });

  it('by team (the answering agent\'s team on the call) and by campaign (the dialer\'s, on the call)', async () => {
    const teams = await run('team');
    expect(teams.map((r) => [r.bucket_label, r.key, r.offered])).toEqual([
      ['2026-03-07', 'north', 2],
      ['2026-03-07', 'south', 1],
      ['2026-03-07', null, 2],
      ['2026-03-08', 'north', 0],
      ['2026-03-08', null, 2],
      ['2026-03-09', 'south', 1],
      ['2026-03-09', null, 0],
    ]);
    // c1 and c5 (23:30 local on the 7th); c5's answer came on the 8th, so the 8th has a row of its survey only.
    expect(find(teams, '2026-03-07', 'north')).toMatchObject({ callbacks_scheduled: 2, answered: 2, three_way: 1, holds: 1, aht_hold_sec: 5, aht_wrap_sec: 15, csat_count: 1, csat_mean: 4, tickets_opened: 2 });
    expect(find(teams, '2026-03-08', 'north')).toMatchObject({ csat_count: 1, csat_mean: 5 });
    expect(find(teams, '2026-03-07', 'south')).toMatchObject({ answered: 1, transfers: 1, holds: 2, aht_talk_sec: 100, aht_hold_sec: 20, aht_wrap_sec: 0, aht_sec: 120, wrap_ups: 0, tickets_opened: 1 });
    expect(find(teams, '2026-03-07', null)).toMatchObject({ abandoned: 2, aht_sec: null });
    const campaigns = await run('campaign');
    expect(find(campaigns, '2026-03-07', '5')).toMatchObject({ offered: 1, answered: 1, aht_sec: 90, csat_count: 1, tickets_opened: 1 });
    expect(find(campaigns, '2026-03-09', '5')).toMatchObject({ offered: 1, tickets_opened: 1, callbacks_scheduled: 1 });
    expect(find(campaigns, '2026-03-07', '5')).toMatchObject({ callbacks_scheduled: 2 });
    expect(find(campaigns, '2026-03-07', null)).toMatchObject({ offered: 4 });
  });

  it('by category: calls per ticket category, FCR of the same category, tickets opened/resolved/overdue', async () => {
    const rows = await run('category');
    const cats = (await db.ds.query('SELECT id, name FROM ticket_categories ORDER BY id')) as Array<{ id: number; name: string }>;
    const [a, b] = cats.map((c) => String(c.id));
    expect(find(rows, '2026-03-07', a!)).toMatchObject({ offered: 2, answered: 2, fcr_calls: 2, fcr_repeated: 1, fcr: 0.5, tickets_opened: 2, tickets_overdue: 1, csat_count: 1 });
    expect(find(rows, '2026-03-07', b!)).toMatchObject({ offered: 1, fcr_calls: 1, fcr_repeated: 0, fcr: 1, tickets_opened: 1, tickets_resolved: 1, csat_mean: 2 });
    expect(find(rows, '2026-03-08', a!)).toMatchObject({ offered: 0, tickets_resolved: 1 });
    expect(find(rows, '2026-03-09', a!)).toMatchObject({ offered: 1, tickets_opened: 1, fcr: 1 });
  });

  it('week and month buckets add up to the same totals', async () => {
    const week = await periodReport(db.ds, { ...FIXTURE_RANGE, bucket: 'week', dimension: 'queue' }, FIXTURE_SETTINGS);
    expect(week.map((r) => r.bucket_label)).toEqual(['2026-03-02', '2026-03-02', '2026-03-09']);
    const month = await periodReport(db.ds, { ...FIXTURE_RANGE, bucket: 'month', dimension: 'queue' }, FIXTURE_SETTINGS);
    expect(month.map((r) => [r.bucket_label, r.key, r.offered])).toEqual([
      ['2026-03', 'sales', 6],
      ['2026-03', 'support', 2],
    ]);
  });
});
