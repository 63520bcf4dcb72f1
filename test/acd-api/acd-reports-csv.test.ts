/** The ACD reports as CSV (?format=csv): same rows as the JSON, RFC 4180 quoting, names that cannot run as formulas. */
import { csvField, toCsv } from '../../src/api/csv';
import { sqlDateTime } from '../../src/db/entities/columns';
import { engines } from '../helpers/databases';
import { insertQueueCall, startAcdTestApi, type AcdTestApi } from './helpers';

const T = (iso: string) => Date.parse(iso);

/** A minimal RFC 4180 reader for the assertions (quoted fields with doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe('csv fields', () => {
  it('quotes commas, quotes and line breaks, and defuses formulas in text', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe('-3');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(toCsv([{ header: 'x', value: (r: { x: string }) => r.x }], [{ x: 'a' }])).toBe('x\r\na\r\n');
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
