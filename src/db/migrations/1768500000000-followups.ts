import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * ticket_followups (src/db/entities/followups.ts): the follow-up calls of a ticket. Read by ticket (its view) and by
 * lead (the dialer says a lead ended: which follow-up was it?), an index each. The row goes with its ticket.
 */
export class Followups1768500000000 implements MigrationInterface {
  name = 'Followups1768500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE ticket_followups (
          id INT NOT NULL AUTO_INCREMENT,
          ticket_id INT NOT NULL,
          kind VARCHAR(8) NOT NULL,
          phone_e164 VARCHAR(16) NOT NULL,
          agent_id INT NULL,
          scheduled_for DATETIME(3) NOT NULL,
          campaign_id INT NULL,
          lead_id INT NULL,
          status VARCHAR(12) NOT NULL,
          outcome VARCHAR(12) NULL,
          score INT NULL,
          detail VARCHAR(255) NULL,
          created_by_name VARCHAR(128) NOT NULL,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          KEY idx_ticket_followups_ticket (ticket_id),
          KEY idx_ticket_followups_lead (lead_id),
          CONSTRAINT fk_ticket_followups_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
          CONSTRAINT chk_ticket_followups_kind CHECK (kind IN ('preview', 'survey')),
          CONSTRAINT chk_ticket_followups_status CHECK (status IN ('scheduled', 'dialing', 'done', 'cancelled', 'failed'))
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "ticket_followups" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "ticket_id" integer NOT NULL REFERENCES "tickets" ("id") ON DELETE CASCADE,
          "kind" varchar(8) NOT NULL CHECK ("kind" IN ('preview', 'survey')),
          "phone_e164" varchar(16) NOT NULL,
          "agent_id" integer,
          "scheduled_for" datetime NOT NULL,
          "campaign_id" integer,
          "lead_id" integer,
          "status" varchar(12) NOT NULL CHECK ("status" IN ('scheduled', 'dialing', 'done', 'cancelled', 'failed')),
          "outcome" varchar(12),
          "score" integer,
          "detail" varchar(255),
          "created_by_name" varchar(128) NOT NULL,
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL
        )`,
        `CREATE INDEX "idx_ticket_followups_ticket" ON "ticket_followups" ("ticket_id")`,
        `CREATE INDEX "idx_ticket_followups_lead" ON "ticket_followups" ("lead_id")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, { mysql: ['DROP TABLE ticket_followups'], sqlite: ['DROP TABLE "ticket_followups"'] });
  }
}
