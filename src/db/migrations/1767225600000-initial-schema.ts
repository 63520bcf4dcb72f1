import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * The first schema: users, api_keys, cdrs, audit_log.
 *
 * One migration per version for both engines, with the MySQL/MariaDB and SQLite DDL side by side: the two schemas
 * cannot drift apart (same version list, same tables, same index names), and the few real differences
 * (AUTO_INCREMENT vs AUTOINCREMENT, DATETIME(3) vs text timestamps, table options) are visible in one place.
 *
 * Timestamps: DATETIME(3) in UTC on MySQL/MariaDB; on SQLite `datetime` columns holding UTC text
 * 'YYYY-MM-DD HH:MM:SS.SSS' (what typeorm's datetime type reads and writes there; it sorts in time order).
 * JSON values (cdrs.variables, cdrs.ivr_path, audit_log.before/after) are JSON text on both engines.
 */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE users (
          id INT NOT NULL AUTO_INCREMENT,
          username VARCHAR(64) NOT NULL,
          password_hash VARCHAR(255) NOT NULL,
          role VARCHAR(16) NOT NULL,
          display_name VARCHAR(128) NULL,
          disabled TINYINT(1) NOT NULL DEFAULT 0,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_users_username (username),
          CONSTRAINT chk_users_role CHECK (role IN ('admin', 'supervisor', 'agent'))
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE api_keys (
          id INT NOT NULL AUTO_INCREMENT,
          name VARCHAR(100) NOT NULL,
          key_prefix VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          key_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
          role VARCHAR(16) NOT NULL,
          created_by INT NULL,
          created_at DATETIME(3) NOT NULL,
          last_used_at DATETIME(3) NULL,
          revoked_at DATETIME(3) NULL,
          PRIMARY KEY (id),
          KEY idx_api_keys_key_prefix (key_prefix),
          CONSTRAINT chk_api_keys_role CHECK (role IN ('admin', 'supervisor', 'agent')),
          CONSTRAINT fk_api_keys_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE cdrs (
          id BIGINT NOT NULL AUTO_INCREMENT,
          uuid VARCHAR(64) NOT NULL,
          fs_node VARCHAR(128) NOT NULL,
          direction VARCHAR(16) NOT NULL,
          caller_number VARCHAR(64) NOT NULL,
          caller_name VARCHAR(128) NULL,
          destination_number VARCHAR(64) NOT NULL,
          callee_number VARCHAR(64) NULL,
          callee_name VARCHAR(128) NULL,
          context VARCHAR(64) NULL,
          channel_name VARCHAR(255) NULL,
          start_at DATETIME(3) NOT NULL,
          answer_at DATETIME(3) NULL,
          end_at DATETIME(3) NOT NULL,
          duration_s INT NOT NULL,
          billsec INT NOT NULL,
          wait_s INT NULL,
          progress_s INT NULL,
          answer_s INT NULL,
          hangup_cause VARCHAR(64) NOT NULL,
          hangup_cause_q850 INT NULL,
          sip_hangup_disposition VARCHAR(64) NULL,
          bridged_uuid VARCHAR(64) NULL,
          call_uuid VARCHAR(64) NULL,
          queue_call_id VARCHAR(64) NULL,
          agent_id INT NULL,
          campaign_id INT NULL,
          recording_id VARCHAR(64) NULL,
          ivr_path MEDIUMTEXT NULL,
          variables MEDIUMTEXT NULL,
          created_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_cdrs_uuid (uuid),
          KEY idx_cdrs_start_at (start_at),
          KEY idx_cdrs_caller_number (caller_number),
          KEY idx_cdrs_destination_number (destination_number),
          KEY idx_cdrs_callee_number (callee_number),
          KEY idx_cdrs_hangup_cause (hangup_cause),
          KEY idx_cdrs_call_uuid (call_uuid)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE audit_log (
          id BIGINT NOT NULL AUTO_INCREMENT,
          at DATETIME(3) NOT NULL,
          actor_type VARCHAR(16) NOT NULL,
          actor_id INT NULL,
          actor_name VARCHAR(128) NOT NULL,
          action VARCHAR(64) NOT NULL,
          target_type VARCHAR(32) NULL,
          target_id VARCHAR(64) NULL,
          \`before\` MEDIUMTEXT NULL,
          \`after\` MEDIUMTEXT NULL,
          ip VARCHAR(64) NULL,
          PRIMARY KEY (id),
          KEY idx_audit_log_at (at),
          KEY idx_audit_log_target (target_type, target_id),
          CONSTRAINT chk_audit_log_actor_type CHECK (actor_type IN ('user', 'api_key', 'system'))
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "users" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "username" varchar(64) NOT NULL,
          "password_hash" varchar(255) NOT NULL,
          "role" varchar(16) NOT NULL,
          "display_name" varchar(128),
          "disabled" boolean NOT NULL DEFAULT (0),
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL,
          CONSTRAINT "uq_users_username" UNIQUE ("username"),
          CONSTRAINT "chk_users_role" CHECK ("role" IN ('admin', 'supervisor', 'agent'))
        )`,
        `CREATE TABLE "api_keys" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "name" varchar(100) NOT NULL,
          "key_prefix" varchar(16) NOT NULL,
          "key_hash" char(64) NOT NULL,
          "role" varchar(16) NOT NULL,
          "created_by" integer REFERENCES "users" ("id") ON DELETE SET NULL,
          "created_at" datetime NOT NULL,
          "last_used_at" datetime,
          "revoked_at" datetime,
          CONSTRAINT "chk_api_keys_role" CHECK ("role" IN ('admin', 'supervisor', 'agent'))
        )`,
        `CREATE INDEX "idx_api_keys_key_prefix" ON "api_keys" ("key_prefix")`,
        `CREATE TABLE "cdrs" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "uuid" varchar(64) NOT NULL,
          "fs_node" varchar(128) NOT NULL,
          "direction" varchar(16) NOT NULL,
          "caller_number" varchar(64) NOT NULL,
          "caller_name" varchar(128),
          "destination_number" varchar(64) NOT NULL,
          "callee_number" varchar(64),
          "callee_name" varchar(128),
          "context" varchar(64),
          "channel_name" varchar(255),
          "start_at" datetime NOT NULL,
          "answer_at" datetime,
          "end_at" datetime NOT NULL,
          "duration_s" integer NOT NULL,
          "billsec" integer NOT NULL,
          "wait_s" integer,
          "progress_s" integer,
          "answer_s" integer,
          "hangup_cause" varchar(64) NOT NULL,
          "hangup_cause_q850" integer,
          "sip_hangup_disposition" varchar(64),
          "bridged_uuid" varchar(64),
          "call_uuid" varchar(64),
          "queue_call_id" varchar(64),
          "agent_id" integer,
          "campaign_id" integer,
          "recording_id" varchar(64),
          "ivr_path" text,
          "variables" text,
          "created_at" datetime NOT NULL,
          CONSTRAINT "uq_cdrs_uuid" UNIQUE ("uuid")
        )`,
        `CREATE INDEX "idx_cdrs_start_at" ON "cdrs" ("start_at")`,
        `CREATE INDEX "idx_cdrs_caller_number" ON "cdrs" ("caller_number")`,
        `CREATE INDEX "idx_cdrs_destination_number" ON "cdrs" ("destination_number")`,
        `CREATE INDEX "idx_cdrs_callee_number" ON "cdrs" ("callee_number")`,
        `CREATE INDEX "idx_cdrs_hangup_cause" ON "cdrs" ("hangup_cause")`,
        `CREATE INDEX "idx_cdrs_call_uuid" ON "cdrs" ("call_uuid")`,
        `CREATE TABLE "audit_log" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "at" datetime NOT NULL,
          "actor_type" varchar(16) NOT NULL,
          "actor_id" integer,
          "actor_name" varchar(128) NOT NULL,
          "action" varchar(64) NOT NULL,
          "target_type" varchar(32),
          "target_id" varchar(64),
          "before" text,
          "after" text,
          "ip" varchar(64),
          CONSTRAINT "chk_audit_log_actor_type" CHECK ("actor_type" IN ('user', 'api_key', 'system'))
        )`,
        `CREATE INDEX "idx_audit_log_at" ON "audit_log" ("at")`,
        `CREATE INDEX "idx_audit_log_target" ON "audit_log" ("target_type", "target_id")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE audit_log', 'DROP TABLE cdrs', 'DROP TABLE api_keys', 'DROP TABLE users'],
      sqlite: ['DROP TABLE "audit_log"', 'DROP TABLE "cdrs"', 'DROP TABLE "api_keys"', 'DROP TABLE "users"'],
    });
  }
}
