import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * csat_answers (src/db/entities/csat.ts): one row per answered satisfaction survey. The reports read it by queue or
 * agent and time (an index each); the follow-up and ticket views by queue call and ticket.
 */
export class Csat1768400000000 implements MigrationInterface {
  name = 'Csat1768400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE csat_answers (
          id INT NOT NULL AUTO_INCREMENT,
          source VARCHAR(16) NOT NULL,
          call_uuid VARCHAR(64) NULL,
          queue_call_id VARCHAR(64) NULL,
          queue VARCHAR(64) NULL,
          agent_id INT NULL,
          caller_number VARCHAR(64) NULL,
          ticket_id INT NULL,
          followup_id INT NULL,
          score INT NOT NULL,
          comment_recording VARCHAR(512) NULL,
          answered_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          KEY idx_csat_answers_queue_at (queue, answered_at),
          KEY idx_csat_answers_agent_at (agent_id, answered_at),
          KEY idx_csat_answers_queue_call (queue_call_id),
          KEY idx_csat_answers_ticket (ticket_id),
          CONSTRAINT chk_csat_answers_score CHECK (score BETWEEN 1 AND 5),
          CONSTRAINT chk_csat_answers_source CHECK (source IN ('post_call', 'followup'))
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "csat_answers" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "source" varchar(16) NOT NULL CHECK ("source" IN ('post_call', 'followup')),
          "call_uuid" varchar(64),
          "queue_call_id" varchar(64),
          "queue" varchar(64),
          "agent_id" integer,
          "caller_number" varchar(64),
          "ticket_id" integer,
          "followup_id" integer,
          "score" integer NOT NULL CHECK ("score" BETWEEN 1 AND 5),
          "comment_recording" varchar(512),
          "answered_at" datetime NOT NULL
        )`,
        `CREATE INDEX "idx_csat_answers_queue_at" ON "csat_answers" ("queue", "answered_at")`,
        `CREATE INDEX "idx_csat_answers_agent_at" ON "csat_answers" ("agent_id", "answered_at")`,
        `CREATE INDEX "idx_csat_answers_queue_call" ON "csat_answers" ("queue_call_id")`,
        `CREATE INDEX "idx_csat_answers_ticket" ON "csat_answers" ("ticket_id")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, { mysql: ['DROP TABLE csat_answers'], sqlite: ['DROP TABLE "csat_answers"'] });
  }
}
