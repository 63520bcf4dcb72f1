import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VirtualClock } from '../../src/clock/clock';
import { silentLogger } from '../../src/log/logger';
import { ReportFileDrop } from '../../src/reports/file-drop';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';
import { FIXTURE_SETTINGS, insertReportFixture } from './fixture';

describeEachEngine('scheduled report files', (engine) => {
  let db: TestDatabase;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-report-drop-'));
  beforeAll(async () => {
    db = await engine.open();
    await insertReportFixture(db.ds);
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const dropFor = (period: 'day' | 'week', now: string) => {
    const { now: _now, ...settings } = FIXTURE_SETTINGS;
    void _now;
    return new ReportFileDrop(db.ds, { dir: path.join(dir, engine.name, period), cron: '15 0 * * *', period, timeZone: 'America/New_York', settings: async () => settings }, new VirtualClock(Date.parse(now)), silentLogger);
  };

  it('last week by day: one CSV per dimension, the same figures as the report', async () => {
    // Tuesday 2026-03-10 local: the last complete week is the one of Monday 2026-03-02.
    const files = await dropFor('week', '2026-03-10T12:00:00Z').runNow();
    expect(files.map((f) => path.basename(f))).toEqual(['queue', 'agent', 'did', 'category', 'team', 'campaign'].map((d) => `report-${d}-week-2026-03-02.csv`));
    const lines = fs.readFileSync(files[0]!, 'utf8').trim().split('\r\n');
    expect(lines[0]!.startsWith('bucket_start,bucket_end,bucket_label,key,offered,answered')).toBe(true);
    const sales7 = lines.find((l) => l.includes(',2026-03-07,sales,'))!;
    expect(sales7.split(',').slice(4, 8)).toEqual(['4', '2', '2', '1']);
    expect(lines.some((l) => l.includes(',2026-03-09,'))).toBe(false);
    expect(fs.readdirSync(path.dirname(files[0]!)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('yesterday by hour: the 23 local hours of the spring-forward day', async () => {
    const files = await dropFor('day', '2026-03-09T15:00:00Z').runNow();
    expect(path.basename(files[0]!)).toBe('report-queue-day-2026-03-08.csv');
    const lines = fs.readFileSync(files[0]!, 'utf8').trim().split('\r\n');
    // c6 (support, 00:30 local), a CSAT answer (support, 01:00 EST), t1 resolved (sales, 11:00 EDT), c7 (sales, 23:30 EDT).
    expect(lines.slice(1).map((l) => l.split(',').slice(2, 5))).toEqual([
      ['2026-03-08T00:00', 'support', '1'],
      ['2026-03-08T01:00', 'support', '0'],
      ['2026-03-08T11:00', 'sales', '0'],
      ['2026-03-08T23:00', 'sales', '1'],
    ]);
  });

  it('rejects a bad cron expression', () => {
    expect(() => new ReportFileDrop(db.ds, { dir, cron: 'every day', period: 'day', timeZone: 'UTC', settings: async () => FIXTURE_SETTINGS }, new VirtualClock(0), silentLogger)).toThrow('REPORT_DROP_CRON');
  });
});
