import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * Outbound campaigns, the lead side (src/dialer/leads):
 * - campaigns: name (unique), type, queue, default time zone and daily calling window ('HH:MM' local to the lead);
 * - leads: one row per (campaign, E.164 number); custom CSV columns kept as JSON `fields` for the screen pop, the
 *   number's candidate IANA zones as JSON `time_zones`;
 * - dnc_numbers: do-not-call numbers; campaign_id NULL is the global list. `scope` is campaign_id or 0 (global) so
 *   that the unique key also holds for the global list (NULLs never collide in a unique key on either engine).
 * Deleting a campaign deletes its leads and its DNC rows. leads.fields is MEDIUMTEXT on MySQL: merges across imports
 * may grow a lead's fields past TEXT's 64 KiB (one row's fields are capped at 64 KiB by the import).
 */
export class DialerLeads1767830400000 implements MigrationInterface {
  name = 'DialerLeads1767830400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE campaigns (
          id INT NOT NULL AUTO_INCREMENT,
          name VARCHAR(128) NOT NULL,
          type VARCHAR(16) NOT NULL,
          queue VARCHAR(128) NOT NULL,
          timezone VARCHAR(64) NOT NULL,
          window_start CHAR(5) NOT NULL,
          window_end CHAR(5) NOT NULL,
          enabled TINYINT NOT NULL DEFAULT 0,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_campaigns_name (name)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE leads (
          id INT NOT NULL AUTO_INCREMENT,
          campaign_id INT NOT NULL,
          phone_e164 VARCHAR(16) NOT NULL,
          phone_raw VARCHAR(64) NOT NULL,
          name VARCHAR(255) NULL,
          fields MEDIUMTEXT NOT NULL,
          time_zones TEXT NOT NULL,
          status VARCHAR(16) NOT NULL,
          attempts INT NOT NULL DEFAULT 0,
          next_attempt_at DATETIME(3) NULL,
          created_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_leads_campaign_phone (campaign_id, phone_e164),
          KEY idx_leads_next (campaign_id, status, next_attempt_at),
          CONSTRAINT fk_leads_campaign FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE dnc_numbers (
          id INT NOT NULL AUTO_INCREMENT,
          phone_e164 VARCHAR(16) NOT NULL,
          campaign_id INT NULL,
          scope INT NOT NULL,
          reason VARCHAR(255) NOT NULL,
          created_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_dnc_numbers_phone_scope (phone_e164, scope),
          CONSTRAINT fk_dnc_numbers_campaign FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "campaigns" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "name" varchar(128) NOT NULL,
          "type" varchar(16) NOT NULL,
          "queue" varchar(128) NOT NULL,
          "timezone" varchar(64) NOT NULL,
          "window_start" varchar(5) NOT NULL,
          "window_end" varchar(5) NOT NULL,
          "enabled" boolean NOT NULL DEFAULT 0,
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL,
          CONSTRAINT "uq_campaigns_name" UNIQUE ("name")
        )`,
        `CREATE TABLE "leads" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "campaign_id" integer NOT NULL REFERENCES "campaigns" ("id") ON DELETE CASCADE,
          "phone_e164" varchar(16) NOT NULL,
          "phone_raw" varchar(64) NOT NULL,
          "name" varchar(255),
          "fields" text NOT NULL,
          "time_zones" text NOT NULL,
          "status" varchar(16) NOT NULL,
          "attempts" integer NOT NULL DEFAULT 0,
          "next_attempt_at" datetime,
          "created_at" datetime NOT NULL,
          CONSTRAINT "uq_leads_campaign_phone" UNIQUE ("campaign_id", "phone_e164")
        )`,
        `CREATE INDEX "idx_leads_next" ON "leads" ("campaign_id", "status", "next_attempt_at")`,
        `CREATE TABLE "dnc_numbers" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "phone_e164" varchar(16) NOT NULL,
          "campaign_id" integer REFERENCES "campaigns" ("id") ON DELETE CASCADE,
          "scope" integer NOT NULL,
          "reason" varchar(255) NOT NULL,
          "created_at" datetime NOT NULL,
          CONSTRAINT "uq_dnc_numbers_phone_scope" UNIQUE ("phone_e164", "scope")
        )`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE dnc_numbers', 'DROP TABLE leads', 'DROP TABLE campaigns'],
      sqlite: ['DROP TABLE "dnc_numbers"', 'DROP TABLE "leads"', 'DROP TABLE "campaigns"'],
    });
  }
}
