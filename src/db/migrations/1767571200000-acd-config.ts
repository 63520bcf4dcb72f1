import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * ACD configuration:
 * - acd_queues: one QueueConfig JSON document per queue name;
 * - acd_agents: one agent per user account, with its softphone extension (unique), skills, teams and queues (JSON).
 *
 * Queue names and extensions compare byte for byte on both engines (utf8mb4_bin on MySQL/MariaDB, SQLite's default
 * BINARY collation), as FreeSWITCH and the IVR compare them. Deleting a user deletes their agent row.
 */
export class AcdConfig1767571200000 implements MigrationInterface {
  name = 'AcdConfig1767571200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE acd_queues (
          name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          config MEDIUMTEXT NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          updated_by VARCHAR(128) NOT NULL,
          PRIMARY KEY (name)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE acd_agents (
          id INT NOT NULL AUTO_INCREMENT,
          user_id INT NOT NULL,
          name VARCHAR(128) NOT NULL,
          extension VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          skills TEXT NOT NULL,
          teams TEXT NOT NULL,
          queues TEXT NOT NULL,
          enabled TINYINT(1) NOT NULL DEFAULT 1,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_acd_agents_user_id (user_id),
          UNIQUE KEY uq_acd_agents_extension (extension),
          CONSTRAINT fk_acd_agents_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "acd_queues" (
          "name" varchar(64) PRIMARY KEY NOT NULL,
          "config" text NOT NULL,
          "updated_at" datetime NOT NULL,
          "updated_by" varchar(128) NOT NULL
        )`,
        `CREATE TABLE "acd_agents" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
          "name" varchar(128) NOT NULL,
          "extension" varchar(64) NOT NULL,
          "skills" text NOT NULL,
          "teams" text NOT NULL,
          "queues" text NOT NULL,
          "enabled" boolean NOT NULL DEFAULT (1),
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL,
          CONSTRAINT "uq_acd_agents_user_id" UNIQUE ("user_id"),
          CONSTRAINT "uq_acd_agents_extension" UNIQUE ("extension")
        )`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE acd_agents', 'DROP TABLE acd_queues'],
      sqlite: ['DROP TABLE "acd_agents"', 'DROP TABLE "acd_queues"'],
    });
  }
}
