import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * caller_profiles (src/profiles): one row per caller number (E.164), optionally tied to a CRM id (unique too; NULLs
 * never collide). `tags` is a JSON array of short strings; `vip_level` 0 = none, 1-5; `language` a BCP 47 tag. The
 * caller's calls are not copied here: the history route reads cdrs and acd_queue_calls by phone_e164.
 */
export class CallerProfiles1768200000000 implements MigrationInterface {
  name = 'CallerProfiles1768200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE caller_profiles (
          id INT NOT NULL AUTO_INCREMENT,
          phone_e164 VARCHAR(20) NOT NULL,
          crm_id VARCHAR(64) NULL,
          name VARCHAR(128) NULL,
          vip_level INT NOT NULL DEFAULT 0,
          language VARCHAR(16) NULL,
          tags TEXT NOT NULL,
          blocked TINYINT NOT NULL DEFAULT 0,
          notes TEXT NULL,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          updated_by VARCHAR(128) NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_caller_profiles_phone (phone_e164),
          UNIQUE KEY uq_caller_profiles_crm (crm_id),
          KEY idx_caller_profiles_vip (vip_level)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "caller_profiles" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "phone_e164" varchar(20) NOT NULL,
          "crm_id" varchar(64),
          "name" varchar(128),
          "vip_level" integer NOT NULL DEFAULT 0,
          "language" varchar(16),
          "tags" text NOT NULL,
          "blocked" boolean NOT NULL DEFAULT 0,
          "notes" text,
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL,
          "updated_by" varchar(128),
          CONSTRAINT "uq_caller_profiles_phone" UNIQUE ("phone_e164"),
          CONSTRAINT "uq_caller_profiles_crm" UNIQUE ("crm_id")
        )`,
        `CREATE INDEX "idx_caller_profiles_vip" ON "caller_profiles" ("vip_level")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE caller_profiles'],
      sqlite: ['DROP TABLE "caller_profiles"'],
    });
  }
}
