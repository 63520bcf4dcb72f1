import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * KPI alerts (src/alerts): alert_rules (the rule as JSON text, validated by the API), alerts (one row per opening
 * of a rule, open until it clears; listed by state and time) and alert_events (each alert's timeline).
 */
export class Alerts1768600000000 implements MigrationInterface {
  name = 'Alerts1768600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const tail = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE alert_rules (
          id INT NOT NULL AUTO_INCREMENT,
          name VARCHAR(128) NOT NULL,
          enabled TINYINT NOT NULL DEFAULT 1,
          definition TEXT NOT NULL,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id)
        ) ${tail}`,
        `CREATE TABLE alerts (
          id INT NOT NULL AUTO_INCREMENT,
          rule_id INT NOT NULL,
          rule_name VARCHAR(128) NOT NULL,
          scope VARCHAR(160) NOT NULL,
          metric VARCHAR(32) NOT NULL,
          state VARCHAR(8) NOT NULL,
          opened_at DATETIME(3) NOT NULL,
          closed_at DATETIME(3) NULL,
          worst_value DOUBLE NOT NULL,
          last_value DOUBLE NULL,
          acknowledged_by INT NULL,
          acknowledged_by_name VARCHAR(128) NULL,
          acknowledged_at DATETIME(3) NULL,
          PRIMARY KEY (id),
          KEY idx_alerts_state_opened (state, opened_at),
          KEY idx_alerts_rule (rule_id, opened_at),
          CONSTRAINT chk_alerts_state CHECK (state IN ('open', 'closed'))
        ) ${tail}`,
        `CREATE TABLE alert_events (
          id BIGINT NOT NULL AUTO_INCREMENT,
          alert_id INT NOT NULL,
          at DATETIME(3) NOT NULL,
          kind VARCHAR(16) NOT NULL,
          value DOUBLE NULL,
          actor_name VARCHAR(128) NULL,
          PRIMARY KEY (id),
          KEY idx_alert_events_alert (alert_id, id),
          CONSTRAINT fk_alert_events_alert FOREIGN KEY (alert_id) REFERENCES alerts (id) ON DELETE CASCADE
        ) ${tail}`,
      ],
      sqlite: [
        `CREATE TABLE "alert_rules" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "name" varchar(128) NOT NULL,
          "enabled" boolean NOT NULL DEFAULT 1,
          "definition" text NOT NULL,
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL
        )`,
        `CREATE TABLE "alerts" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "rule_id" integer NOT NULL,
          "rule_name" varchar(128) NOT NULL,
          "scope" varchar(160) NOT NULL,
          "metric" varchar(32) NOT NULL,
          "state" varchar(8) NOT NULL CHECK ("state" IN ('open', 'closed')),
          "opened_at" datetime NOT NULL,
          "closed_at" datetime,
          "worst_value" double NOT NULL,
          "last_value" double,
          "acknowledged_by" integer,
          "acknowledged_by_name" varchar(128),
          "acknowledged_at" datetime
        )`,
        `CREATE INDEX "idx_alerts_state_opened" ON "alerts" ("state", "opened_at")`,
        `CREATE INDEX "idx_alerts_rule" ON "alerts" ("rule_id", "opened_at")`,
        `CREATE TABLE "alert_events" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "alert_id" integer NOT NULL REFERENCES "alerts" ("id") ON DELETE CASCADE,
          "at" datetime NOT NULL,
          "kind" varchar(16) NOT NULL,
          "value" double,
          "actor_name" varchar(128)
        )`,
        `CREATE INDEX "idx_alert_events_alert" ON "alert_events" ("alert_id", "id")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const tables = ['alert_events', 'alerts', 'alert_rules'];
    await runStatements(queryRunner, { mysql: tables.map((t) => `DROP TABLE ${t}`), sqlite: tables.map((t) => `DROP TABLE "${t}"`) });
  }
}
