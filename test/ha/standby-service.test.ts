/**
 * Two service instances in HA_MODE=lease on one database (SQLite file here; the kill -9 drill runs on MariaDB):
 * exactly one is active; the standby serves reads, refuses writes and live state with 503 naming the active one,
 * reports its role in /healthz and /metrics, and takes over at once when the active one steps down.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import { standbyRefuses } from '../../src/api/standby-gate';
import { ACD_WS_PATH } from '../../src/acd/live';
import WebSocket from 'ws';

const ADMIN_PASSWORD = 'standby-test-admin-pw';

describe('active/standby pair', () => {
  let sim: Simulator;
  let dir: string;
  const services: Service[] = [];

  const start = async (name: string): Promise<Service> => {
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: path.join(dir, name),
      DATABASE_URL: `sqlite:${path.join(dir, 'shared.sqlite')}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:standby`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
      JWT_SECRET: 'standby-test-jwt-secret-0123456789abcdef0123',
      HA_MODE: 'lease',
      HA_INSTANCE_ID: name,
      HA_LEASE_TTL_MS: '1500',
      HA_LEASE_RENEW_MS: '300',
      HA_ADVERTISE_URL: `http://${name}.example:8080`,
    });
    const s = await startService(config, { logger: silentLogger, apiOptions: { bcryptCost: 4 }, ivr: { importExamples: false, exampleDid: null } });
    services.push(s);
    return s;
  };
  const token = async (s: Service): Promise<string> => {
    const res = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    sim = await startSimulator({ password: 'standby', heartbeatMs: 0 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-standby-'));
  });
  afterAll(async () => {
    for (const s of services) await s.close();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('one active, one standby; the standby reads, refuses writes, and takes over when the active steps down', async () => {
    const a = await start('alpha');
    await a.whenActive();
    const b = await start('beta');
    expect(a.role.state()).toMatchObject({ role: 'active', holder: 'alpha' });
    expect(b.role.state()).toMatchObject({ role: 'standby', holder: 'alpha', holderUrl: 'http://alpha.example:8080' });
    // Only the active one is connected to FreeSWITCH.
    expect(sim.connectionCount()).toBe(1);

    const anon = (await (await fetch(`${b.url}/healthz`)).json()) as { status: string; role: string };
    expect(anon).toEqual({ status: 'ok', role: 'standby' });
    const tb = await token(b); // logging in works on a standby
    const health = (await (await fetch(`${b.url}/healthz`, { headers: { authorization: `Bearer ${tb}` } })).json()) as { ha: Record<string, unknown> };
    expect(health.ha).toMatchObject({ mode: 'lease', role: 'standby', instance_id: 'beta', holder: 'alpha' });

    const write = await fetch(`${b.url}/api/v1/acd/queues`, { method: 'POST', headers: { authorization: `Bearer ${tb}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
    expect(write.status).toBe(503);
    expect(write.headers.get('x-switchboard-active')).toBe('http://alpha.example:8080');
    expect(((await write.json()) as { detail: string }).detail).toMatch(/standby.*alpha\.example/);
    expect((await fetch(`${b.url}/api/v1/acd/live/queues`, { headers: { authorization: `Bearer ${tb}` } })).status).toBe(503);
    expect((await fetch(`${b.url}/api/v1/cdrs`, { headers: { authorization: `Bearer ${tb}` } })).status).toBe(200);
    const wsStatus = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${b.url.replace('http', 'ws')}${ACD_WS_PATH}`, [`bearer.${tb}`]);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('a standby accepted the live feed')));
      ws.on('error', () => undefined);
    });
    expect(wsStatus).toBe(503);
    const metrics = await (await fetch(`${b.url}/metrics`, { headers: { authorization: `Bearer ${tb}` } })).text();
    expect(metrics).toMatch(/^switchboard_ha_active 0$/m);
    expect(metrics).toMatch(/^switchboard_ha_term 1$/m);

    // A graceful stop of the active hands over at once (the lease is released, not left to expire).
    const stoppedAt = Date.now();
    await a.close();
    await b.whenActive();
    expect(Date.now() - stoppedAt).toBeLessThan(1500);
    expect(b.role.state()).toMatchObject({ role: 'active', term: 2, holder: 'beta' });
    const ok = await fetch(`${b.url}/api/v1/acd/live/queues`, { headers: { authorization: `Bearer ${tb}` } });
    expect(ok.status).toBe(200);
  }, 60_000);
});

describe('standby gate', () => {
  it('refuses writes and live reads, keeps database reads, logins and FreeSWITCH posts open', () => {
    expect(standbyRefuses('POST', '/api/v1/acd/queues')).toBe(true);
    expect(standbyRefuses('DELETE', '/api/v1/users/3')).toBe(true);
    expect(standbyRefuses('GET', '/api/v1/acd/live/agents')).toBe(true);
    expect(standbyRefuses('GET', '/api/v1/acd/me')).toBe(true);
    expect(standbyRefuses('GET', '/api/v1/ivr/flows')).toBe(true);
    expect(standbyRefuses('GET', '/api/v1/cdrs')).toBe(false);
    expect(standbyRefuses('GET', '/api/v1/acd/reports/queues')).toBe(false);
    expect(standbyRefuses('POST', '/api/v1/auth/login')).toBe(false);
    expect(standbyRefuses('POST', '/freeswitch/xml-cdr')).toBe(false);
    expect(standbyRefuses('POST', '/api/v1/ivr/flows/validate')).toBe(false);
    expect(standbyRefuses('OPTIONS', '/api/v1/users')).toBe(false);
  });
});
