import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Clock } from '../clock/clock';
import type { Config } from '../config/config';
import { fullJitterBackoff, type RetryStrategy } from '../esl/backoff';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { allEntities } from './entities';
import { allMigrations } from './migrations';
import { TypeormWinstonLogger } from './typeorm-logger';

export type DatabaseConfig = Config['database'];

export interface DataSourceFactoryOptions {
  logger?: Logger;
  /** MySQL connection pool size (default 10). */
  poolSize?: number;
  /** SQLite busy timeout in ms: how long a write waits for a lock held by another connection (default 5000). */
  busyTimeoutMs?: number;
  /** Queries slower than this are logged as warnings (default 2000 ms). */
  slowQueryMs?: number;
}

export interface ConnectRetryOptions {
  clock: Clock;
  /** How long the first connection is retried while the server is unreachable (0: one attempt). */
  forMs: number;
  /** Delay before attempt n+1 (default: full-jitter backoff from 500 ms, capped at 5 s). */
  backoff?: RetryStrategy;
}

export interface OpenDatabaseOptions extends DataSourceFactoryOptions {
  /** Wait for a MySQL/MariaDB server that is not up yet (e.g. started at the same time by compose). */
  connectRetry?: ConnectRetryOptions;
}

/** The migrations table (both engines). */
export const MIGRATIONS_TABLE = 'migrations';

/**
 * A DataSource for MySQL/MariaDB (mysql2 pool, utf8mb4, UTC) or embedded SQLite (better-sqlite3, WAL, busy timeout).
 * The schema is only ever changed by the versioned migrations: synchronize is always false and migrations never run
 * implicitly (openDatabase or `npm run migrate` run them). Not initialised: see openDatabase.
 */
export function createDataSource(db: DatabaseConfig, options: DataSourceFactoryOptions = {}): DataSource {
  const logger = (options.logger ?? silentLogger).child({ module: 'db' });
  const common = {
    entities: allEntities,
    migrations: allMigrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    logging: ['error', 'warn', 'migration', 'schema'] as ('error' | 'warn' | 'migration' | 'schema')[],
    logger: new TypeormWinstonLogger(logger),
    maxQueryExecutionTime: options.slowQueryMs ?? 2000,
  };
  let dsOptions: DataSourceOptions;
  if (db.type === 'mysql') {
    dsOptions = {
      ...common,
      type: 'mysql',
      url: db.url,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      connectTimeout: 10_000,
      poolSize: options.poolSize ?? 10,
      supportBigNumbers: true,
      bigNumberStrings: true,
      extra: { waitForConnections: true, queueLimit: 0, enableKeepAlive: true, keepAliveInitialDelay: 10_000 },
    };
  } else {
    const busyTimeout = options.busyTimeoutMs ?? 5000;
    const memory = db.file === ':memory:';
    if (!memory) fs.mkdirSync(path.dirname(db.file), { recursive: true });
    dsOptions = {
      ...common,
      type: 'better-sqlite3',
      database: db.file,
      enableWAL: !memory,
      timeout: busyTimeout,
      prepareDatabase: (conn: { pragma(sql: string): unknown }) => {
        conn.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeout))}`);
        // Durable across a process crash in WAL mode; only an OS crash may lose the last transactions.
        conn.pragma('synchronous = NORMAL');
      },
    };
  }
  return new DataSource(dsOptions);
}

/**
 * Opens the database for the service: initialises the DataSource and applies pending migrations (each in its own
 * transaction where the engine allows). With connectRetry, a server that refuses or times out the first connection
 * is tried again until forMs has passed (a warning per attempt); anything else (wrong password, unknown database)
 * fails at once. On failure the DataSource is closed and the error thrown.
 */
export async function openDatabase(db: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<DataSource> {
  const logger = (options.logger ?? silentLogger).child({ module: 'db' });
  const ds = await initializeWithRetry(db, options, logger);
  try {
    await withMigrationLock(ds, async () => {
      const applied = await ds.runMigrations({ transaction: 'each' });
      if (applied.length) logger.info('applied migrations', { migrations: applied.map((m) => m.name) });
    });
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw err;
  }
  return ds;
}

/**
 * Two instances starting together (an active/standby pair) must not run the same migration twice: on MySQL/MariaDB
 * a named lock (GET_LOCK, held by its own connection) makes the second wait until the first is done, then find
 * nothing pending. SQLite serialises writers by itself.
 */
async function withMigrationLock(ds: DataSource, body: () => Promise<void>): Promise<void> {
  if (ds.options.type !== 'mysql' && ds.options.type !== 'mariadb') return body();
  const lock = ds.createQueryRunner();
  try {
    const [row] = (await lock.query(`SELECT GET_LOCK('switchboard_migrations', 120) AS got`)) as Array<{ got: number | string | null }>;
    if (Number(row?.got) !== 1) throw new Error('another instance has been migrating the database for 120 s (lock switchboard_migrations)');
    try {
      await body();
    } finally {
      await lock.query(`SELECT RELEASE_LOCK('switchboard_migrations')`).catch(() => undefined);
    }
  } finally {
    await lock.release();
  }
}

/** mysql2 / Node error codes of a server that is not reachable (yet): starting, restarting, or not listening. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST']);

export function isUnreachableDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

async function initializeWithRetry(db: DatabaseConfig, options: OpenDatabaseOptions, logger: Logger): Promise<DataSource> {
  const retry = db.type === 'mysql' ? options.connectRetry : undefined;
  const started = retry?.clock.now() ?? 0;
  const backoff = retry?.backoff ?? fullJitterBackoff(500, 5_000);
  for (let attempt = 1; ; attempt++) {
    // A fresh DataSource per attempt: a failed initialize leaves typeorm's driver half set up.
    const ds = createDataSource(db, options);
    try {
      return await ds.initialize();
    } catch (err) {
      await ds.destroy().catch(() => undefined);
      if (!retry || !isUnreachableDatabaseError(err)) throw err;
      const elapsed = retry.clock.now() - started;
      if (elapsed >= retry.forMs) {
        logger.error('database unreachable, giving up', { database: describeDatabase(db), attempts: attempt, waitedMs: elapsed, error: (err as Error).message });
        throw err;
      }
      // At least 250 ms between attempts (full jitter may draw ~0), never past the end of the window.
      const delay = Math.min(Math.max(250, backoff(attempt - 1)), retry.forMs - elapsed);
      logger.warn('database unreachable, retrying', {
        database: describeDatabase(db),
        attempt,
        retryInMs: delay,
        giveUpInMs: retry.forMs - elapsed,
        error: (err as Error).message,
      });
      await new Promise<void>((resolve) => retry.clock.setTimeout(resolve, delay));
    }
  }
}

/** A description of the database safe to log (no password). */
export function describeDatabase(db: DatabaseConfig): string {
  if (db.type === 'sqlite') return `sqlite:${db.file}`;
  try {
    const u = new URL(db.url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'mysql:(unparseable url)';
  }
}
