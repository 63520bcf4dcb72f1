/**
 * The database engines the db/cdr tests run against: SQLite (always, a temp file) and MariaDB/MySQL from
 * TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/switchboard_test).
 *
 * MariaDB rule: under CI (CI set and not "false"/"0") an unreachable MariaDB FAILS the suite; elsewhere the MariaDB
 * suite is skipped with a console.warn saying why. Every open() gets a fresh, migrated schema: a new temp file, or a
 * new database named after TEST_MYSQL_URL's (`<name>_<pid>_<n>`, dropped again by close()), so test files running in
 * parallel never share tables.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { Config } from '../../src/config/config';
import { createDataSource, openDatabase, type DataSourceFactoryOptions } from '../../src/db/data-source';
import { silentLogger } from '../../src/log/logger';

export type EngineName = 'sqlite' | 'mariadb';

export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/switchboard_test';

export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

export interface TestDatabase {
  engine: EngineName;
  ds: DataSource;
  config: Config['database'];
  /** Closes the DataSource and removes the database/file. */
  close(): Promise<void>;
}

export interface OpenOptions extends DataSourceFactoryOptions {
  /** Run the migrations (default true); false gives an initialised DataSource on an empty schema. */
  migrate?: boolean;
}

export interface TestEngine {
  name: EngineName;
  open(options?: OpenOptions): Promise<TestDatabase>;
}

let counter = 0;

function mysqlUrlFor(database: string): string {
  const u = new URL(TEST_MYSQL_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

function baseDatabaseName(): string {
  const name = decodeURIComponent(new URL(TEST_MYSQL_URL).pathname.replace(/^\//, '')) || 'switchboard_test';
  if (!/^[A-Za-z0-9_]{1,40}$/.test(name)) throw new Error(`TEST_MYSQL_URL database name "${name}" must be 1-40 of [A-Za-z0-9_]`);
  return name;
}

/** Runs one statement on the server with a short-lived connection (no database selected). */
async function adminQuery(sql: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const u = new URL(TEST_MYSQL_URL);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    connectTimeout: 5000,
  });
  try {
    await conn.query(sql);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

const sqliteEngine: TestEngine = {
  name: 'sqlite',
  async open(options = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-db-test-'));
    const config: Config['database'] = { type: 'sqlite', file: path.join(dir, 'data', 'switchboard.sqlite') };
    const ds = await openFor(config, options);
    return {
      engine: 'sqlite',
      ds,
      config,
      async close() {
        if (ds.isInitialized) await ds.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const mariadbEngine: TestEngine = {
  name: 'mariadb',
  async open(options = {}) {
    const name = `${baseDatabaseName()}_${process.pid}_${++counter}`;
    await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
    await adminQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const config: Config['database'] = { type: 'mysql', url: mysqlUrlFor(name) };
    const ds = await openFor(config, options);
    return {
      engine: 'mariadb',
      ds,
      config,
      async close() {
        if (ds.isInitialized) await ds.destroy();
        await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
      },
    };
  },
};

async function openFor(config: Config['database'], options: OpenOptions): Promise<DataSource> {
  const { migrate = true, ...rest } = options;
  const factory = { logger: silentLogger, ...rest };
  if (migrate) return openDatabase(config, factory);
  const ds = createDataSource(config, factory);
  await ds.initialize();
  return ds;
}

export interface MariadbProbe {
  ok: boolean;
  reason?: string;
}

/**
 * Whether MariaDB answers, checked synchronously (jest collects tests synchronously) in a child process, once per
 * worker process.
 */
export function probeMariadb(): MariadbProbe {
  const cacheKey = '__SB_TEST_MYSQL_PROBE';
  const cached = process.env[cacheKey];
  if (cached) {
    const c = JSON.parse(cached) as { url: string; probe: MariadbProbe };
    if (c.url === TEST_MYSQL_URL) return c.probe;
  }
  const script = `
    const mysql = require('mysql2/promise');
    const u = new URL(process.argv[1]);
    mysql.createConnection({ host: u.hostname, port: u.port ? Number(u.port) : 3306, user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password), connectTimeout: 4000 })
      .then(async (c) => { const [r] = await c.query('SELECT VERSION() AS v'); console.log(r[0].v); await c.end(); })
      .catch((e) => { console.error(e.code || '', e.message); process.exit(1); });`;
  const res = spawnSync(process.execPath, ['-e', script, TEST_MYSQL_URL], {
    cwd: path.resolve(__dirname, '../..'),
    encoding: 'utf8',
    timeout: 8000,
  });
  const safeUrl = (() => {
    const u = new URL(TEST_MYSQL_URL);
    if (u.password) u.password = '***';
    return u.toString();
  })();
  const probe: MariadbProbe =
    res.status === 0
      ? { ok: true }
      : { ok: false, reason: `MariaDB at ${safeUrl} is unreachable: ${(res.stderr || res.error?.message || 'timeout').trim()}` };
  process.env[cacheKey] = JSON.stringify({ url: TEST_MYSQL_URL, probe });
  return probe;
}

/**
 * `describe` once per engine. The MariaDB block is skipped (with a console.warn) when MariaDB is unreachable, except
 * under CI where it fails with the reason.
 */
export function describeEachEngine(title: string, body: (engine: TestEngine) => void): void {
  describe(`${title} [sqlite]`, () => body(sqliteEngine));
  const probe = probeMariadb();
  if (probe.ok) {
    describe(`${title} [mariadb]`, () => body(mariadbEngine));
  } else if (inCi()) {
    describe(`${title} [mariadb]`, () => {
      it('needs a reachable MariaDB (CI never skips it)', () => {
        throw new Error(`${probe.reason}. Set TEST_MYSQL_URL or start MariaDB.`);
      });
    });
  } else {
    console.warn(`skipping "${title} [mariadb]": ${probe.reason} (set TEST_MYSQL_URL; under CI this fails instead)`);
    describe.skip(`${title} [mariadb]`, () => body(mariadbEngine));
  }
}

export const engines = { sqlite: sqliteEngine, mariadb: mariadbEngine };
