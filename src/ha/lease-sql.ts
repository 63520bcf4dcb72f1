import type { DataSource, QueryRunner } from 'typeorm';

/**
 * The SQL of the leadership lease (table ha_leases, migration 1768100000000-ha-leases). Every time in it is the
 * DATABASE's clock in ms since the epoch, read inside the statement that uses it: the instances' clocks never decide
 * who holds the lease, so a skewed instance cannot take a lease that has not expired.
 */
export type LeaseEngine = 'mysql' | 'sqlite';

export function leaseEngineOf(ds: DataSource): LeaseEngine {
  const t = ds.options.type;
  if (t === 'mysql' || t === 'mariadb') return 'mysql';
  if (t === 'better-sqlite3') return 'sqlite';
  throw new Error(`the leadership lease supports MySQL/MariaDB and SQLite, not ${t}`);
}

/**
 * The database's "now" in ms. MariaDB/MySQL evaluate UTC_TIMESTAMP() once per statement (like NOW()), and counting
 * from the epoch in UTC stays right across the server's DST changes (UNIX_TIMESTAMP(NOW()) is ambiguous for an hour
 * a year). SQLite's 'now' is fixed for one statement step.
 */
const DB_NOW_MS: Record<LeaseEngine, string> = {
  mysql: `(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)`,
  sqlite: `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`,
};

/** The lease row as read back, plus the database's now at that read. */
export interface LeaseRow {
  holder: string;
  holderUrl: string | null;
  term: number;
  expiresAtMs: number;
  renewedAtMs: number;
  acquiredAtMs: number;
  dbNowMs: number;
}

/** Creates the row, expired and held by nobody (term 0), unless it exists: the first acquisition is then term 1. */
export async function ensureLeaseRow(qr: QueryRunner, engine: LeaseEngine, name: string): Promise<void> {
  const sql =
    engine === 'mysql'
      ? // Not INSERT IGNORE: that would also turn real errors (a too-long name) into warnings.
        `INSERT INTO ha_leases (name, holder, holder_url, term, expires_at_ms, renewed_at_ms, acquired_at_ms)
         VALUES (?, '', NULL, 0, 0, 0, 0) ON DUPLICATE KEY UPDATE name = name`
      : `INSERT INTO "ha_leases" ("name", "holder", "holder_url", "term", "expires_at_ms", "renewed_at_ms", "acquired_at_ms")
         VALUES (?, '', NULL, 0, 0, 0, 0) ON CONFLICT ("name") DO NOTHING`;
  await qr.query(sql, [name]);
}

export interface AcquireParams {
  name: string;
  instanceId: string;
  holderUrl: string | null;
  ttlMs: number;
  /** The term this instance leads under now, or null when it is standby (then any success is a new term). */
  renewTerm: number | null;
}

/**
 * Takes or renews the lease in one conditional statement: it succeeds (matches the row) only when the lease has
 * expired or is already ours. It keeps the term only for a true renewal (ours, under the term we lead with, not
 * expired); anything else, including taking our own lease back after it expired or after we stepped down locally, is
 * a new term, so work decided under the old term is fenced off even in this same instance.
 *
 * Order of the SET list matters on MySQL/MariaDB, which evaluate assignments left to right and let later ones see
 * earlier results: acquired_at_ms and term are computed first, from the row as it was, before holder and
 * expires_at_ms change. (SQLite always reads the old row; the same order is right for both.)
 *
 * Returns whether the row matched, i.e. whether we hold the lease now (mysql2 runs with CLIENT_FOUND_ROWS, so
 * affectedRows counts matched rows; renewed_at_ms changes on every success anyway).
 */
export async function acquireOrRenew(qr: QueryRunner, engine: LeaseEngine, p: AcquireParams): Promise<boolean> {
  const now = DB_NOW_MS[engine];
  const q = engine === 'mysql' ? (id: string) => id : (id: string) => `"${id}"`;
  const keep = `(${q('holder')} = ? AND ${q('term')} = ? AND ${q('expires_at_ms')} >= ${now})`;
  const sql = `UPDATE ${q('ha_leases')} SET
      ${q('acquired_at_ms')} = CASE WHEN ${keep} THEN ${q('acquired_at_ms')} ELSE ${now} END,
      ${q('term')} = CASE WHEN ${keep} THEN ${q('term')} ELSE ${q('term')} + 1 END,
      ${q('holder')} = ?,
      ${q('holder_url')} = ?,
      ${q('expires_at_ms')} = ${now} + ?,
      ${q('renewed_at_ms')} = ${now}
    WHERE ${q('name')} = ? AND (${q('expires_at_ms')} < ${now} OR ${q('holder')} = ?)`;
  // A null renewTerm never equals a term (NULL = x is not true), so the CASEs take the new-term branch.
  const params = [p.instanceId, p.renewTerm, p.instanceId, p.renewTerm, p.instanceId, p.holderUrl, p.ttlMs, p.name, p.instanceId];
  const result = (await qr.query(sql, params, true)) as { affected?: number };
  return (result.affected ?? 0) > 0;
}

/** Reads the row (null when it does not exist yet). */
export async function readLease(qr: QueryRunner, engine: LeaseEngine, name: string): Promise<LeaseRow | null> {
  const sql =
    engine === 'mysql'
      ? `SELECT holder, holder_url, term, expires_at_ms, renewed_at_ms, acquired_at_ms, ${DB_NOW_MS.mysql} AS db_now_ms
         FROM ha_leases WHERE name = ?`
      : `SELECT "holder", "holder_url", "term", "expires_at_ms", "renewed_at_ms", "acquired_at_ms", ${DB_NOW_MS.sqlite} AS "db_now_ms"
         FROM "ha_leases" WHERE "name" = ?`;
  const rows = (await qr.query(sql, [name])) as Array<Record<string, unknown>>;
  const r = rows[0];
  if (!r) return null;
  // bigint columns arrive as strings from mysql2 (bigNumberStrings), as numbers from SQLite.
  return {
    holder: String(r.holder),
    holderUrl: r.holder_url == null ? null : String(r.holder_url),
    term: Number(r.term),
    expiresAtMs: Number(r.expires_at_ms),
    renewedAtMs: Number(r.renewed_at_ms),
    acquiredAtMs: Number(r.acquired_at_ms),
    dbNowMs: Number(r.db_now_ms),
  };
}

/**
 * Ends our lease at once (graceful step-down): it expires now on the database's clock, so the next attempt of a
 * standby takes it. Only the term we held: a lease someone else took meanwhile is left alone.
 */
export async function expireLease(qr: QueryRunner, engine: LeaseEngine, name: string, instanceId: string, term: number): Promise<boolean> {
  const now = DB_NOW_MS[engine];
  const sql =
    engine === 'mysql'
      ? `UPDATE ha_leases SET expires_at_ms = ${now} - 1 WHERE name = ? AND holder = ? AND term = ? AND expires_at_ms >= ${now}`
      : `UPDATE "ha_leases" SET "expires_at_ms" = ${now} - 1 WHERE "name" = ? AND "holder" = ? AND "term" = ? AND "expires_at_ms" >= ${now}`;
  const result = (await qr.query(sql, [name, instanceId, term], true)) as { affected?: number };
  return (result.affected ?? 0) > 0;
}
