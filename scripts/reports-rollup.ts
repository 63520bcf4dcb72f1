/**
 * Builds the period reports' 15-minute rollup (report_slots, src/reports/report-slots.ts) from the history tables:
 * `npm run reports:rollup`. Without it the first report after an upgrade, or after a change of a queue's service
 * level, REPORT_SHORT_ABANDON_SEC or REPORT_FCR_DAYS, builds it itself and waits for that. Run it with the service's
 * environment (DATABASE_URL, the REPORT_* settings): the rollup is built for the settings it finds there and the
 * queues' current configuration. Safe while the service runs (changes made meanwhile stay marked for the next report).
 */
import { acdConfigStoreFor } from '../src/acd/config-store';
import { systemClock } from '../src/clock/clock';
import { loadConfig } from '../src/config/config';
import { createDataSource, describeDatabase } from '../src/db/data-source';
import { createLogger } from '../src/log/logger';
import { rebuildReportSlots } from '../src/reports/report-slots';
import { periodReportSettings } from '../src/reports/report-settings';

async function main(): Promise<void> {
  if (process.argv.length > 2) throw new Error('usage: npm run reports:rollup (no arguments; settings come from the environment)');
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const ds = createDataSource(config.database, { logger });
  await ds.initialize();
  try {
    const acd = acdConfigStoreFor(ds, { clock: systemClock, logger });
    await acd.ensureLoaded();
    const started = systemClock.now();
    let lastPrint = 0;
    await rebuildReportSlots(ds, periodReportSettings(config.reports, acd, started), {
      onProgress: (done, total) => {
        if (done === total || systemClock.now() - lastPrint > 5000) {
          lastPrint = systemClock.now();
          process.stderr.write(`  ${done}/${total} days\n`);
        }
      },
    });
    process.stdout.write(`report rollup built on ${describeDatabase(config.database)} in ${Math.round((systemClock.now() - started) / 1000)} s\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`reports:rollup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
