/**
 * The period reports' settings from the service's configuration (CENTER_TIME_ZONE, REPORT_SHORT_ABANDON_SEC,
 * REPORT_FCR_DAYS) and the ACD's queues (each queue's service level threshold): one place, so the API, the report
 * files and the rollup script compute with the same settings, and the rollup built by one is the one the others read.
 */
import { DEFAULT_QUEUE_CONFIG, type AcdConfigStoreImpl } from '../acd/config-store';
import type { Config } from '../config/config';
import type { PeriodReportSettings } from './period-report';

export function periodReportSettings(reports: Config['reports'], acd: Pick<AcdConfigStoreImpl, 'listQueues'>, now: number): PeriodReportSettings {
  return {
    timeZone: reports.timeZone,
    shortAbandonSec: reports.shortAbandonSec,
    fcrDays: reports.fcrDays,
    serviceLevelSec: new Map(acd.listQueues().map((q) => [q.name, q.config.serviceLevelSec] as [string, number])),
    defaultServiceLevelSec: DEFAULT_QUEUE_CONFIG.serviceLevelSec,
    now,
  };
}
