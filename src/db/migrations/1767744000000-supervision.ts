import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * Live call supervision:
 * - supervisors: a supervisor's (or admin's) softphone extension;
 * - (supervisor_teams, the agent teams a supervisor may supervise, is created by the recordings migration and shared.)
 * - supervision_sessions: one row per listen/whisper/barge session (mode history as JSON, start, end, outcome).
 *
 * Deleting a user deletes their supervisor rows; sessions are history and stay (no foreign key). Team names compare
 * byte for byte, as acd_agents.teams does.
 */
export class Supervision1767744000000 implements MigrationInterface {
  name = 'Supervision1767744000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE supervisors (
          user_id INT NOT NULL,
          extension VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (user_id),
          CONSTRAINT fk_supervisors_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE supervision_sessions (
          id INT NOT NULL AUTO_INCREMENT,
          supervisor_user_id INT NOT NULL,
          supervisor_name VARCHAR(128) NOT NULL,
          agent_id INT NOT NULL,
          call_uuid VARCHAR(64) NOT NULL,
          agent_uuid VARCHAR(64) NOT NULL,
          supervisor_uuid VARCHAR(64) NOT NULL,
          node VARCHAR(64) NOT NULL,
          extension VARCHAR(64) NOT NULL,
          mode VARCHAR(16) NOT NULL,
          mode_history TEXT NOT NULL,
          started_at DATETIME(3) NOT NULL,
          answered_at DATETIME(3) NULL,
          ended_at DATETIME(3) NULL,
          outcome VARCHAR(32) NULL,
          PRIMARY KEY (id),
          KEY idx_supervision_sessions_started_at (started_at),
          KEY idx_supervision_sessions_agent (agent_id, started_at),
          KEY idx_supervision_sessions_supervisor (supervisor_user_id, started_at),
          KEY idx_supervision_sessions_call (call_uuid)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "supervisors" (
          "user_id" integer PRIMARY KEY NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
          "extension" varchar(64),
          "updated_at" datetime NOT NULL
        )`,
        `CREATE TABLE "supervision_sessions" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "supervisor_user_id" integer NOT NULL,
          "supervisor_name" varchar(128) NOT NULL,
          "agent_id" integer NOT NULL,
          "call_uuid" varchar(64) NOT NULL,
          "agent_uuid" varchar(64) NOT NULL,
          "supervisor_uuid" varchar(64) NOT NULL,
          "node" varchar(64) NOT NULL,
          "extension" varchar(64) NOT NULL,
          "mode" varchar(16) NOT NULL,
          "mode_history" text NOT NULL,
          "started_at" datetime NOT NULL,
          "answered_at" datetime,
          "ended_at" datetime,
          "outcome" varchar(32)
        )`,
        `CREATE INDEX "idx_supervision_sessions_started_at" ON "supervision_sessions" ("started_at")`,
        `CREATE INDEX "idx_supervision_sessions_agent" ON "supervision_sessions" ("agent_id", "started_at")`,
        `CREATE INDEX "idx_supervision_sessions_supervisor" ON "supervision_sessions" ("supervisor_user_id", "started_at")`,
        `CREATE INDEX "idx_supervision_sessions_call" ON "supervision_sessions" ("call_uuid")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE supervision_sessions', 'DROP TABLE supervisors'],
      sqlite: ['DROP TABLE "supervision_sessions"', 'DROP TABLE "supervisors"'],
    });
  }
}
