import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createApp, createApiContext } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/context';
import type { HealthReport } from '../../src/api/health';
import { UserService } from '../../src/auth/users';
import type { Role } from '../../src/auth/roles';
import { systemClock, type Clock } from '../../src/clock/clock';
import { loadConfig, type Config } from '../../src/config/config';
import { openDatabase } from '../../src/db/data-source';
import { silentLogger } from '../../src/log/logger';
import { createMetrics, type MetricsRegistry } from '../../src/metrics/registry';
import { apiFetcher } from '../helpers/http';

export const PASSWORDS: Record<Role, string> = {
  admin: 'admin-password-123',
  supervisor: 'supervisor-password-123',
  agent: 'agent-password-1234',
};

export interface TestApi {
  base: string;
  ds: DataSource;
  config: Config;
  metrics: MetricsRegistry;
  dataDir: string;
  users: UserService;
  /** Tokens of the seeded users admin1, supervisor1, agent1. */
  tokens: Record<Role, string>;
  ids: Record<Role, number>;
  health: { report: HealthReport };
  deps: ApiDeps;
  fetch(pathname: string, init?: RequestInit & { token?: string; apiKey?: string; json?: unknown }): Promise<Response>;
  login(username: string, password: string): Promise<Response>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'sb-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function openTestDatabase(dataDir = tempDir()): Promise<{ ds: DataSource; config: Config; dataDir: string }> {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir });
  const ds = await openDatabase(config.database, { logger: silentLogger });
  return { ds, config, dataDir };
}

export interface StartOptions {
  clock?: Clock;
  env?: Record<string, string>;
  loginMaxFailures?: number;
  bodyLimit?: string;
  /** Skip seeding users and logging them in. */
  noSeed?: boolean;
}

export async function startTestApi(options: StartOptions = {}): Promise<TestApi> {
  const dataDir = tempDir();
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...(options.env ?? {}) });
  const ds = await openDatabase(config.database, { logger: silentLogger });
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics({ defaultMetrics: false });
  const health = {
    report: {
      status: 'ok',
      freeswitch: [{ node: 'fs1', status: 'connected', connected_since: '2026-01-01T00:00:00.000Z' }],
      database: { status: 'ok' },
    } as HealthReport,
  };
  const deps: ApiDeps = {
    dataSource: ds,
    config,
    clock,
    logger: silentLogger,
    health: async () => health.report,
    metrics,
    options: { bcryptCost: 4, loginMaxFailures: options.loginMaxFailures, bodyLimit: options.bodyLimit },
  };
  const app = createApp(deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const users = new UserService(ds, { clock, bcryptCost: 4 });

  const doFetch: TestApi['fetch'] = apiFetcher(base);
  const login = (username: string, password: string) => doFetch('/api/v1/auth/login', { method: 'POST', json: { username, password } });

  const tokens = {} as Record<Role, string>;
  const ids = {} as Record<Role, number>;
  if (!options.noSeed) {
    for (const role of ['admin', 'supervisor', 'agent'] as Role[]) {
      const u = await users.create({ username: `${role}1`, password: PASSWORDS[role], role });
      ids[role] = u.id;
      const res = await login(`${role}1`, PASSWORDS[role]);
      if (res.status !== 200) throw new Error(`seed login failed for ${role}: ${res.status} ${await res.text()}`);
      tokens[role] = ((await res.json()) as { token: string }).token;
    }
  }

  return {
    base,
    ds,
    config,
    metrics,
    dataDir,
    users,
    tokens,
    ids,
    health,
    deps,
    fetch: doFetch,
    login,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await ds.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { createApiContext };

export async function problemOf(res: Response): Promise<{ type: string; title: string; status: number; detail: string; instance: string; errors?: Array<{ location: string; field: string; pointer: string; detail: string }> }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Awaited<ReturnType<typeof problemOf>>;
  expect(body.status).toBe(res.status);
  expect(typeof body.title).toBe('string');
  expect(typeof body.type).toBe('string');
  return body;
}
