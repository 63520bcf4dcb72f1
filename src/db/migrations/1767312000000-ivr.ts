import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * IVR: ivr_flows (versioned flow documents), ivr_did_bindings (DID -> flow name), ivr_calls (one row per call that
 * ran a flow, with its path) and voicemails (recordings left in a flow's voicemail node).
 */
export class IvrSchema1767312000000 implements MigrationInterface {
  name = 'IvrSchema1767312000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE ivr_flows (
          id INT NOT NULL AUTO_INCREMENT,
          name VARCHAR(64) NOT NULL,
          version INT NOT NULL,
          document MEDIUMTEXT NOT NULL,
          created_by VARCHAR(128) NOT NULL,
          created_at DATETIME(3) NOT NULL,
          comment VARCHAR(512) NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_ivr_flows_name_version (name, version)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE ivr_did_bindings (
          did VARCHAR(32) NOT NULL,
          flow VARCHAR(64) NOT NULL,
          updated_by VARCHAR(128) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (did),
          KEY idx_ivr_did_bindings_flow (flow)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE ivr_calls (
          id BIGINT NOT NULL AUTO_INCREMENT,
          uuid VARCHAR(64) NOT NULL,
          fs_node VARCHAR(128) NOT NULL,
          did VARCHAR(32) NOT NULL,
          caller_number VARCHAR(64) NOT NULL,
          flow VARCHAR(64) NOT NULL,
          flow_version INT NOT NULL,
          started_at DATETIME(3) NOT NULL,
          ended_at DATETIME(3) NULL,
          outcome VARCHAR(32) NULL,
          detail VARCHAR(512) NULL,
          path MEDIUMTEXT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_ivr_calls_uuid (uuid),
          KEY idx_ivr_calls_started_at (started_at),
          KEY idx_ivr_calls_did (did)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE voicemails (
          id BIGINT NOT NULL AUTO_INCREMENT,
          call_uuid VARCHAR(64) NOT NULL,
          box VARCHAR(64) NOT NULL,
          file_path VARCHAR(1024) NOT NULL,
          duration_ms INT NOT NULL,
          bytes INT NULL,
          caller_number VARCHAR(64) NOT NULL,
          created_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          KEY idx_voicemails_box (box, created_at),
          KEY idx_voicemails_call_uuid (call_uuid)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "ivr_flows" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "name" varchar(64) NOT NULL,
          "version" integer NOT NULL,
          "document" text NOT NULL,
          "created_by" varchar(128) NOT NULL,
          "created_at" datetime NOT NULL,
          "comment" varchar(512),
          CONSTRAINT "uq_ivr_flows_name_version" UNIQUE ("name", "version")
        )`,
        `CREATE TABLE "ivr_did_bindings" (
          "did" varchar(32) PRIMARY KEY NOT NULL,
          "flow" varchar(64) NOT NULL,
          "updated_by" varchar(128) NOT NULL,
          "updated_at" datetime NOT NULL
        )`,
        `CREATE INDEX "idx_ivr_did_bindings_flow" ON "ivr_did_bindings" ("flow")`,
        `CREATE TABLE "ivr_calls" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "uuid" varchar(64) NOT NULL,
          "fs_node" varchar(128) NOT NULL,
          "did" varchar(32) NOT NULL,
          "caller_number" varchar(64) NOT NULL,
          "flow" varchar(64) NOT NULL,
          "flow_version" integer NOT NULL,
          "started_at" datetime NOT NULL,
          "ended_at" datetime,
          "outcome" varchar(32),
          "detail" varchar(512),
          "path" text,
          CONSTRAINT "uq_ivr_calls_uuid" UNIQUE ("uuid")
        )`,
        `CREATE INDEX "idx_ivr_calls_started_at" ON "ivr_calls" ("started_at")`,
        `CREATE INDEX "idx_ivr_calls_did" ON "ivr_calls" ("did")`,
        `CREATE TABLE "voicemails" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "call_uuid" varchar(64) NOT NULL,
          "box" varchar(64) NOT NULL,
          "file_path" varchar(1024) NOT NULL,
          "duration_ms" integer NOT NULL,
          "bytes" integer,
          "caller_number" varchar(64) NOT NULL,
          "created_at" datetime NOT NULL
        )`,
        `CREATE INDEX "idx_voicemails_box" ON "voicemails" ("box", "created_at")`,
        `CREATE INDEX "idx_voicemails_call_uuid" ON "voicemails" ("call_uuid")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE voicemails', 'DROP TABLE ivr_calls', 'DROP TABLE ivr_did_bindings', 'DROP TABLE ivr_flows'],
      sqlite: ['DROP TABLE "voicemails"', 'DROP TABLE "ivr_calls"', 'DROP TABLE "ivr_did_bindings"', 'DROP TABLE "ivr_flows"'],
    });
  }
}
