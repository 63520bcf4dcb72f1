import type { DataSource } from 'typeorm';

/** The two SQL dialects the service stores in: MySQL/MariaDB and SQLite (better-sqlite3). */
export type SqlDialect = 'mysql' | 'sqlite';

export function sqlDialectOf(ds: DataSource): SqlDialect {
  const t = ds.options.type;
  return t === 'mysql' || t === 'mariadb' ? 'mysql' : 'sqlite';
}

/** A table or column name quoted for the dialect. */
export function quoteName(dialect: SqlDialect, name: string): string {
  return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}
