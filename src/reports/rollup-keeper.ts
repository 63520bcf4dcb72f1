/**
 * On the active instance, keeps the period reports' rollup (src/reports/report-slots.ts) up to date in the
 * background: once when it starts running the contact center (built if it never was, after the upgrade that adds it,
 * or was computed with other settings), then every minute the slots marked dirty since. So a report rarely finds
 * much to recompute (it always recomputes what is still dirty in its range, so it is exact either way), and the
 * first manager to open a report after a restart or an upgrade does not wait for the build. A report arriving during
 * a job waits for it (one rollup job at a time per database), then reads the rollup.
 */
import type { DataSource } from 'typeorm';
import type { AcdConfigStoreImpl } from '../acd/config-store';
import type { Clock, ClockTimer } from '../clock/clock';
import type { Config } from '../config/config';
import type { Logger } from '../log/logger';
import { updateReportSlots } from './report-slots';
import { periodReportSettings } from './report-settings';

/** How often the dirty slots are recomputed. */
export const ROLLUP_REFRESH_MS = 60_000;

export function startReportRollup(deps: {
  dataSource: DataSource;
  config: Pick<Config, 'reports'>;
  acdConfig: Pick<AcdConfigStoreImpl, 'listQueues'>;
  clock: Clock;
  logger: Logger;
}): { start(): void; close(): Promise<void> } {
  const log = deps.logger.child({ module: 'report-rollup' });
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  let timer: ClockTimer | undefined;
  let started = false;
  let failures = 0;

  const run = async (first: boolean): Promise<void> => {
    const at = deps.clock.now();
    try {
      // The queues' thresholds as they are now: a changed service level rebuilds here rather than in a report.
      await updateReportSlots(deps.dataSource, null, periodReportSettings(deps.config.reports, deps.acdConfig, at), { signal: abort.signal });
      if (abort.signal.aborted) log.info('report rollup build stopped (shutdown); the next start or report resumes it');
      else if (first) log.info('report rollup up to date', { tookMs: deps.clock.now() - at });
      failures = 0;
    } catch (err) {
      // Not fatal: a report recomputes what it reads itself. Logged once per run of failures.
      if (failures++ === 0) log.warn('report rollup update failed; reports will update it when they run', { error: (err as Error).message });
    }
  };
  const schedule = () => {
    if (abort.signal.aborted) return;
    timer = deps.clock.setTimeout(() => {
      running = run(false).then(schedule);
    }, ROLLUP_REFRESH_MS);
  };

  return {
    start() {
      if (started) return;
      started = true;
      running = run(true).then(schedule);
    },
    async close() {
      // A rebuild of a long history stops between chunks rather than hold the shutdown.
      abort.abort();
      timer?.cancel();
      await running;
    },
  };
}
