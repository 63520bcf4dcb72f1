import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

const STATUSES = `'open', 'in_progress', 'waiting_customer', 'resolved', 'closed'`;
const PRIORITIES = `'low', 'normal', 'high', 'urgent'`;

/**
 * Tickets (work orders, src/tickets) and outgoing webhooks (src/webhooks):
 * - ticket_categories: a tree (parent_id), each with an SLA per priority in minutes (JSON `sla`; a priority missing
 *   there is inherited from the parent). A category in use or with children cannot be deleted (RESTRICT).
 * - tickets: the caller is linked by E.164 number and, optionally, a caller profile id (no foreign key: profiles are
 *   their own domain); call_uuid/recording_id link the call and recording it came from.
 * - ticket_comments and ticket_events (the change history, one row per changed field) go with their ticket.
 * - webhook_endpoints, webhook_deliveries (the outbox: one row per event and endpoint, pending until delivered or
 *   given up) and webhook_delivery_attempts (every attempt's answer: the delivery log).
 * The searches (GET /api/v1/tickets) filter on caller number, status (+ due time for "overdue"), assignee agent or
 * team, category and creator: each has an index led by that column.
 */
export class Tickets1768300000000 implements MigrationInterface {
  name = 'Tickets1768300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysqlTail = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE ticket_categories (
          id INT NOT NULL AUTO_INCREMENT,
          parent_id INT NULL,
          name VARCHAR(128) NOT NULL,
          sla TEXT NOT NULL,
          active TINYINT NOT NULL DEFAULT 1,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          KEY idx_ticket_categories_parent (parent_id),
          CONSTRAINT fk_ticket_categories_parent FOREIGN KEY (parent_id) REFERENCES ticket_categories (id) ON DELETE RESTRICT
        ) ${mysqlTail}`,
        `CREATE TABLE tickets (
          id INT NOT NULL AUTO_INCREMENT,
          category_id INT NOT NULL,
          priority VARCHAR(8) NOT NULL,
          status VARCHAR(20) NOT NULL,
          subject VARCHAR(255) NOT NULL,
          description TEXT NOT NULL,
          caller_number VARCHAR(16) NULL,
          profile_id INT NULL,
          call_uuid VARCHAR(64) NULL,
          recording_id VARCHAR(64) NULL,
          assignee_agent_id INT NULL,
          assignee_team VARCHAR(64) NULL,
          due_at DATETIME(3) NULL,
          created_by INT NULL,
          created_by_name VARCHAR(128) NOT NULL,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          resolved_at DATETIME(3) NULL,
          closed_at DATETIME(3) NULL,
          PRIMARY KEY (id),
          KEY idx_tickets_caller_number (caller_number, created_at),
          KEY idx_tickets_status_due (status, due_at),
          KEY idx_tickets_assignee_agent (assignee_agent_id, status),
          KEY idx_tickets_assignee_team (assignee_team, status),
          KEY idx_tickets_category (category_id, status),
          KEY idx_tickets_created_by (created_by),
          KEY idx_tickets_call_uuid (call_uuid),
          KEY idx_tickets_profile (profile_id),
          CONSTRAINT fk_tickets_category FOREIGN KEY (category_id) REFERENCES ticket_categories (id) ON DELETE RESTRICT,
          CONSTRAINT chk_tickets_status CHECK (status IN (${STATUSES})),
          CONSTRAINT chk_tickets_priority CHECK (priority IN (${PRIORITIES}))
        ) ${mysqlTail}`,
        `CREATE TABLE ticket_comments (
          id INT NOT NULL AUTO_INCREMENT,
          ticket_id INT NOT NULL,
          author_id INT NULL,
          author_name VARCHAR(128) NOT NULL,
          body TEXT NOT NULL,
          created_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          KEY idx_ticket_comments_ticket (ticket_id, id),
          CONSTRAINT fk_ticket_comments_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE
        ) ${mysqlTail}`,
        `CREATE TABLE ticket_events (
          id INT NOT NULL AUTO_INCREMENT,
          ticket_id INT NOT NULL,
          actor_id INT NULL,
          actor_name VARCHAR(128) NOT NULL,
          at DATETIME(3) NOT NULL,
          field VARCHAR(32) NOT NULL,
          old_value TEXT NULL,
          new_value TEXT NULL,
          PRIMARY KEY (id),
          KEY idx_ticket_events_ticket (ticket_id, id),
          CONSTRAINT fk_ticket_events_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE
        ) ${mysqlTail}`,
        `CREATE TABLE webhook_endpoints (
          id INT NOT NULL AUTO_INCREMENT,
          url VARCHAR(2048) NOT NULL,
          secret VARCHAR(128) NOT NULL,
          events TEXT NOT NULL,
          active TINYINT NOT NULL DEFAULT 1,
          description VARCHAR(255) NULL,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id)
        ) ${mysqlTail}`,
        `CREATE TABLE webhook_deliveries (
          id INT NOT NULL AUTO_INCREMENT,
          endpoint_id INT NOT NULL,
          event VARCHAR(64) NOT NULL,
          payload MEDIUMTEXT NOT NULL,
          attempt INT NOT NULL DEFAULT 0,
          status VARCHAR(12) NOT NULL,
          next_attempt_at DATETIME(3) NULL,
          last_status_code INT NULL,
          last_error VARCHAR(512) NULL,
          created_at DATETIME(3) NOT NULL,
          delivered_at DATETIME(3) NULL,
          PRIMARY KEY (id),
          KEY idx_webhook_deliveries_due (status, next_attempt_at),
          KEY idx_webhook_deliveries_endpoint (endpoint_id, id),
          CONSTRAINT fk_webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
          CONSTRAINT chk_webhook_deliveries_status CHECK (status IN ('pending', 'delivered', 'failed'))
        ) ${mysqlTail}`,
        `CREATE TABLE webhook_delivery_attempts (
          id INT NOT NULL AUTO_INCREMENT,
          delivery_id INT NOT NULL,
          attempt INT NOT NULL,
          at DATETIME(3) NOT NULL,
          status_code INT NULL,
          error VARCHAR(512) NULL,
          duration_ms INT NOT NULL,
          PRIMARY KEY (id),
          KEY idx_webhook_delivery_attempts_delivery (delivery_id, attempt),
          CONSTRAINT fk_webhook_delivery_attempts_delivery FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) ON DELETE CASCADE
        ) ${mysqlTail}`,
      ],
      sqlite: [
        `CREATE TABLE "ticket_categories" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "parent_id" integer REFERENCES "ticket_categories" ("id") ON DELETE RESTRICT,
          "name" varchar(128) NOT NULL,
          "sla" text NOT NULL,
          "active" boolean NOT NULL DEFAULT 1,
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL
        )`,
        `CREATE INDEX "idx_ticket_categories_parent" ON "ticket_categories" ("parent_id")`,
        `CREATE TABLE "tickets" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "category_id" integer NOT NULL REFERENCES "ticket_categories" ("id") ON DELETE RESTRICT,
          "priority" varchar(8) NOT NULL,
          "status" varchar(20) NOT NULL,
          "subject" varchar(255) NOT NULL,
          "description" text NOT NULL,
          "caller_number" varchar(16),
          "profile_id" integer,
          "call_uuid" varchar(64),
          "recording_id" varchar(64),
          "assignee_agent_id" integer,
          "assignee_team" varchar(64),
          "due_at" datetime,
          "created_by" integer,
          "created_by_name" varchar(128) NOT NULL,
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL,
          "resolved_at" datetime,
          "closed_at" datetime,
          CONSTRAINT "chk_tickets_status" CHECK ("status" IN (${STATUSES})),
          CONSTRAINT "chk_tickets_priority" CHECK ("priority" IN (${PRIORITIES}))
        )`,
        `CREATE INDEX "idx_tickets_caller_number" ON "tickets" ("caller_number", "created_at")`,
        `CREATE INDEX "idx_tickets_status_due" ON "tickets" ("status", "due_at")`,
        `CREATE INDEX "idx_tickets_assignee_agent" ON "tickets" ("assignee_agent_id", "status")`,
        `CREATE INDEX "idx_tickets_assignee_team" ON "tickets" ("assignee_team", "status")`,
        `CREATE INDEX "idx_tickets_category" ON "tickets" ("category_id", "status")`,
        `CREATE INDEX "idx_tickets_created_by" ON "tickets" ("created_by")`,
        `CREATE INDEX "idx_tickets_call_uuid" ON "tickets" ("call_uuid")`,
        `CREATE INDEX "idx_tickets_profile" ON "tickets" ("profile_id")`,
        `CREATE TABLE "ticket_comments" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "ticket_id" integer NOT NULL REFERENCES "tickets" ("id") ON DELETE CASCADE,
          "author_id" integer,
          "author_name" varchar(128) NOT NULL,
          "body" text NOT NULL,
          "created_at" datetime NOT NULL
        )`,
        `CREATE INDEX "idx_ticket_comments_ticket" ON "ticket_comments" ("ticket_id", "id")`,
        `CREATE TABLE "ticket_events" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "ticket_id" integer NOT NULL REFERENCES "tickets" ("id") ON DELETE CASCADE,
          "actor_id" integer,
          "actor_name" varchar(128) NOT NULL,
          "at" datetime NOT NULL,
          "field" varchar(32) NOT NULL,
          "old_value" text,
          "new_value" text
        )`,
        `CREATE INDEX "idx_ticket_events_ticket" ON "ticket_events" ("ticket_id", "id")`,
        `CREATE TABLE "webhook_endpoints" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "url" varchar(2048) NOT NULL,
          "secret" varchar(128) NOT NULL,
          "events" text NOT NULL,
          "active" boolean NOT NULL DEFAULT 1,
          "description" varchar(255),
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL
        )`,
        `CREATE TABLE "webhook_deliveries" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "endpoint_id" integer NOT NULL REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE,
          "event" varchar(64) NOT NULL,
          "payload" text NOT NULL,
          "attempt" integer NOT NULL DEFAULT 0,
          "status" varchar(12) NOT NULL,
          "next_attempt_at" datetime,
          "last_status_code" integer,
          "last_error" varchar(512),
          "created_at" datetime NOT NULL,
          "delivered_at" datetime,
          CONSTRAINT "chk_webhook_deliveries_status" CHECK ("status" IN ('pending', 'delivered', 'failed'))
        )`,
        `CREATE INDEX "idx_webhook_deliveries_due" ON "webhook_deliveries" ("status", "next_attempt_at")`,
        `CREATE INDEX "idx_webhook_deliveries_endpoint" ON "webhook_deliveries" ("endpoint_id", "id")`,
        `CREATE TABLE "webhook_delivery_attempts" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "delivery_id" integer NOT NULL REFERENCES "webhook_deliveries" ("id") ON DELETE CASCADE,
          "attempt" integer NOT NULL,
          "at" datetime NOT NULL,
          "status_code" integer,
          "error" varchar(512),
          "duration_ms" integer NOT NULL
        )`,
        `CREATE INDEX "idx_webhook_delivery_attempts_delivery" ON "webhook_delivery_attempts" ("delivery_id", "attempt")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const tables = ['webhook_delivery_attempts', 'webhook_deliveries', 'webhook_endpoints', 'ticket_events', 'ticket_comments', 'tickets', 'ticket_categories'];
    await runStatements(queryRunner, {
      mysql: tables.map((t) => `DROP TABLE ${t}`),
      sqlite: tables.map((t) => `DROP TABLE "${t}"`),
    });
  }
}
