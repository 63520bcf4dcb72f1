/**
 * End to end through the whole service (simulator over TCP, real AcdRuntime, HTTP API): an agent on an ACD call puts
 * it on hold, cannot touch another agent's call, and transfers it to another queue, where the runtime offers it to
 * the next agent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { queueCreateSchema } from '../../src/acd/config-store';
import { UserService } from '../../src/auth/users';
import { loadConfig } from '../../src/config/config';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import { waitFor } from './harness';

jest.setTimeout(60_000);

describe('call control through the service', () => {
  let sim: Simulator;
  let service: Service;
  let dataDir: string;
  let adminToken: string;
  const tokens: Record<string, string> = {};
  const agentIds: Record<string, number> = {};

  const http = (pathname: string, token: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${service.url}${pathname}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
    });

  beforeAll(async () => {
    sim = await startSimulator({ password: 'cc-secret', seed: 5, heartbeatMs: 0, defaultFileMs: 150 });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cc-e2e-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${path.join(dataDir, 'sb.sqlite')}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:cc-secret`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'cc-admin-password-1',
      CDR_FLUSH_MS: '20',
    });
    service = await startService(config, { logger: silentLogger, apiOptions: { bcryptCost: 4 }, ivr: { importExamples: false, exampleDid: null } });
    adminToken = ((await (await fetch(`${service.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'cc-admin-password-1' }),
    })).json()) as { token: string }).token;
    for (const name of ['support', 'billing']) {
      await service.acdConfig.createQueue(queueCreateSchema.parse({ name, strategy: 'longest_idle', offerTimeoutSec: 5, wrapUpSec: 30, announceIntervalSec: 0 }), 'test');
    }
    const flow = { name: 'to-support', timeZone: 'UTC', start: 'answer', nodes: { answer: { type: 'answer', next: 'q' }, q: { type: 'queue', queue: 'support' } } };
    expect((await http('/api/v1/ivr/flows', adminToken, { method: 'POST', json: { document: flow } })).status).toBe(201);
    expect((await http('/api/v1/ivr/dids/15550003000', adminToken, { method: 'PUT', json: { flow: 'to-support' } })).status).toBe(200);
    const users = new UserService(service.dataSource, { bcryptCost: 4 });
    for (const [name, ext, queues] of [
      ['ann', '1021', ['support']],
      ['bob', '1022', ['billing']],
    ] as const) {
      sim.registerSoftphone(ext, { answerDelayMs: 50 });
      const user = await users.create({ username: name, password: 'agent-password-123', role: 'agent' });
      agentIds[name] = (await service.acdConfig.createAgent({ user_id: user.id, extension: ext, queues: queues.map((queue) => ({ queue, tier: 1 })) })).id;
      const login = await fetch(`${service.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: name, password: 'agent-password-123' }),
      });
      tokens[name] = ((await login.json()) as { token: string }).token;
      expect((await http('/api/v1/acd/me/login', tokens[name]!, { method: 'POST' })).status).toBe(200);
    }
    // Logging in makes an agent available; Bob takes a break until the transfer.
    expect((await http('/api/v1/acd/me/not-ready', tokens.bob!, { method: 'POST', json: { reason: 'break' } })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await sim?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('hold, ownership, transfer to a queue and the next agent takes it', async () => {
    const ann = agentIds.ann!;
    const bob = agentIds.bob!;
    const caller = sim.injectInboundCall({ from: '+14155550123', to: '+15550003000' });
    const legs = await waitFor('ann connected', () => service.acd.legsOfAgent(ann), 15_000);
    expect(legs.callerUuid).toBe(caller);
    await waitFor('caller hears ann', () => sim.whoDoesHear(caller).includes(legs.agentUuid!));

    const me = await (await http('/api/v1/acd/me/call', tokens.ann!)).json();
    expect(me).toMatchObject({ call: { caller_uuid: caller, agent_uuid: legs.agentUuid, source: 'acd', mode: 'talking' } });

    expect((await http('/api/v1/acd/me/call/hold', tokens.ann!, { method: 'POST' })).status).toBe(200);
    await waitFor('caller on hold music', () => sim.whoDoesHear(caller).includes('moh'));
    expect((await http('/api/v1/acd/me/call/unhold', tokens.ann!, { method: 'POST' })).status).toBe(200);
    await waitFor('talking again', () => sim.whoDoesHear(caller).includes(legs.agentUuid!));

    // Bob has no call and may not touch Ann's.
    expect((await http('/api/v1/acd/me/call/hold', tokens.bob!, { method: 'POST' })).status).toBe(409);
    expect((await http(`/api/v1/acd/agents/${ann}/call/hangup`, tokens.bob!, { method: 'POST' })).status).toBe(403);
    expect(sim.whoDoesHear(caller)).toContain(legs.agentUuid);

    const t = await http('/api/v1/acd/me/call/transfer', tokens.ann!, { method: 'POST', json: { target: { queue: 'billing' } } });
    expect(t.status).toBe(200);
    expect(await t.json()).toEqual({ target_uuid: null, queue: 'billing', consult_uuid: null });
    await waitFor('ann released into wrap-up', () => service.acd.engine.agent(ann)?.state === 'wrap_up');
    await waitFor('caller waiting in billing', () => service.acd.engine.waitingCalls('billing').some((c) => c.id === caller));
    expect(sim.rawChannel(caller)?.isUp).toBe(true);

    expect((await http('/api/v1/acd/me/ready', tokens.bob!, { method: 'POST' })).status).toBe(200);
    const bobLegs = await waitFor('bob connected', () => service.acd.legsOfAgent(bob), 15_000);
    expect(bobLegs.callerUuid).toBe(caller);
    await waitFor('caller hears bob', () => sim.whoDoesHear(caller).includes(bobLegs.agentUuid!));

    const h = await http('/api/v1/acd/me/call/hangup', tokens.bob!, { method: 'POST' });
    expect(h.status).toBe(200);
    await waitFor('all over', () => sim.channels().length === 0);
    await waitFor('bob in wrap-up', () => service.acd.engine.agent(bob)?.state === 'wrap_up');
    const audit = (await service.dataSource.query("SELECT action FROM audit_log WHERE action LIKE 'acd_call.%' ORDER BY id")) as Array<{ action: string }>;
    expect(audit.map((r) => r.action)).toEqual(['acd_call.hold', 'acd_call.unhold', 'acd_call.transfer_blind', 'acd_call.hangup']);
  });
});
