import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * ACD history: acd_queue_calls (one row per queue call, id = caller uuid), acd_agent_state_log (every agent state
 * transition) and acd_offer_log (every offer to an agent and its result). Written by src/acd/history-store.ts.
 */
export class AcdHistory1767484800000 implements MigrationInterface {
  name = 'AcdHistory1767484800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE acd_queue_calls (
          id VARCHAR(64) NOT NULL,
          fs_node VARCHAR(128) NOT NULL,
          queue VARCHAR(64) NOT NULL,
          priority INT NOT NULL,
          caller_number VARCHAR(64) NOT NULL,
          caller_name VARCHAR(128) NULL,
          entered_at DATETIME(3) NOT NULL,
          offered_count INT NOT NULL,
          answered_at DATETIME(3) NULL,
          ended_at DATETIME(3) NULL,
          agent_id INT NULL,
          wait_ms INT NULL,
          talk_ms INT NULL,
          outcome VARCHAR(32) NULL,
          overflow_target VARCHAR(128) NULL,
          disposition VARCHAR(64) NULL,
          notes TEXT NULL,
          data MEDIUMTEXT NULL,
          PRIMARY KEY (id),
          KEY idx_acd_queue_calls_queue_entered (queue, entered_at),
          KEY idx_acd_queue_calls_agent (agent_id, entered_at)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE acd_agent_state_log (
          id BIGINT NOT NULL AUTO_INCREMENT,
          agent_id INT NOT NULL,
          state VARCHAR(32) NOT NULL,
          previous VARCHAR(32) NOT NULL,
          reason VARCHAR(64) NULL,
          version INT NOT NULL,
          at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          KEY idx_acd_agent_state_log_agent_at (agent_id, at)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE acd_offer_log (
          id BIGINT NOT NULL AUTO_INCREMENT,
          offer_id VARCHAR(64) NOT NULL,
          call_id VARCHAR(64) NOT NULL,
          agent_id INT NOT NULL,
          queue VARCHAR(64) NOT NULL,
          offered_at DATETIME(3) NOT NULL,
          result VARCHAR(16) NULL,
          ended_at DATETIME(3) NULL,
          ring_ms INT NULL,
          PRIMARY KEY (id),
          KEY idx_acd_offer_log_agent_at (agent_id, offered_at),
          KEY idx_acd_offer_log_call (call_id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "acd_queue_calls" (
          "id" varchar(64) PRIMARY KEY NOT NULL,
          "fs_node" varchar(128) NOT NULL,
          "queue" varchar(64) NOT NULL,
          "priority" integer NOT NULL,
          "caller_number" varchar(64) NOT NULL,
          "caller_name" varchar(128),
          "entered_at" datetime NOT NULL,
          "offered_count" integer NOT NULL,
          "answered_at" datetime,
          "ended_at" datetime,
          "agent_id" integer,
          "wait_ms" integer,
          "talk_ms" integer,
          "outcome" varchar(32),
          "overflow_target" varchar(128),
          "disposition" varchar(64),
          "notes" text,
          "data" text
        )`,
        `CREATE INDEX "idx_acd_queue_calls_queue_entered" ON "acd_queue_calls" ("queue", "entered_at")`,
        `CREATE INDEX "idx_acd_queue_calls_agent" ON "acd_queue_calls" ("agent_id", "entered_at")`,
        `CREATE TABLE "acd_agent_state_log" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "agent_id" integer NOT NULL,
          "state" varchar(32) NOT NULL,
          "previous" varchar(32) NOT NULL,
          "reason" varchar(64),
          "version" integer NOT NULL,
          "at" datetime NOT NULL
        )`,
        `CREATE INDEX "idx_acd_agent_state_log_agent_at" ON "acd_agent_state_log" ("agent_id", "at")`,
        `CREATE TABLE "acd_offer_log" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "offer_id" varchar(64) NOT NULL,
          "call_id" varchar(64) NOT NULL,
          "agent_id" integer NOT NULL,
          "queue" varchar(64) NOT NULL,
          "offered_at" datetime NOT NULL,
          "result" varchar(16),
          "ended_at" datetime,
          "ring_ms" integer
        )`,
        `CREATE INDEX "idx_acd_offer_log_agent_at" ON "acd_offer_log" ("agent_id", "offered_at")`,
        `CREATE INDEX "idx_acd_offer_log_call" ON "acd_offer_log" ("call_id")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE acd_offer_log', 'DROP TABLE acd_agent_state_log', 'DROP TABLE acd_queue_calls'],
      sqlite: ['DROP TABLE "acd_offer_log"', 'DROP TABLE "acd_agent_state_log"', 'DROP TABLE "acd_queue_calls"'],
    });
  }
}
