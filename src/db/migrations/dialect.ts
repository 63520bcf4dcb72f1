import type { QueryRunner } from 'typeorm';

export type Dialect = 'mysql' | 'sqlite';

/** The SQL dialect a migration must speak on this connection. */
export function dialectOf(queryRunner: QueryRunner): Dialect {
  const type = queryRunner.connection.driver.options.type;
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'better-sqlite3') return 'sqlite';
  throw new Error(`migrations support MySQL/MariaDB and SQLite, not ${type}`);
}

/** Runs one engine's statements in order. */
export async function runStatements(queryRunner: QueryRunner, statements: Record<Dialect, readonly string[]>): Promise<void> {
  for (const sql of statements[dialectOf(queryRunner)]) await queryRunner.query(sql);
}
