/**
 * On the active instance, brings the period reports' rollup (src/reports/report-slots.ts) up to date once, in the
 * background, when it starts running the contact center: built if it never was (after the upgrade that adds it) or
 * was computed with other settings, else the slots marked dirty since are recomputed. So the first manager to open a
 * report after a restart or an upgrade does not wait for that work. A report arriving meanwhile waits for it (one
 * rollup job at a time per database), then reads the rollup.
 */
import type { DataSource } from 'typeorm';
import type { AcdConfigStoreImpl } from '../acd/config-store';
import type { Clock } from '../clock/clock';
import type { Config } from '../config/config';
import type { Logger } from '../log/logger';
import { updateReportSlots } from './report-slots';
import { periodReportSettings } from './report-settings';

export function startReportRollup(deps: {
  dataSource: DataSource;
  config: Config;
  acdConfig: Pick<AcdConfigStoreImpl, 'listQueues'>;
  clock: Clock;
  logger: Logger;
}): { start(): void; close(): Promise<void> } {
  const log = deps.logger.child({ module: 'report-rollup' });
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  return {
    start() {
      const started = deps.clock.now();
      running ??= updateReportSlots(deps.dataSource, null, periodReportSettings(deps.config.reports, deps.acdConfig, started), { signal: abort.signal }).then(
        () => {
          if (abort.signal.aborted) log.info('report rollup build stopped (shutdown); the next start or report resumes it');
          else log.info('report rollup up to date', { tookMs: deps.clock.now() - started });
        },
        // Not fatal: a report rebuilds or refreshes what it reads itself.
        (err: unknown) => {
          log.warn('report rollup update failed; reports will update it when they run', { error: (err as Error).message });
        },
      );
    },
    async close() {
      // A rebuild of a long history stops between chunks rather than hold the shutdown.
      abort.abort();
      await running;
    },
  };
}
