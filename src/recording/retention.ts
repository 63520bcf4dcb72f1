/**
 * Retention: every recording has a retention class (recording_retention_classes: short 30 days, standard 365,
 * long 2555 by default; editable through the API). A daily node-cron job (and `runNow()`, also behind
 * POST /api/v1/recordings/retention/run) deletes the files whose class has expired, counting from the end of the
 * recording, and marks their rows `purged`. Rows on legal hold are never touched (the hold is re-checked in the very
 * UPDATE that marks a row, so a hold set during a run wins), nor rows still recording, nor rows of an unknown class.
 * Each purge is written to the audit log (actor `system` / `recording-retention`).
 */
import fs from 'node:fs';
import { schedule as cronSchedule, validate as cronValidate, type ScheduledTask } from 'node-cron';
import type { DataSource } from 'typeorm';
import type { Clock } from '../clock/clock';
import { recordAudit } from '../db/audit';
import type { Logger } from '../log/logger';
import { RecordingFileError, resolveRecordingFile } from './files';
import type { RecordingStore } from './store';

export interface RetentionReport {
  purged: string[];
  /** Rows marked purged whose file could not be deleted (already gone is not an error). */
  errors: Array<{ id: string; error: string }>;
  classes: Record<string, number>;
}

export interface RetentionOptions {
  /** cron expression of the daily run (default `17 3 * * *`, 03:17 in `timezone`); false: no schedule. */
  schedule?: string | false;
  timezone?: string;
  /** Rows per class per run (default 5000). */
  batch?: number;
}

export class RecordingRetention {
  private task?: ScheduledTask;
  private running?: Promise<RetentionReport>;

  constructor(
    private readonly ds: DataSource,
    private readonly store: RecordingStore,
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: RetentionOptions = {},
  ) {}

  /** Schedules the daily run. */
  schedule(): void {
    const expr = this.options.schedule ?? '17 3 * * *';
    if (expr === false || this.task) return;
    if (!cronValidate(expr)) throw new Error(`not a cron expression: ${expr}`);
    this.task = cronSchedule(
      expr,
      async () => {
        try {
          await this.runNow();
        } catch (err) {
          this.logger.error('recording retention run failed', { error: (err as Error).message });
        }
      },
      { name: 'recording-retention', noOverlap: true, ...(this.options.timezone ? { timezone: this.options.timezone } : {}) },
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

  /** Purges what has expired now; one run at a time (a second call shares the first). */
  runNow(): Promise<RetentionReport> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<RetentionReport> {
    const report: RetentionReport = { purged: [], errors: [], classes: {} };
    const now = this.clock.now();
    for (const cls of await this.store.retentionClasses()) {
      const cutoff = new Date(now - cls.days * 86_400_000);
      const rows = await this.store.expired(cls.name, cutoff, this.options.batch ?? 5000);
      report.classes[cls.name] = 0;
      for (const row of rows) {
        const at = new Date(this.clock.now());
        if (!(await this.store.markPurged(row.id, at))) continue; // put on legal hold (or purged) meanwhile
        let fileResult = 'deleted';
        try {
          const real = await resolveRecordingFile(this.dir, row.file_path);
          await fs.promises.unlink(real);
        } catch (err) {
          if (err instanceof RecordingFileError && err.problem === 'missing') fileResult = 'already gone';
          else {
            fileResult = `not deleted: ${(err as Error).message}`;
            report.errors.push({ id: row.id, error: (err as Error).message });
            this.logger.error('recording file could not be deleted by retention', { id: row.id, path: row.file_path, error: (err as Error).message });
          }
        }
        await recordAudit(
          this.ds,
          {
            actor_type: 'system',
            actor_id: null,
            actor_name: 'recording-retention',
            action: 'recording.purge',
            target_type: 'recording',
            target_id: row.id,
            before: { status: row.status, file_path: row.file_path, retention_class: row.retention_class, ended_at: row.ended_at, sha256: row.sha256 },
            after: { status: 'purged', purged_at: at.toISOString(), file: fileResult, retention_days: cls.days },
          },
          { clock: this.clock },
        );
        report.purged.push(row.id);
        report.classes[cls.name]!++;
      }
    }
    if (report.purged.length) this.logger.info('recording retention purged files', { count: report.purged.length, classes: report.classes });
    return report;
  }
}
