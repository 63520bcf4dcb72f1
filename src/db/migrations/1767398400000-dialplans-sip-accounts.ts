import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * Dialplan administration and the mod_xml_curl directory:
 * - dialplan_versions: every version of every dialplan context (append-only; a delete is a tombstone row);
 * - sip_accounts: agents' SIP accounts, with the digest A1 hash and never the password.
 *
 * Context names and extensions compare byte for byte on both engines (utf8mb4_bin on MySQL/MariaDB, SQLite's
 * default BINARY collation), as FreeSWITCH compares them.
 */
export class DialplansSipAccounts1767398400000 implements MigrationInterface {
  name = 'DialplansSipAccounts1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE dialplan_versions (
          id INT NOT NULL AUTO_INCREMENT,
          context VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          version INT NOT NULL,
          xml MEDIUMTEXT NOT NULL,
          deleted TINYINT(1) NOT NULL DEFAULT 0,
          author_user_id INT NULL,
          author_name VARCHAR(128) NOT NULL,
          comment VARCHAR(500) NULL,
          sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
          created_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_dialplan_versions_context_version (context, version),
          CONSTRAINT fk_dialplan_versions_author FOREIGN KEY (author_user_id) REFERENCES users (id) ON DELETE SET NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE sip_accounts (
          id INT NOT NULL AUTO_INCREMENT,
          user_id INT NULL,
          extension VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          domain VARCHAR(253) NOT NULL,
          display_name VARCHAR(80) NULL,
          a1_hash CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
          enabled TINYINT(1) NOT NULL DEFAULT 1,
          created_at DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          UNIQUE KEY uq_sip_accounts_extension (extension),
          KEY idx_sip_accounts_user_id (user_id),
          CONSTRAINT fk_sip_accounts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "dialplan_versions" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "context" varchar(64) NOT NULL,
          "version" integer NOT NULL,
          "xml" text NOT NULL,
          "deleted" boolean NOT NULL DEFAULT (0),
          "author_user_id" integer REFERENCES "users" ("id") ON DELETE SET NULL,
          "author_name" varchar(128) NOT NULL,
          "comment" varchar(500),
          "sha256" char(64) NOT NULL,
          "created_at" datetime NOT NULL,
          CONSTRAINT "uq_dialplan_versions_context_version" UNIQUE ("context", "version")
        )`,
        `CREATE TABLE "sip_accounts" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "user_id" integer REFERENCES "users" ("id") ON DELETE SET NULL,
          "extension" varchar(64) NOT NULL,
          "domain" varchar(253) NOT NULL,
          "display_name" varchar(80),
          "a1_hash" char(32) NOT NULL,
          "enabled" boolean NOT NULL DEFAULT (1),
          "created_at" datetime NOT NULL,
          "updated_at" datetime NOT NULL,
          CONSTRAINT "uq_sip_accounts_extension" UNIQUE ("extension")
        )`,
        `CREATE INDEX "idx_sip_accounts_user_id" ON "sip_accounts" ("user_id")`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE sip_accounts', 'DROP TABLE dialplan_versions'],
      sqlite: ['DROP TABLE "sip_accounts"', 'DROP TABLE "dialplan_versions"'],
    });
  }
}
