import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * Indexes of the period reports (src/reports/period-report.ts): the report over all queues reads acd_queue_calls by
 * entered_at alone (the existing indexes lead with queue or agent_id), the repeat-call and FCR figures look up a
 * caller's later calls by (caller_number, entered_at); tickets by created_at and resolved_at; csat_answers by
 * answered_at.
 */
const INDEXES: ReadonlyArray<[name: string, table: string, columns: string]> = [
  ['idx_acd_queue_calls_entered', 'acd_queue_calls', 'entered_at'],
  ['idx_acd_queue_calls_caller_entered', 'acd_queue_calls', 'caller_number, entered_at'],
  ['idx_tickets_created_at', 'tickets', 'created_at'],
  ['idx_tickets_resolved_at', 'tickets', 'resolved_at'],
  ['idx_tickets_due_at', 'tickets', 'due_at'],
  ['idx_csat_answers_answered_at', 'csat_answers', 'answered_at'],
];

export class ReportIndexes1768700000000 implements MigrationInterface {
  name = 'ReportIndexes1768700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: INDEXES.map(([name, table, cols]) => `CREATE INDEX ${name} ON ${table} (${cols})`),
      sqlite: INDEXES.map(([name, table, cols]) => `CREATE INDEX "${name}" ON "${table}" (${cols.split(', ').map((c) => `"${c}"`).join(', ')})`),
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: INDEXES.map(([name, table]) => `DROP INDEX ${name} ON ${table}`),
      sqlite: INDEXES.map(([name]) => `DROP INDEX "${name}"`),
    });
  }
}
