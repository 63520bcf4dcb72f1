/**
 * An API server on a database of one engine (describeEachEngine), optionally with a FreeSWITCH cluster in its deps,
 * with the users admin1/supervisor1/agent1 logged in and an API key per role.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/context';
import { ApiKeyService } from '../../src/auth/api-keys';
import type { Role } from '../../src/auth/roles';
import { UserService } from '../../src/auth/users';
import { systemClock } from '../../src/clock/clock';
import { loadConfig, type Config } from '../../src/config/config';
import type { FreeSwitchCluster } from '../../src/freeswitch/cluster';
import { silentLogger } from '../../src/log/logger';
import { createMetrics } from '../../src/metrics/registry';
import type { TestEngine } from '../helpers/databases';
import { apiFetcher } from '../helpers/http';

export const ROLES: Role[] = ['admin', 'supervisor', 'agent'];
const PASSWORDS: Record<Role, string> = { admin: 'admin-password-123', supervisor: 'supervisor-password-123', agent: 'agent-password-1234' };

export interface EngineApi {
  base: string;
  ds: DataSource;
  config: Config;
  dir: string;
  tokens: Record<Role, string>;
  ids: Record<Role, number>;
  apiKeys: Record<Role, string>;
  fetch(pathname: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startEngineApi(engine: TestEngine, options: { freeswitch?: FreeSwitchCluster } = {}): Promise<EngineApi> {
  const db = await engine.open();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-dialplan-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, JWT_SECRET: 'dialplan-tests-secret-0123456789abcdef' });
  const deps: ApiDeps = {
    dataSource: db.ds,
    config,
    clock: systemClock,
    logger: silentLogger,
    health: async () => ({ status: 'ok', freeswitch: [], database: { status: 'ok' } }) as unknown as Awaited<ReturnType<ApiDeps['health']>>,
    metrics: createMetrics({ defaultMetrics: false }),
    freeswitch: options.freeswitch,
    options: { bcryptCost: 4 },
  };
  const app = createApp(deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const doFetch: EngineApi['fetch'] = apiFetcher(base);

  const users = new UserService(db.ds, { bcryptCost: 4 });
  const keys = new ApiKeyService(db.ds);
  const tokens = {} as Record<Role, string>;
  const ids = {} as Record<Role, number>;
  const apiKeys = {} as Record<Role, string>;
  for (const role of ROLES) {
    const u = await users.create({ username: `${role}1`, password: PASSWORDS[role], role });
    ids[role] = u.id;
    const res = await doFetch('/api/v1/auth/login', { method: 'POST', json: { username: `${role}1`, password: PASSWORDS[role] } });
    if (res.status !== 200) throw new Error(`login failed for ${role}: ${res.status}`);
    tokens[role] = ((await res.json()) as { token: string }).token;
    apiKeys[role] = (await keys.create({ name: `key-${role}`, role, created_by: null })).key;
  }

  return {
    base,
    ds: db.ds,
    config,
    dir,
    tokens,
    ids,
    apiKeys,
    fetch: doFetch,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const SHIPPED_DIALPLANS = path.resolve(__dirname, '../../dialplans');
