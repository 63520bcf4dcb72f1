import { CdrSchema, type CdrRow } from '../../src/db/entities/cdr';
import { problemOf, startTestApi, type TestApi } from './helpers';

type Page = { total: number; limit: number; offset: number; items: Array<Record<string, unknown>> };

const T0 = Date.UTC(2026, 0, 10, 9, 0, 0);

function cdr(i: number, over: Partial<CdrRow> = {}): Partial<CdrRow> {
  const start = new Date(T0 + i * 60_000);
  return {
    uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    fs_node: i % 2 === 0 ? 'fs-a' : 'fs-b',
    direction: i % 3 === 0 ? 'outbound' : 'inbound',
    caller_number: `+1555000${String(i).padStart(4, '0')}`,
    caller_name: `Caller ${i}`,
    destination_number: i % 4 === 0 ? '1000' : '2000',
    start_at: start,
    answer_at: new Date(start.getTime() + 5_000),
    end_at: new Date(start.getTime() + 35_000),
    duration_s: 35,
    billsec: 30,
    hangup_cause: i % 5 === 0 ? 'NO_ANSWER' : 'NORMAL_CLEARING',
    created_at: new Date(start.getTime() + 36_000),
    ...over,
  };
}

describe('CDR search API', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    const repo = api.ds.getRepository<CdrRow>(CdrSchema);
    for (let i = 1; i <= 25; i++) await repo.insert(cdr(i) as never);
  });
  afterAll(() => api.close());

  const search = async (qs: string, token = api.tokens.supervisor): Promise<Page> => {
    const res = await api.fetch(`/api/v1/cdrs${qs}`, { token });
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };

  it('lists newest first with a default page size', async () => {
    const page = await search('');
    expect(page.total).toBe(25);
    expect(page.limit).toBe(50);
    expect(page.offset).toBe(0);
    expect(page.items).toHaveLength(25);
    expect(page.items[0]!.uuid).toBe(cdr(25).uuid);
  });

  it('pages with limit and offset', async () => {
    const p1 = await search('?limit=10');
    const p2 = await search('?limit=10&offset=10');
    const p3 = await search('?limit=10&offset=20');
    expect([p1.items.length, p2.items.length, p3.items.length]).toEqual([10, 10, 5]);
    const all = [...p1.items, ...p2.items, ...p3.items].map((c) => c.uuid);
    expect(new Set(all).size).toBe(25);
    expect(p2.total).toBe(25);
  });

  it('filters by node, direction, cause, number and uuid', async () => {
    expect((await search('?node=fs-a')).total).toBe(12);
    expect((await search('?direction=outbound')).total).toBe(8);
    expect((await search('?cause=NO_ANSWER')).total).toBe(5);
    const byNumber = await search(`?number=${encodeURIComponent('+15550000007')}`);
    expect(byNumber.items.map((c) => c.uuid)).toEqual([cdr(7).uuid]);
    expect((await search('?number=1000')).total).toBe(6);
    expect((await search(`?uuid=${cdr(3).uuid}`)).items).toHaveLength(1);
    // A trailing * is a prefix match: +15550000001 .. +15550000009.
    expect((await search(`?number=${encodeURIComponent('+1555000000*')}`)).total).toBe(9);
    expect((await search('?cause=no_answer')).total).toBe(5);
    // fs-a (even) and outbound (multiple of 3): 6, 12, 18, 24; none of them is NO_ANSWER (multiple of 5).
    expect((await search('?node=fs-a&direction=outbound&cause=NORMAL_CLEARING')).total).toBe(4);
    expect((await search('?node=fs-a&direction=outbound&cause=NO_ANSWER')).total).toBe(0);
  });

  it('number search over HTTP: an unescaped + (a space on the wire), prefix, suffix, number_match', async () => {
    // `+` unescaped in a query string decodes to a space; the search reads it back as +.
    expect((await search('?number=+15550000007')).items.map((c) => c.uuid)).toEqual([cdr(7).uuid]);
    expect((await search('?number=+1555000000*')).total).toBe(9);
    // Bare digits match the numbers stored with a +.
    expect((await search('?number=1555000000*')).total).toBe(9);
    expect((await search('?number=*0007')).items.map((c) => c.uuid)).toEqual([cdr(7).uuid]);
    expect((await search('?number=0007&number_match=suffix')).items.map((c) => c.uuid)).toEqual([cdr(7).uuid]);
    expect((await search(`?number=${encodeURIComponent('*0007')}&number_match=exact`)).total).toBe(0);
    const bad = await api.fetch('/api/v1/cdrs?number=1&number_match=middle', { token: api.tokens.admin });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors?.[0]?.field).toBe('number_match');
  });

  it('filters by time range', async () => {
    const from = new Date(T0 + 10 * 60_000).toISOString();
    const to = new Date(T0 + 15 * 60_000).toISOString();
    const page = await search(`?from=${from}&to=${to}`);
    expect(page.items.map((c) => c.uuid).sort()).toEqual([10, 11, 12, 13, 14].map((i) => cdr(i).uuid).sort());
    const bad = await api.fetch(`/api/v1/cdrs?from=${to}&to=${from}`, { token: api.tokens.admin });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors?.[0]?.field).toBe('to');
  });

  it('gets one CDR by uuid, 404 when absent', async () => {
    const res = await api.fetch(`/api/v1/cdrs/${cdr(4).uuid}`, { token: api.tokens.admin });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ uuid: cdr(4).uuid, fs_node: 'fs-a' });
    const missing = await api.fetch('/api/v1/cdrs/ffffffff-ffff-4fff-8fff-ffffffffffff', { token: api.tokens.admin });
    expect(missing.status).toBe(404);
    await problemOf(missing);
  });

  it('agents get 403', async () => {
    const res = await api.fetch('/api/v1/cdrs', { token: api.tokens.agent });
    expect(res.status).toBe(403);
    await problemOf(res);
  });

  it('hostile query strings match nothing and break nothing', async () => {
    const hostile = ["' OR '1'='1", "1' OR 1=1 --", '"; DROP TABLE cdrs; --', '%', '_', '%%', "\\'", 'NORMAL_CLEARING\' OR \'a\'=\'a', '\u0000', '😀'.repeat(10)];
    for (const h of hostile) {
      for (const field of ['number', 'cause', 'node', 'uuid']) {
        const page = await search(`?${field}=${encodeURIComponent(h)}`);
        expect({ field, h, total: page.total }).toEqual({ field, h, total: 0 });
      }
      const byPath = await api.fetch(`/api/v1/cdrs/${encodeURIComponent(h)}`, { token: api.tokens.admin });
      expect([400, 404]).toContain(byPath.status);
      await problemOf(byPath);
    }
    // Everything is still there.
    expect((await search('')).total).toBe(25);
  });
});
