import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Config } from '../config/config';
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
 * transaction where the engine allows). On failure the DataSource is closed and the error thrown.
 */
export async function openDatabase(db: DatabaseConfig, options: DataSourceFactoryOptions = {}): Promise<DataSource> {
  const logger = (options.logger ?? silentLogger).child({ module: 'db' });
  const ds = createDataSource(db, options);
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    if (applied.length) logger.info('applied migrations', { migrations: applied.map((m) => m.name) });
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw err;
  }
  return ds;
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
