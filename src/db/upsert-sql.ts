import type { DataSource } from 'typeorm';
import { quoteName, sqlDialectOf, type SqlDialect } from './sql-dialect';

/**
 * One INSERT of `rows` rows, each row of `columns` bound in order, that overwrites the other columns of a row whose
 * `key` already exists. Written here rather than through typeorm's upsert: typeorm inlines an integer primary key as a
 * literal, so every key made a statement of its own, and those filled (and emptied) the driver's 100-statement cache.
 */
export function upsertRowsSql(dialect: SqlDialect, table: string, columns: readonly string[], key: string, rows: number): string {
  const q = (name: string): string => quoteName(dialect, name);
  const one = `(${columns.map(() => '?').join(', ')})`;
  const head = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${Array.from({ length: rows }, () => one).join(', ')}`;
  return `${head} ${onKeyUpdate(dialect, key, columns.filter((c) => c !== key))}`;
}

/** The clause that makes an INSERT overwrite `updated` of a row whose `key` already exists, with the new values. */
export function onKeyUpdate(dialect: SqlDialect, key: string, updated: readonly string[]): string {
  const q = (name: string): string => quoteName(dialect, name);
  if (dialect === 'mysql') return `ON DUPLICATE KEY UPDATE ${updated.map((c) => `${q(c)} = VALUES(${q(c)})`).join(', ')}`;
  return `ON CONFLICT (${q(key)}) DO UPDATE SET ${updated.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`;
}

export type SqlValue = string | number | null;

/**
 * Writes `rows` (values in `columns` order) in one upsert; when the statement is refused, one row at a time, so a
 * bad row (too long for MySQL's strict mode, a foreign key gone) fails alone. Returns each row's error, undefined
 * for the rows written.
 */
export async function upsertRows(ds: DataSource, table: string, columns: readonly string[], key: string, rows: readonly SqlValue[][]): Promise<Array<Error | undefined>> {
  const dialect = sqlDialectOf(ds);
  try {
    if (rows.length) await ds.query(upsertRowsSql(dialect, table, columns, key, rows.length), rows.flat());
    return rows.map(() => undefined);
  } catch (err) {
    if (rows.length === 1) return [err as Error];
    const errors: Array<Error | undefined> = [];
    for (const row of rows) errors.push(...(await upsertRows(ds, table, columns, key, [row])));
    return errors;
  }
}
