import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * ha_leases: the leadership lease of active/standby HA (src/ha/leader-lease.ts). One row per lease name, never
 * deleted, so its term only ever grows. Times are milliseconds since the epoch on the DATABASE's clock (bigint, not
 * DATETIME): every comparison happens inside the one SQL statement that takes or renews the lease, so the instances'
 * own clocks never enter it.
 */
export class HaLeases1768100000000 implements MigrationInterface {
  name = 'HaLeases1768100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE ha_leases (
          name VARCHAR(64) NOT NULL,
          holder VARCHAR(128) NOT NULL,
          holder_url VARCHAR(512) NULL,
          term BIGINT NOT NULL,
          expires_at_ms BIGINT NOT NULL,
          renewed_at_ms BIGINT NOT NULL,
          acquired_at_ms BIGINT NOT NULL,
          PRIMARY KEY (name)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "ha_leases" (
          "name" varchar(64) PRIMARY KEY NOT NULL,
          "holder" varchar(128) NOT NULL,
          "holder_url" varchar(512),
          "term" bigint NOT NULL,
          "expires_at_ms" bigint NOT NULL,
          "renewed_at_ms" bigint NOT NULL,
          "acquired_at_ms" bigint NOT NULL
        )`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE ha_leases'],
      sqlite: ['DROP TABLE "ha_leases"'],
    });
  }
}
