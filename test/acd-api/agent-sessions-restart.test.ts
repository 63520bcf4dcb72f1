/**
 * Agent sessions across a restart: the service on the simulator, agents in each state, the service stopped and
 * started again on the same database. See src/acd/agent-sessions.ts for the rules checked here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RESTORED_WRAP_UP_REASON, restorePlan } from '../../src/acd/agent-sessions';
import { queueCreateSchema } from '../../src/acd/config-store';
import { UserService } from '../../src/auth/users';
import { loadConfig, type Config } from '../../src/config/config';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import { describeEachEngine } from '../helpers/databases';

const ADMIN_PASSWORD = 'sessions-admin-password';

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('restorePlan', () => {
  const since = new Date(1_000_000);
  it('maps each stored state to what the agent comes back as', () => {
    expect(restorePlan({ state: 'available', reason: null, since }, 30, 2_000_000)).toEqual({ state: 'available' });
    expect(restorePlan({ state: 'reserved', reason: null, since }, 30, 2_000_000)).toEqual({ state: 'available' });
    expect(restorePlan({ state: 'not_ready', reason: 'lunch', since }, 30, 2_000_000)).toEqual({ state: 'not_ready', reason: 'lunch' });
    // On a call: the queue's whole wrap-up from the restart; without wrap-up (no queue): available.
    expect(restorePlan({ state: 'on_call', reason: null, since }, 30, 2_000_000)).toEqual({ state: 'wrap_up', readyAt: 2_030_000, wrapUpSec: 30 });
    expect(restorePlan({ state: 'on_call', reason: null, since }, 0, 2_000_000)).toEqual({ state: 'available' });
    // In wrap-up: what is left of it, or available once it is over.
    expect(restorePlan({ state: 'wrap_up', reason: null, since }, 30, 1_010_000)).toEqual({ state: 'wrap_up', readyAt: 1_030_000, wrapUpSec: 30 });
    expect(restorePlan({ state: 'wrap_up', reason: null, since }, 30, 1_030_000)).toEqual({ state: 'available' });
    expect(restorePlan({ state: 'logged_out', reason: null, since }, 30, 2_000_000)).toBeNull();
    expect(restorePlan({ state: 'nonsense', reason: null, since }, 30, 2_000_000)).toBeNull();
  });
});

describeEachEngine('agent sessions survive a restart', (engine) => {
  let sim: Simulator;
  let service: Service | undefined;
  let config: Config;
  let dataDir = '';
  let closeDb: (() => Promise<void>) | undefined;
  const ids: Record<string, number> = {};

  const start = async (): Promise<Service> =>
    (service = await startService(config, { logger: silentLogger, apiOptions: { bcryptCost: 4 }, ivr: { importExamples: false, exampleDid: null } }));
  const state = (name: string) => {
    const a = service!.acd.engine.agent(ids[name]!);
    return a ? { state: a.state, reason: a.reason ?? null } : undefined;
  };

  beforeAll(async () => {
    sim = await startSimulator({ password: 'sess-secret', seed: 3, heartbeatMs: 0, defaultFileMs: 100 });
    const db = await engine.open();
    await db.ds.destroy();
    closeDb = db.close;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-sessions-'));
    config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: db.config.type === 'mysql' ? db.config.url : `sqlite:${db.config.file}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:sess-secret`,
      CDR_FLUSH_MS: '20',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
    });
  }, 30_000);
  afterAll(async () => {
    await service?.close();
    await sim?.close();
    await closeDb?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let token = '';
  const api = async (pathname: string, init: { method?: string; json?: unknown } = {}): Promise<Response> =>
    fetch(`${service!.url}${pathname}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
    });
  const login = async (): Promise<void> => {
    const res = await fetch(`${service!.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    token = ((await res.json()) as { token: string }).token;
  };
  const setState = async (name: string, json: unknown): Promise<void> => {
    const res = await api(`/api/v1/acd/agents/${ids[name]}/state`, { method: 'POST', json });
    expect(res.status).toBe(200);
  };
  /** A customer calls the queue's DID; resolves with the caller uuid once `name` is on the call. */
  const callTo = async (did: string, name: string): Promise<string> => {
    const caller = sim.injectInboundCall({ from: '+14155550142', to: did });
    await waitFor(`${name} on the call`, () => service!.acd.legsOfAgent(ids[name]!)?.callerUuid === caller && state(name)?.state === 'on_call');
    return caller;
  };

  it('logged-in agents come back in their state; one on a call gets its wrap-up, then is available', async () => {
    const s = await start();
    await login();
    for (const [name, wrapUpSec, did] of [
      ['sales', 2, '15550007001'],
      ['support', 4, '15550007002'],
    ] as const) {
      await s.acdConfig.createQueue(queueCreateSchema.parse({ name, strategy: 'longest_idle', offerTimeoutSec: 5, wrapUpSec, announceIntervalSec: 0, maxNoAnswer: 0 }), 'test');
      const flow = { name: `to-${name}`, timeZone: 'UTC', start: 'a', nodes: { a: { type: 'answer', next: 'q' }, q: { type: 'queue', queue: name } } };
      expect((await api('/api/v1/ivr/flows', { method: 'POST', json: { document: flow } })).status).toBe(201);
      expect((await api(`/api/v1/ivr/dids/${did}`, { method: 'PUT', json: { flow: `to-${name}` } })).status).toBe(200);
    }
    const users = new UserService(s.dataSource, { bcryptCost: 4 });
    for (const [name, ext, queue] of [
      ['ann', '1001', 'sales'],
      ['ben', '1002', 'sales'],
      ['cat', '1003', 'sales'],
      ['dan', '1004', 'sales'],
      ['eve', '1005', 'support'],
    ] as const) {
      sim.registerSoftphone(ext, { answerDelayMs: 30 });
      const u = await users.create({ username: name, password: 'sessions-pass-123', role: 'agent' });
      ids[name] = (await s.acdConfig.createAgent({ user_id: u.id, extension: ext, queues: [{ queue, tier: 1 }] })).id;
    }
    // cat is on a sales call at the restart; eve's support call ends just before it (she is in wrap-up).
    await setState('cat', { action: 'login' });
    const catCall = await callTo('15550007001', 'cat');
    await setState('eve', { action: 'login' });
    const eveCall = await callTo('15550007002', 'eve');
    sim.hangup(eveCall);
    await waitFor('eve in wrap-up', () => state('eve')?.state === 'wrap_up');
    await setState('ann', { action: 'login' });
    await setState('ben', { action: 'login' });
    await setState('ben', { action: 'not_ready', reason: 'lunch' });
    // dan logs in and out again: no session.
    await setState('dan', { action: 'login' });
    await setState('dan', { action: 'logout' });

    await s.close();
    service = undefined;
    // The call ended while the service was away.
    sim.hangup(catCall);
    await waitFor('the calls are gone', () => sim.channels().length === 0);

    const again = await start();
    await login();
    expect(state('ann')).toEqual({ state: 'available', reason: null });
    expect(state('ben')).toEqual({ state: 'not_ready', reason: 'lunch' });
    expect(state('dan')).toEqual({ state: 'logged_out', reason: null });
    // cat was on a call: the sales wrap-up (2 s) from the restart, then available by itself.
    expect(state('cat')).toEqual({ state: 'not_ready', reason: RESTORED_WRAP_UP_REASON });
    // eve was in wrap-up: the rest of it (support: 4 s), then available.
    expect(state('eve')).toEqual({ state: 'not_ready', reason: RESTORED_WRAP_UP_REASON });
    // The API sees them logged in: ready after the restart is a repeat for ann (200, unchanged).
    const me = await api(`/api/v1/acd/agents/${ids.ann}/state`, { method: 'POST', json: { action: 'ready' } });
    expect(me.status).toBe(200);
    await waitFor('cat available after the restored wrap-up', () => state('cat')?.state === 'available', 5_000);
    await waitFor('eve available after the rest of her wrap-up', () => state('eve')?.state === 'available', 6_000);
    expect(state('ben')).toEqual({ state: 'not_ready', reason: 'lunch' });

    // The restored agents take calls: a new sales call reaches one of the available sales agents.
    const next = sim.injectInboundCall({ from: '+14155550143', to: '15550007001' });
    await waitFor('a restored agent answers', () => ['ann', 'cat'].some((n) => service!.acd.legsOfAgent(ids[n]!)?.callerUuid === next));
    sim.hangup(next);

    // What is stored now is what a third start would restore; a logout removes the session.
    await again.agentSessions.flush();
    const rows = (await again.dataSource.query('SELECT agent_id, state, reason FROM acd_agent_sessions ORDER BY agent_id')) as Array<{ agent_id: number; state: string; reason: string | null }>;
    expect(rows.map((r) => Number(r.agent_id)).sort()).toEqual([ids.ann!, ids.ben!, ids.cat!, ids.eve!].sort());
    expect(rows.find((r) => Number(r.agent_id) === ids.ben)).toMatchObject({ state: 'not_ready', reason: 'lunch' });
    await setState('ben', { action: 'logout' });
    await again.agentSessions.flush();
    expect(await again.dataSource.query('SELECT agent_id FROM acd_agent_sessions WHERE agent_id = ?', [ids.ben])).toEqual([]);
  }, 60_000);
});
