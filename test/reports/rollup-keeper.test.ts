import { VirtualClock } from '../../src/clock/clock';
import { silentLogger } from '../../src/log/logger';
import { rollupSettingsKey } from '../../src/reports/report-slots';
import { ROLLUP_REFRESH_MS, startReportRollup } from '../../src/reports/rollup-keeper';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';
import { FIXTURE_SETTINGS, insertReportFixture } from './fixture';

describeEachEngine('report rollup keeper', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
    await insertReportFixture(db.ds);
  });
  afterAll(() => db?.close());

  const scalar = async (sql: string) => ((await db.ds.query(sql)) as Array<Record<string, unknown>>)[0]!.v;
  async function until(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('timed out');
  }

  it('builds the rollup when it starts, then recomputes the slots marked dirty every minute', async () => {
    const clock = new VirtualClock(Date.parse('2026-03-12T00:00:00Z'));
    const reports = { timeZone: FIXTURE_SETTINGS.timeZone, shortAbandonSec: FIXTURE_SETTINGS.shortAbandonSec, fcrDays: FIXTURE_SETTINGS.fcrDays };
    // The fixture's queues: support at 30 s, the others at the default (20 s).
    const acdConfig = { listQueues: () => [{ name: 'support', config: { serviceLevelSec: 30 } }] } as never;
    const keeper = startReportRollup({ dataSource: db.ds, config: { reports }, acdConfig, clock, logger: silentLogger });
    expect(await scalar('SELECT settings AS v FROM report_rollup_state')).toBeNull();
    keeper.start();
    await until(async () => (await scalar('SELECT settings AS v FROM report_rollup_state')) === rollupSettingsKey(FIXTURE_SETTINGS));
    expect(Number(await scalar('SELECT COUNT(*) AS v FROM report_slots'))).toBeGreaterThan(0);
    expect(Number(await scalar('SELECT COUNT(*) AS v FROM report_rollup_dirty'))).toBe(0);

    await db.ds.query("UPDATE acd_queue_calls SET talk_ms = 99000 WHERE id = 'c1'");
    expect(Number(await scalar('SELECT COUNT(*) AS v FROM report_rollup_dirty'))).toBeGreaterThan(0);
    clock.advance(ROLLUP_REFRESH_MS);
    await until(async () => Number(await scalar('SELECT COUNT(*) AS v FROM report_rollup_dirty')) === 0);
    expect(Number(await scalar("SELECT SUM(talk_ms_sum) AS v FROM report_slots WHERE dimension = 'queue'"))).toBe(99_000 + 120_000 + 30_000 + 10_000 + 1_000);
    await keeper.close();
  });
});
