import { bucketStart } from '../../src/acd/reports';
import { sqlDateTime } from '../../src/db/entities/columns';
import { problemOf } from '../api/helpers';
import { describeEachEngine } from '../helpers/databases';
import { insertQueueCall, startAcdTestApi, type AcdTestApi } from './helpers';

const T = (iso: string) => Date.parse(iso);

describeEachEngine('ACD reports over history rows', (engine) => {
  let api: AcdTestApi;

  const state = (agent: number, at: string, previous: string, st: string, version: number) =>
    api.db.ds.query('INSERT INTO acd_agent_state_log (agent_id, state, previous, reason, version, at) VALUES (?, ?, ?, ?, ?, ?)', [
      agent,
      st,
      previous,
      null,
      version,
      sqlDateTime(T(at)),
    ]);
  const offer = (agent: number, call: string, at: string, result: string) =>
    api.db.ds.query('INSERT INTO acd_offer_log (offer_id, call_id, agent_id, queue, offered_at, result, ended_at, ring_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      `o-${call}-${at}`,
      call,
      agent,
      'sales',
      sqlDateTime(T(at)),
      result,
      sqlDateTime(T(at) + 5000),
      5000,
    ]);

  beforeAll(async () => {
    api = await startAcdTestApi(engine);
    await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'sales', serviceLevelSec: 20 } });
    const q = (id: string, queue: string, entered: string, over: Parameters<typeof insertQueueCall>[1] extends infer R ? Partial<R> : never) =>
      insertQueueCall(api, { id, queue, entered_at: T(entered), ...over });
    // 2026-03-02 is a Monday.
    await q('c1', 'sales', '2026-03-02T09:00:00Z', { outcome: 'answered', answered_at: T('2026-03-02T09:00:10Z'), wait_ms: 10_000, talk_ms: 120_000, agent_id: 1 });
    await q('c2', 'sales', '2026-03-02T09:30:00Z', { outcome: 'answered', answered_at: T('2026-03-02T09:30:30Z'), wait_ms: 30_000, talk_ms: 60_000, agent_id: 1 });
    await q('c3', 'sales', '2026-03-02T10:00:00Z', { outcome: 'abandoned', wait_ms: 40_000 });
    await q('c4', 'sales', '2026-03-02T10:15:00Z', { outcome: 'overflowed', wait_ms: null });
    await q('c5', 'sales', '2026-03-03T11:00:00Z', { outcome: 'answered', answered_at: T('2026-03-03T11:00:05Z'), wait_ms: 5_000, talk_ms: 200_000, agent_id: 2 });
    await q('c6', 'support', '2026-03-02T12:00:00Z', { outcome: 'abandoned', wait_ms: 3_000 });
    await q('c7', 'sales', '2026-03-05T12:00:00Z', { outcome: 'answered', answered_at: T('2026-03-05T12:00:01Z'), wait_ms: 1_000, talk_ms: 1_000, agent_id: 1 });

    // Agent 1 logs in at 08:00, takes c1, logs out at 10:00.
    await state(1, '2026-03-02T08:00:00Z', 'logged_out', 'available', 1);
    await state(1, '2026-03-02T09:00:00Z', 'available', 'reserved', 2);
    await state(1, '2026-03-02T09:00:10Z', 'reserved', 'on_call', 3);
    await state(1, '2026-03-02T09:02:10Z', 'on_call', 'wrap_up', 4);
    await state(1, '2026-03-02T09:02:40Z', 'wrap_up', 'available', 5);
    await state(1, '2026-03-02T10:00:00Z', 'available', 'logged_out', 6);
    // Agent 2 was already logged in (not ready) before the range.
    await state(2, '2026-03-01T20:00:00Z', 'logged_out', 'available', 1);
    await state(2, '2026-03-01T21:00:00Z', 'available', 'not_ready', 2);
    await state(2, '2026-03-03T08:00:00Z', 'not_ready', 'available', 3);
    await state(2, '2026-03-03T17:00:00Z', 'available', 'logged_out', 4);

    await offer(1, 'c1', '2026-03-02T09:00:00Z', 'answered');
    await offer(1, 'c2', '2026-03-02T09:30:00Z', 'no_answer');
    await offer(1, 'c2', '2026-03-02T09:30:25Z', 'answered');
    await offer(2, 'c5', '2026-03-03T11:00:00Z', 'answered');

    api.clock.advance(7 * 86_400_000); // "now" is after the range (tokens are issued again: the old ones expired)
    for (const u of ['admin1', 'supervisor1', 'agent1']) api.tokens[u] = await api.login(u);
  });
  afterAll(() => api?.close());

  const get = async (path: string) => {
    const res = await api.fetch(path, { token: api.tokens.supervisor1 });
    expect(res.status).toBe(200);
    return (await res.json()) as { bucket: string; items: Array<Record<string, unknown>> };
  };

  it('buckets in UTC hours, days and ISO weeks', () => {
    expect(new Date(bucketStart(T('2026-03-04T13:45:00Z'), 'hour')).toISOString()).toBe('2026-03-04T13:00:00.000Z');
    expect(new Date(bucketStart(T('2026-03-04T13:45:00Z'), 'day')).toISOString()).toBe('2026-03-04T00:00:00.000Z');
    expect(new Date(bucketStart(T('2026-03-08T23:59:00Z'), 'week')).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(bucketStart(T('2026-03-09T00:00:00Z'), 'week')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  });

  it('queue report by day: offered, answered, abandoned, service level, ASA, AHT', async () => {
    const r = await get('/api/v1/acd/reports/queues?from=2026-03-02T00:00:00Z&to=2026-03-04T00:00:00Z&bucket=day');
    expect(r.bucket).toBe('day');
    expect(r.items).toEqual([
      {
        queue: 'sales',
        bucket_start: '2026-03-02T00:00:00.000Z',
        offered: 4,
        answered: 2,
        abandoned: 1,
        overflowed: 1,
        callbacks: 0,
        failed: 0,
        answered_in_sl: 1,
        service_level: 0.3333,
        abandon_rate: 0.3333,
        asa_sec: 20,
        aht_sec: 90,
        max_wait_sec: 40,
      },
      expect.objectContaining({ queue: 'support', bucket_start: '2026-03-02T00:00:00.000Z', offered: 1, abandoned: 1, service_level: 0, abandon_rate: 1, asa_sec: null }),
      expect.objectContaining({ queue: 'sales', bucket_start: '2026-03-03T00:00:00.000Z', offered: 1, answered: 1, service_level: 1, asa_sec: 5, aht_sec: 200 }),
    ]);
  });

  it('queue report by hour and by week, filtered by queue', async () => {
    const hours = await get('/api/v1/acd/reports/queues?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&bucket=hour&queue=sales');
    expect(hours.items.map((i) => [i.bucket_start, i.offered])).toEqual([
      ['2026-03-02T09:00:00.000Z', 2],
      ['2026-03-02T10:00:00.000Z', 2],
    ]);
    const weeks = await get('/api/v1/acd/reports/queues?from=2026-03-01T00:00:00Z&to=2026-03-10T00:00:00Z&bucket=week&queue=sales');
    expect(weeks.items.map((i) => [i.bucket_start, i.offered, i.answered])).toEqual([['2026-03-02T00:00:00.000Z', 6, 4]]);
  });

  it('agent report by day: offers, calls, talk, wrap-up, AHT, time by state and occupancy', async () => {
    const r = await get('/api/v1/acd/reports/agents?from=2026-03-02T00:00:00Z&to=2026-03-04T00:00:00Z&bucket=day');
    const byKey = Object.fromEntries(r.items.map((i) => [`${i.agent_id}@${String(i.bucket_start).slice(0, 10)}`, i]));
    expect(Object.keys(byKey).sort()).toEqual(['1@2026-03-02', '2@2026-03-02', '2@2026-03-03']);
    expect(byKey['1@2026-03-02']).toEqual({
      agent_id: 1,
      name: null,
      bucket_start: '2026-03-02T00:00:00.000Z',
      offers: 3,
      offers_answered: 2,
      offers_missed: 1,
      calls_answered: 2,
      talk_sec: 180,
      wrap_up_sec: 30,
      aht_sec: 105,
      logged_in_sec: 7200,
      available_sec: 7040,
      not_ready_sec: 0,
      reserved_sec: 10,
      on_call_sec: 120,
      occupancy: 0.0208,
    });
    // Agent 2 was not ready since before the range: the whole first day counts as logged in.
    expect(byKey['2@2026-03-02']).toMatchObject({ logged_in_sec: 86_400, not_ready_sec: 86_400, occupancy: 0, calls_answered: 0 });
    expect(byKey['2@2026-03-03']).toMatchObject({ logged_in_sec: 61_200, not_ready_sec: 28_800, available_sec: 32_400, calls_answered: 1, talk_sec: 200, offers: 1 });

    const one = await get('/api/v1/acd/reports/agents?from=2026-03-02T00:00:00Z&to=2026-03-04T00:00:00Z&bucket=day&agent_id=2');
    expect(one.items.map((i) => i.agent_id)).toEqual([2, 2]);
  });

  it('validates and bounds the range', async () => {
    const cases: Array<[string, string]> = [
      ['/api/v1/acd/reports/queues?from=2026-03-04T00:00:00Z&to=2026-03-02T00:00:00Z', 'to'],
      ['/api/v1/acd/reports/queues?from=2026-01-01T00:00:00Z&to=2026-03-02T00:00:00Z&bucket=hour', 'to'],
      ['/api/v1/acd/reports/queues?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&bucket=month', 'bucket'],
      ['/api/v1/acd/reports/agents?to=2026-03-02T00:00:00Z', 'from'],
      ['/api/v1/acd/reports/agents?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&agent_id=x', 'agent_id'],
    ];
    for (const [path, field] of cases) {
      const res = await api.fetch(path, { token: api.tokens.admin1 });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect((await problemOf(res)).errors?.map((e) => e.field)).toContain(field);
    }
    expect((await api.fetch('/api/v1/acd/reports/queues?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z', { token: api.tokens.agent1 })).status).toBe(403);
  });
});
