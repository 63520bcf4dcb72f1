import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * Call recording:
 * - recordings: one row per recording file (call, CDR and queue call links, agent, queue, DID, file path, times,
 *   duration, size, sha256, format, channels, pause segments, who started/stopped it, retention class, legal hold,
 *   status and integrity);
 * - recording_policies: never / always / on_demand per DID, queue or campaign, with stereo, format and retention class;
 * - recording_retention_classes: how many days each class keeps its files (seeded: short 30, standard 365, long 2555);
 * - supervisor_teams: the ACD teams a supervisor user supervises (scopes their access to agents' recordings).
 */
export class Recordings1767657600000 implements MigrationInterface {
  name = 'Recordings1767657600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const seed = (q: (s: string) => string): string[] =>
      [
        ['short', 30],
        ['standard', 365],
        ['long', 2555],
      ].map(([n, d]) => `INSERT INTO ${q('recording_retention_classes')} (${q('name')}, ${q('days')}, ${q('updated_at')}) VALUES ('${n}', ${d}, '2026-01-06 00:00:00.000')`);
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE recordings (
          id VARCHAR(64) NOT NULL,
          fs_node VARCHAR(128) NOT NULL,
          call_uuid VARCHAR(64) NOT NULL,
          cdr_uuid VARCHAR(64) NOT NULL,
          queue_call_id VARCHAR(64) NULL,
          agent_id INT NULL,
          queue VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
          campaign VARCHAR(64) NULL,
          did VARCHAR(64) NULL,
          caller_number VARCHAR(64) NULL,
          file_path VARCHAR(1024) NOT NULL,
          started_at DATETIME(3) NOT NULL,
          ended_at DATETIME(3) NULL,
          duration_ms INT NULL,
          bytes BIGINT NULL,
          sha256 CHAR(64) NULL,
          format VARCHAR(8) NOT NULL,
          channels INT NOT NULL,
          pause_segments TEXT NOT NULL,
          started_by VARCHAR(128) NOT NULL,
          stopped_by VARCHAR(128) NULL,
          retention_class VARCHAR(64) NOT NULL,
          legal_hold TINYINT(1) NOT NULL DEFAULT 0,
          purged_at DATETIME(3) NULL,
          status VARCHAR(16) NOT NULL,
          integrity VARCHAR(16) NOT NULL,
          verified_at DATETIME(3) NULL,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          KEY idx_recordings_started_at (started_at),
          KEY idx_recordings_call_uuid (call_uuid),
          KEY idx_recordings_agent (agent_id, started_at),
          KEY idx_recordings_queue (queue, started_at),
          KEY idx_recordings_retention (status, ended_at)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE recording_policies (
          scope VARCHAR(16) NOT NULL,
          name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          mode VARCHAR(16) NOT NULL,
          stereo TINYINT(1) NOT NULL DEFAULT 1,
          format VARCHAR(8) NOT NULL,
          retention_class VARCHAR(64) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          updated_by VARCHAR(128) NOT NULL,
          PRIMARY KEY (scope, name)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE recording_retention_classes (
          name VARCHAR(64) NOT NULL,
          days INT NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (name)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE supervisor_teams (
          user_id INT NOT NULL,
          team VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          PRIMARY KEY (user_id, team),
          CONSTRAINT fk_supervisor_teams_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        ...seed((s) => s),
      ],
      sqlite: [
        `CREATE TABLE "recordings" (
          "id" varchar(64) PRIMARY KEY NOT NULL,
          "fs_node" varchar(128) NOT NULL,
          "call_uuid" varchar(64) NOT NULL,
          "cdr_uuid" varchar(64) NOT NULL,
          "queue_call_id" varchar(64),
          "agent_id" integer,
          "queue" varchar(64),
          "campaign" varchar(64),
          "did" varchar(64),
          "caller_number" varchar(64),
          "file_path" varchar(1024) NOT NULL,
          "started_at" datetime NOT NULL,
          "ended_at" datetime,
          "duration_ms" integer,
          "bytes" bigint,
          "sha256" varchar(64),
          "format" varchar(8) NOT NULL,
          "channels" integer NOT NULL,
          "pause_segments" text NOT NULL,
          "started_by" varchar(128) NOT NULL,
          "stopped_by" varchar(128),
          "retention_class" varchar(64) NOT NULL,
          "legal_hold" boolean NOT NULL DEFAULT (0),
          "purged_at" datetime,
          "status" varchar(16) NOT NULL,
          "integrity" varchar(16) NOT NULL,
          "verified_at" datetime,
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL
        )`,
        `CREATE INDEX "idx_recordings_started_at" ON "recordings" ("started_at")`,
        `CREATE INDEX "idx_recordings_call_uuid" ON "recordings" ("call_uuid")`,
        `CREATE INDEX "idx_recordings_agent" ON "recordings" ("agent_id", "started_at")`,
        `CREATE INDEX "idx_recordings_queue" ON "recordings" ("queue", "started_at")`,
        `CREATE INDEX "idx_recordings_retention" ON "recordings" ("status", "ended_at")`,
        `CREATE TABLE "recording_policies" (
          "scope" varchar(16) NOT NULL,
          "name" varchar(64) NOT NULL,
          "mode" varchar(16) NOT NULL,
          "stereo" boolean NOT NULL DEFAULT (1),
          "format" varchar(8) NOT NULL,
          "retention_class" varchar(64) NOT NULL,
          "updated_at" datetime NOT NULL,
          "updated_by" varchar(128) NOT NULL,
          PRIMARY KEY ("scope", "name")
        )`,
        `CREATE TABLE "recording_retention_classes" (
          "name" varchar(64) PRIMARY KEY NOT NULL,
          "days" integer NOT NULL,
          "updated_at" datetime NOT NULL
        )`,
        `CREATE TABLE "supervisor_teams" (
          "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
          "team" varchar(64) NOT NULL,
          PRIMARY KEY ("user_id", "team")
        )`,
        ...seed((s) => `"${s}"`),
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE supervisor_teams', 'DROP TABLE recording_retention_classes', 'DROP TABLE recording_policies', 'DROP TABLE recordings'],
      sqlite: ['DROP TABLE "supervisor_teams"', 'DROP TABLE "recording_retention_classes"', 'DROP TABLE "recording_policies"', 'DROP TABLE "recordings"'],
    });
  }
}
