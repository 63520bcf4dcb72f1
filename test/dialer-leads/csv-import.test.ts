import { Readable } from 'node:stream';
import { importLeadsCsv, ImportHeaderError, ImportTooLargeError, mergeLeads, type LeadSink, type PreparedLead } from '../../src/dialer/leads/csv-import';

/** An in-memory sink with the store's merge rule. */
function memorySink(): LeadSink & { leads: Map<string, PreparedLead>; calls: number } {
  const leads = new Map<string, PreparedLead>();
  const sink = {
    leads,
    calls: 0,
    async upsertBatch(batch: PreparedLead[]) {
      sink.calls++;
      let inserted = 0;
      let merged = 0;
      for (const l of batch) {
        const old = leads.get(l.phone_e164);
        if (old) merged++;
        else inserted++;
        leads.set(l.phone_e164, old ? mergeLeads(old, l) : l);
      }
      return { inserted, merged };
    },
  };
  return sink;
}

/** Feeds the text in small chunks, to cross chunk boundaries (CRLF split, multi-byte characters). */
function chunked(text: string | Buffer, size = 7): Readable {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

const run = (text: string, sink = memorySink(), opts = {}) => importLeadsCsv(chunked(text), sink, { defaultCountry: 'US', ...opts });

describe('CSV lead import', () => {
  it('imports, normalises to E.164 and keeps the other columns as fields', async () => {
    const sink = memorySink();
    const r = await run('Phone,Name,Account,Balance\n(212) 555-0123,Ann Lee,A-1,10.50\n+44 20 7946 0958,Bob,B-2,0\n', sink);
    expect(r).toEqual({ rows: 2, imported: 2, merged: 0, rejected: 0, blank_lines: 0, errors: [], errors_truncated: false });
    expect(sink.leads.get('+12125550123')).toEqual({
      phone_e164: '+12125550123',
      phone_raw: '(212) 555-0123',
      name: 'Ann Lee',
      fields: { Account: 'A-1', Balance: '10.50' },
      time_zones: ['America/New_York'],
    });
    expect(sink.leads.get('+442079460958')?.time_zones).toEqual(['Europe/London']);
  });

  it('uses the default country for national numbers', async () => {
    const sink = memorySink();
    await importLeadsCsv(chunked('phone\n020 7946 0958\n'), sink, { defaultCountry: 'GB' });
    expect([...sink.leads.keys()]).toEqual(['+442079460958']);
  });

  it('merges duplicates within the file (same number written differently): one lead, later fields win', async () => {
    const sink = memorySink();
    const r = await run('phone,name,note,extra\n212-555-0123,Ann,first,x\n+1 (212) 555 0123,,second,\n2125550123,Annie,third,\n', sink);
    expect(r).toMatchObject({ rows: 3, imported: 1, merged: 2, rejected: 0 });
    expect(sink.leads.size).toBe(1);
    expect(sink.leads.get('+12125550123')).toMatchObject({ name: 'Annie', fields: { note: 'third', extra: '' } });
  });

  it('merges duplicates across batches and with leads already stored', async () => {
    const sink = memorySink();
    await run('phone,name\n2125550123,Old\n', sink);
    const r = await run('phone,name\n2125550124,A\n2125550125,B\n2125550123,New\n2125550124,A2\n', sink, { batchSize: 2 });
    expect(r).toMatchObject({ rows: 4, imported: 2, merged: 2, rejected: 0 });
    expect(sink.leads.size).toBe(3);
    expect(sink.leads.get('+12125550123')?.name).toBe('New');
    expect(sink.leads.get('+12125550124')?.name).toBe('A2');
  });

  it('reports every broken row with its line, reason and value; counts add up', async () => {
    const csv = [
      'phone,name,city', // 1
      '2125550123,Good,NYC', // 2
      ',No Phone,LA', // 3
      '12345,Short,SF', // 4
      '2125550124,Too,Many,Columns', // 5
      '2125550125,Too few', // 6
      '', // 7 (empty)
      'call me maybe,Words,X', // 8
      '"2125550126","Quoted, with comma","multi', // 9
      'line"', // 10
      '+999 123,Bad country,X', // 11
      '2125550127,Last,OK', // 12
    ].join('\n');
    const r = await run(csv);
    expect(r.rows).toBe(9);
    expect(r.imported + r.merged + r.rejected).toBe(r.rows);
    expect(r).toMatchObject({ imported: 3, merged: 0, rejected: 6, blank_lines: 0 });
    expect(r.errors).toEqual([
      { line: 3, reason: 'phone is empty', value: '' },
      { line: 4, reason: expect.stringMatching(/not a valid number/), value: '12345' },
      { line: 5, reason: 'expected 3 columns, got 4', value: '2125550124,Too,Many,Columns' },
      { line: 6, reason: 'expected 3 columns, got 2', value: '2125550125,Too few' },
      { line: 8, reason: expect.stringMatching(/characters other than digits/), value: 'call me maybe' },
      { line: 11, reason: expect.stringMatching(/not/), value: '+999 123' },
    ]);
  });

  it('handles a BOM, CRLF line ends (split across chunks), blank lines and quoted newlines with right line numbers', async () => {
    const sink = memorySink();
    const csv = '\ufeffPHONE,Name,Notes\r\n\r\n2125550123,"Lee, Ann","says ""hi""\r\non two lines"\r\n   \r\nbad,X,Y\r\n2125550124,B,\r\n';
    const r = await run(csv, sink);
    expect(r).toMatchObject({ rows: 3, imported: 2, rejected: 1, blank_lines: 1 });
    expect(r.errors).toEqual([{ line: 6, reason: expect.any(String), value: 'bad' }]);
    expect(sink.leads.get('+12125550123')).toMatchObject({ name: 'Lee, Ann', fields: { Notes: 'says "hi"\non two lines' } });
  });

  it('never drops rows silently on broken quotes: the swallowed span is one rejected row naming its lines', async () => {
    const r = await run('phone,name\n2125550123,A\n2125550124,"bad"quote\n2125550125,C\n2125550126,"never closed\n2125550127,E\n');
    expect(r.rows).toBe(r.imported + r.merged + r.rejected);
    expect(r.imported).toBeGreaterThanOrEqual(1);
    expect(r.rejected).toBeGreaterThanOrEqual(1);
    const lines = r.errors.map((e) => e.line);
    expect(lines[0]).toBe(3);
    expect(r.errors.map((e) => e.reason).join(' ')).toMatch(/malformed CSV/);
    // Every data line (2..6) is accounted for: imported, or inside a reported span.
    const spans = r.errors.map((e) => /lines (\d+)-(\d+)/.exec(e.reason)).map((m, i) => (m ? [Number(m[1]), Number(m[2])] : [lines[i], lines[i]]));
    const covered = new Set<number>();
    for (const [a, b] of spans) for (let l = a; l <= b; l++) covered.add(l);
    for (let l = 3; l <= 6; l++) expect(covered.has(l)).toBe(true);
  });

  it('keeps hostile strings as inert data and rejects oversized cells', async () => {
    const sink = memorySink();
    const hostile = ['=HYPERLINK("http://x")', "'; DROP TABLE leads;--", '<script>alert(1)</script>', '\u202eevil', '__proto__'];
    const csv = `phone,${hostile.map((_h, i) => `c${i}`).join(',')},__proto__\n2125550123,${hostile.map((h) => `"${h.replace(/"/g, '""')}"`).join(',')},polluted\n2125550124,${'x'.repeat(3000)},a,b,c,d,e\n`;
    const r = await run(csv, sink);
    expect(r).toMatchObject({ rows: 2, imported: 1, rejected: 1 });
    expect(r.errors[0]).toMatchObject({ line: 3, reason: 'column "c0" is longer than 2000 characters' });
    expect(r.errors[0].value.length).toBeLessThanOrEqual(101);
    const lead = sink.leads.get('+12125550123')!;
    expect(lead.fields.c1).toBe("'; DROP TABLE leads;--");
    expect(Object.prototype.hasOwnProperty.call(lead.fields, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(lead.fields)).__proto__).toBe('polluted');
  });

  it("rejects a row whose custom fields would not fit the database", async () => {
    const cols = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const cells = cols.map(() => 'y'.repeat(1900));
    const r = await run(`phone,${cols.join(',')}\n2125550123,${cells.join(',')}\n`);
    expect(r).toMatchObject({ rows: 1, rejected: 1 });
    expect(r.errors[0]).toMatchObject({ line: 2, reason: expect.stringMatching(/at most 65536 are kept/), value: '2125550123' });
  });

  it('caps the listed errors but counts them all', async () => {
    const lines = ['phone'];
    for (let i = 0; i < 250; i++) lines.push('nope');
    const r = await run(lines.join('\n'), memorySink(), { maxErrors: 10 });
    expect(r).toMatchObject({ rows: 250, rejected: 250, errors_truncated: true });
    expect(r.errors).toHaveLength(10);
    expect(r.errors[9].line).toBe(11);
  });

  it('streams a large file in bounded batches', async () => {
    const sink = memorySink();
    function* gen() {
      yield 'phone,name\n';
      for (let i = 0; i < 20_000; i++) yield `+1212${String(5550000 + (i % 9000)).padStart(7, '0')},n${i}\n`;
    }
    const r = await importLeadsCsv(Readable.from(gen()), sink, { defaultCountry: 'US', batchSize: 500 });
    expect(r.rows).toBe(20_000);
    expect(r.imported + r.merged + r.rejected).toBe(20_000);
    expect(sink.leads.size).toBe(r.imported);
    expect(sink.calls).toBeGreaterThan(20);
  });

  it('rejects bad headers before writing anything', async () => {
    await expect(run('name,city\nAnn,NYC\n')).rejects.toThrow(ImportHeaderError);
    await expect(run('')).rejects.toThrow(/no header/);
    await expect(run('phone,Phone\n1,2\n')).rejects.toThrow(/appears twice/);
    await expect(run('phone,,x\n1,2,3\n')).rejects.toThrow(/no name/);
  });

  it('stops at the byte limit', async () => {
    await expect(run(`phone\n${'2125550123\n'.repeat(100)}`, memorySink(), { maxBytes: 200 })).rejects.toThrow(ImportTooLargeError);
  });
});
