/** The ACD reports as CSV (?format=csv): same rows as the JSON, RFC 4180 quoting, names that cannot run as formulas. */
import { parse } from 'csv-parse/sync';
import { toCsv } from '../../src/api/csv';
import { sqlDateTime } from '../../src/db/entities/columns';
import { engines } from '../helpers/databases';
import { insertQueueCall, startAcdTestApi, type AcdTestApi } from './helpers';

const T = (iso: string) => Date.parse(iso);

/** The reading side is csv-parse, as for lead files: what a spreadsheet or a script would see. */
const parseCsv = (text: string): string[][] => parse(text) as string[][];
const one = (v: string | number | null) => toCsv([{ header: 'x', value: () => v }], [{}]);

describe('csv fields', () => {
  it('quotes commas, quotes and line breaks, and defuses formulas in text', () => {
    expect(one('plain')).toBe('x\r\nplain\r\n');
    expect(one('a,b')).toBe('x\r\n"a,b"\r\n');
    expect(one('say "hi"')).toBe('x\r\n"say ""hi"""\r\n');
    expect(one('two\nlines')).toBe('x\r\n"two\nlines"\r\n');
    expect(one('=1+2')).toBe("x\r\n'=1+2\r\n");
    expect(one('@SUM(A1)')).toBe("x\r\n'@SUM(A1)\r\n");
    expect(one(-3)).toBe('x\r\n-3\r\n');
    expect(one(0.25)).toBe('x\r\n0.25\r\n');
    expect(one(null)).toBe('x\r\n\r\n');
    expect(one(Number.NaN)).toBe('x\r\n\r\n');
    expect(parseCsv(one('two\nlines'))).toEqual([['x'], ['two\nlines']]);
  });
});

describe('ACD reports ?format=csv', () => {
  let api: AcdTestApi;
  const HOSTILE = '=HYPERLINK("http://x"),"Bob"\nSmith';

  beforeAll(async () => {
    api = await startAcdTestApi(engines.sqlite);
    await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'sales', serviceLevelSec: 20 } });
    const agent = await api.fetch('/api/v1/acd/agents', {
      method: 'POST',
      token: api.tokens.admin1,
      json: { user_id: api.userIds.agent1, extension: '1001', name: HOSTILE.replace('\n', ' '), queues: [{ queue: 'sales', tier: 1 }] },
    });
    expect(agent.status).toBe(201);
    const agentId = ((await agent.json()) as { id: number }).id;
    await insertQueueCall(api, { id: 'c1', queue: 'sales', entered_at: T('2026-03-02T09:00:00Z'), outcome: 'answered', answered_at: T('2026-03-02T09:00:10Z'), wait_ms: 10_000, talk_ms: 60_000, agent_id: agentId });
    await insertQueueCall(api, { id: 'c2', queue: 'sales', entered_at: T('2026-03-02T10:00:00Z'), outcome: 'abandoned', wait_ms: 30_000 });
    await api.db.ds.query('INSERT INTO acd_offer_log (offer_id, call_id, agent_id, queue, offered_at, result, ended_at, ring_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      'o1',
      'c1',
      agentId,
      'sales',
      sqlDateTime(T('2026-03-02T09:00:00Z')),
      'answered',
      sqlDateTime(T('2026-03-02T09:00:10Z')),
      10_000,
    ]);
  });
  afterAll(() => api?.close());

  const range = 'from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z';

  it('queue report: the JSON rows as text/csv with a header line, as an attachment', async () => {
    const json = (await (await api.fetch(`/api/v1/acd/reports/queues?${range}`, { token: api.tokens.supervisor1 })).json()) as { items: Array<Record<string, unknown>> };
    const res = await api.fetch(`/api/v1/acd/reports/queues?${range}&format=csv`, { token: api.tokens.supervisor1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="queue-report-day.csv"');
    const rows = parseCsv(await res.text());
    const [header, ...data] = rows;
    expect(header).toEqual(Object.keys(json.items[0]!));
    expect(data).toHaveLength(json.items.length);
    const rec = Object.fromEntries(header!.map((h, i) => [h, data[0]![i]]));
    expect(rec).toMatchObject({ queue: 'sales', bucket_start: '2026-03-02T00:00:00.000Z', offered: '2', answered: '1', abandoned: '1', service_level: '0.5' });
  });

  it('agent report: a hostile agent name stays one field and cannot run as a formula', async () => {
    const res = await api.fetch(`/api/v1/acd/reports/agents?${range}&bucket=hour&format=csv`, { token: api.tokens.admin1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="agent-report-hour.csv"');
    const [header, ...data] = parseCsv(await res.text());
    expect(header!.slice(0, 3)).toEqual(['agent_id', 'name', 'bucket_start']);
    const row = data.find((r) => r[2] === '2026-03-02T09:00:00.000Z')!;
    expect(row).toHaveLength(header!.length);
    expect(row[1]).toBe(`'${HOSTILE.replace('\n', ' ')}`);
  });

  it('an unknown format is a 400 at the field', async () => {
    const res = await api.fetch(`/api/v1/acd/reports/queues?${range}&format=xlsx`, { token: api.tokens.admin1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('format');
  });
});
