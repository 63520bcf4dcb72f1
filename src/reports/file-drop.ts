/**
 * Scheduled report files: on the active instance, a node-cron job (REPORT_DROP_CRON, in CENTER_TIME_ZONE) writes the
 * period reports of the last complete period (REPORT_DROP_PERIOD: yesterday by hour, last week or last month by day)
 * as CSV files into REPORT_DROP_DIR, one per dimension: `report-<dimension>-<period>-<label>.csv`. A file
 * is written to a temporary name and renamed, so a reader never sees half a file; a rerun overwrites the same names.
 */
import fs from 'node:fs';
import path from 'node:path';
import { schedule as cronSchedule, validate as cronValidate, type ScheduledTask } from 'node-cron';
import type { DataSource } from 'typeorm';
import type { AcdConfigStoreImpl } from '../acd/config-store';
import { columnsOf, toCsv } from '../api/csv';
import type { Config } from '../config/config';
import type { Clock } from '../clock/clock';
import type { Logger } from '../log/logger';
import { periodsOf } from './buckets';
import { periodReport, REPORT_DIMENSIONS, type PeriodReportRow, type PeriodReportSettings } from './period-report';
import { periodReportSettings } from './report-settings';

export type DropPeriod = 'day' | 'week' | 'month';

export interface ReportDropOptions {
  dir: string;
  cron: string;
  period: DropPeriod;
  /** The settings of a run (service levels read at run time). */
  settings: () => Promise<Omit<PeriodReportSettings, 'now'>>;
}

/** The CSV columns: the report's fields in their order. */
export const PERIOD_REPORT_CSV_COLUMNS: ReadonlyArray<keyof PeriodReportRow & string> = [
  'bucket_start', 'bucket_end', 'bucket_label', 'key', 'offered', 'answered', 'abandoned', 'short_abandoned', 'overflowed', 'callbacks', 'callbacks_scheduled', 'failed',
  'answered_in_sl', 'service_level', 'abandon_rate', 'asa_sec', 'aht_sec', 'aht_talk_sec', 'aht_hold_sec', 'aht_wrap_sec', 'wrap_ups', 'holds',
  'transfers', 'three_way', 'repeat_calls', 'repeat_rate', 'fcr_calls', 'fcr_repeated', 'fcr',
  'csat_count', 'csat_mean', 'tickets_opened', 'tickets_resolved', 'tickets_overdue', 'wrap_up_sec', 'logged_in_sec', 'occupancy',
];

export class ReportFileDrop {
  private task: ScheduledTask | undefined;
  private running: Promise<string[]> | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly options: ReportDropOptions & { timeZone: string },
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    if (!cronValidate(options.cron)) throw new Error(`REPORT_DROP_CRON: not a cron expression: ${options.cron}`);
  }

  start(): void {
    if (this.task) return;
    this.task = cronSchedule(
      this.options.cron,
      async () => {
        try {
          await this.runNow();
        } catch (err) {
          this.logger.error('report file drop failed', { error: (err as Error).message });
        }
      },
      { name: 'report-file-drop', noOverlap: true, timezone: this.options.timeZone },
    );
  }

  async close(): Promise<void> {
    if (this.task) {
      await this.task.stop();
      await this.task.destroy();
      this.task = undefined;
    }
    await this.running?.catch(() => undefined);
  }

  /** Writes the last complete period's reports; resolves to the files written. One run at a time. */
  runNow(): Promise<string[]> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<string[]> {
    const now = this.clock.now();
    const current = periodsOf(now, now + 1, this.options.period, this.options.timeZone)[0]!;
    const last = periodsOf(current.start - 1, current.start, this.options.period, this.options.timeZone)[0]!;
    const settings = { ...(await this.options.settings()), now };
    await fs.promises.mkdir(this.options.dir, { recursive: true });
    const written: string[] = [];
    for (const dimension of REPORT_DIMENSIONS) {
      const rows = await periodReport(this.ds, { dimension, from: new Date(last.start), to: new Date(last.end), bucket: this.options.period === 'day' ? 'hour' : 'day' }, settings);
      const file = path.join(this.options.dir, `report-${dimension}-${this.options.period}-${last.label}.csv`);
      const tmp = `${file}.tmp-${process.pid}`;
      await fs.promises.writeFile(tmp, toCsv(columnsOf(PERIOD_REPORT_CSV_COLUMNS), rows));
      await fs.promises.rename(tmp, file);
      written.push(file);
    }
    this.logger.info('report files written', { period: last.label, files: written.length, dir: this.options.dir });
    return written;
  }
}

/** The service's file drop from the config (a no-op when REPORT_DROP_DIR is unset); `start()` when active. */
export function startReportFileDrop(deps: {
  dataSource: DataSource;
  config: Config;
  acdConfig: Pick<AcdConfigStoreImpl, 'listQueues'>;
  clock: Clock;
  logger: Logger;
}): { start(): void; close(): Promise<void> } {
  const r = deps.config.reports;
  if (!r.drop) return { start: () => undefined, close: async () => undefined };
  const drop = new ReportFileDrop(
    deps.dataSource,
    {
      ...r.drop,
      timeZone: r.timeZone,
      settings: async () => periodReportSettings(r, deps.acdConfig, deps.clock.now()),
    },
    deps.clock,
    deps.logger.child({ module: 'report-drop' }),
  );
  return { start: () => drop.start(), close: () => drop.close() };
}
