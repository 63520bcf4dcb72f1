import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * Outbound campaigns, the dialing side (src/dialer/runtime):
 * - campaigns.settings: JSON text of the dialing settings (AMD, messages, retries, pacing, schedule), validated by
 *   src/dialer/campaign-settings.ts; '{}' means every default;
 * - leads.callback_at / callback_agent_id: a callback an agent scheduled (the lead is dialled at that time and offered
 *   to that agent first); leads.last_outcome / last_called_at: what the last attempt gave;
 * - dialer_ledger: one row per dial and per skip with its reason; a dial row gets its outcome when the call resolves.
 *   It answers "why was this number called, or not, at that time" and feeds the compliance window after a restart.
 */
export class DialerRuntime1767916800000 implements MigrationInterface {
  name = 'DialerRuntime1767916800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `ALTER TABLE campaigns ADD COLUMN settings MEDIUMTEXT NULL`,
        `UPDATE campaigns SET settings = '{}'`,
        `ALTER TABLE campaigns MODIFY settings MEDIUMTEXT NOT NULL`,
        `ALTER TABLE leads ADD COLUMN callback_at DATETIME(3) NULL, ADD COLUMN callback_agent_id INT NULL,
          ADD COLUMN last_outcome VARCHAR(16) NULL, ADD COLUMN last_called_at DATETIME(3) NULL`,
        `CREATE TABLE dialer_ledger (
          id BIGINT NOT NULL AUTO_INCREMENT,
          campaign_id INT NOT NULL,
          lead_id INT NULL,
          phone_e164 VARCHAR(16) NOT NULL,
          at DATETIME(3) NOT NULL,
          action VARCHAR(8) NOT NULL,
          reason VARCHAR(32) NOT NULL,
          detail VARCHAR(255) NOT NULL,
          attempt INT NOT NULL DEFAULT 0,
          call_uuid CHAR(36) NULL,
          agent_id INT NULL,
          outcome VARCHAR(16) NULL,
          resolved_at DATETIME(3) NULL,
          PRIMARY KEY (id),
          KEY idx_dialer_ledger_campaign_at (campaign_id, at),
          KEY idx_dialer_ledger_phone (phone_e164, at),
          KEY idx_dialer_ledger_call (call_uuid),
          CONSTRAINT fk_dialer_ledger_campaign FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `ALTER TABLE "campaigns" ADD COLUMN "settings" text NOT NULL DEFAULT '{}'`,
        `ALTER TABLE "leads" ADD COLUMN "callback_at" datetime`,
        `ALTER TABLE "leads" ADD COLUMN "callback_agent_id" integer`,
        `ALTER TABLE "leads" ADD COLUMN "last_outcome" varchar(16)`,
        `ALTER TABLE "leads" ADD COLUMN "last_called_at" datetime`,
        `CREATE TABLE "dialer_ledger" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "campaign_id" integer NOT NULL REFERENCES "campaigns" ("id") ON DELETE CASCADE,
          "lead_id" integer,
          "phone_e164" varchar(16) NOT NULL,
          "at" datetime NOT NULL,
          "action" varchar(8) NOT NULL,
          "reason" varchar(32) NOT NULL,
          "detail" varchar(255) NOT NULL,
          "attempt" integer NOT NULL DEFAULT 0,
          "call_uuid" varchar(36),
          "agent_id" integer,
          "outcome" varchar(16),
          "resolved_at" datetime
        )`,
        `CREATE INDEX "idx_dialer_ledger_campaign_at" ON "dialer_ledger" ("campaign_id", "at")`,
        `CREATE INDEX "idx_dialer_ledger_phone" ON "dialer_ledger" ("phone_e164", "at")`,
        `CREATE INDEX "idx_dialer_ledger_call" ON "dialer_ledger" ("call_uuid")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        'DROP TABLE dialer_ledger',
        'ALTER TABLE leads DROP COLUMN callback_at, DROP COLUMN callback_agent_id, DROP COLUMN last_outcome, DROP COLUMN last_called_at',
        'ALTER TABLE campaigns DROP COLUMN settings',
      ],
      sqlite: [
        'DROP TABLE "dialer_ledger"',
        'ALTER TABLE "leads" DROP COLUMN "callback_at"',
        'ALTER TABLE "leads" DROP COLUMN "callback_agent_id"',
        'ALTER TABLE "leads" DROP COLUMN "last_outcome"',
        'ALTER TABLE "leads" DROP COLUMN "last_called_at"',
        'ALTER TABLE "campaigns" DROP COLUMN "settings"',
      ],
    });
  }
}
