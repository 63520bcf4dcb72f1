/**
 * End to end: the simulator on a real TCP port, the whole service (ESL client, cluster, CDR writer, database, HTTP
 * API) started as `npm start` starts it, calls placed through the command builder and the ESL client, and their CDRs
 * found through the API — on SQLite and on MariaDB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/config';
import type { CdrRow } from '../../src/db/entities/cdr';
import { dialGateway, dialUser, originate } from '../../src/freeswitch';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import { describeEachEngine } from '../helpers/databases';

const ADMIN_PASSWORD = 'e2e-admin-password-1';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeEachEngine('service end to end', (engine) => {
  let sim: Simulator;
  let service: Service;
  let token: string;
  let dataDir: string;
  let closeDb: () => Promise<void>;

  beforeAll(async () => {
    sim = await startSimulator({
      password: 'e2e-secret',
      seed: 3,
      heartbeatMs: 200,
      softphones: { '1001': { answerDelayMs: 100 }, '1002': { reject: true, rejectDelayMs: 100 } },
    });
    sim.setDidRoute('18005550100', { action: 'playback', answer: true, file: 'ivr/ivr-welcome.wav' });
    sim.setFileDuration('ivr/ivr-welcome.wav', 200);

    // A fresh, migrated database from the test helpers; the service opens it again by URL/file as in production.
    const db = await engine.open();
    await db.ds.destroy();
    closeDb = db.close;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: db.config.type === 'mysql' ? db.config.url : `sqlite:${db.config.file}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:e2e-secret`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
      CDR_FLUSH_MS: '20',
    });
    service = await startService(config, { logger: silentLogger, apiOptions: { bcryptCost: 4 } });
    const login = await fetch(`${service.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await service?.close();
    await sim?.close();
    await closeDb?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function cdrsFor(query: string): Promise<CdrRow[]> {
    const res = await fetch(`${service.url}/api/v1/cdrs?${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: CdrRow[] }).items;
  }

  it('reports the FreeSWITCH node connected in /healthz, with heartbeat figures', async () => {
    const report = await waitFor('a heartbeat', async () => {
      const res = await fetch(`${service.url}/healthz`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { status: string; freeswitch: Array<{ status: string; last_heartbeat?: unknown }> };
      return body.freeswitch[0]?.last_heartbeat ? body : undefined;
    });
    expect(report.status).toBe('ok');
    expect(report.freeswitch).toEqual([expect.objectContaining({ node: 'sim1', status: 'connected' })]);
  });

  it('writes both legs of an answered, bridged call with the links between them', async () => {
    const number = '+15550001001';
    sim.setGatewayOutcome(number, { outcome: 'answer', ringMs: 100, hangupAfterMs: 1200 });
    const aLeg = randomUUID();
    const job = await service.cluster
      .client('sim1')
      .bgapi(originate(dialGateway('carrier', number), { app: 'bridge', arg: 'user/1001' }, {}, { originateUuid: aLeg, callerIdNumber: '+18005550100' }));
    expect(job.ok).toBe(true);
    expect(job.body).toContain(aLeg);

    const legs = await waitFor('two CDR legs', async () => {
      const a = await cdrsFor(`uuid=${aLeg}`);
      if (a.length !== 1 || !a[0]!.bridged_uuid) return undefined;
      const b = await cdrsFor(`uuid=${a[0]!.bridged_uuid}`);
      return b.length === 1 ? { a: a[0]!, b: b[0]! } : undefined;
    });
    expect(legs.a).toMatchObject({ fs_node: 'sim1', hangup_cause: 'NORMAL_CLEARING', destination_number: number.slice(0) });
    expect(legs.a.billsec).toBeGreaterThanOrEqual(1);
    expect(legs.b.bridged_uuid).toBe(aLeg);
    expect(legs.b.channel_name).toContain('1001');
    expect(legs.a.answer_at).not.toBeNull();
  });

  it('writes the CDR of a rejected call with its hangup cause', async () => {
    const uuid = randomUUID();
    const job = await service.cluster
      .client('sim1')
      .bgapi(originate(dialUser('1002'), { app: 'park', arg: '' }, {}, { originateUuid: uuid }));
    expect(job.ok).toBe(false);
    expect(job.body).toContain('CALL_REJECTED');
    const [row] = await waitFor('the rejected leg', async () => {
      const rows = await cdrsFor(`uuid=${uuid}`);
      return rows.length ? rows : undefined;
    });
    expect(row).toMatchObject({ hangup_cause: 'CALL_REJECTED', billsec: 0, answer_at: null });
  });

  it('writes the CDR of an inbound call to a DID', async () => {
    const uuid = sim.injectInboundCall({ from: '+14155550199', fromName: 'Ada Lovelace', to: '+18005550100' });
    const [row] = await waitFor('the inbound leg', async () => {
      const rows = await cdrsFor(`uuid=${uuid}`);
      return rows.length ? rows : undefined;
    });
    expect(row).toMatchObject({ direction: 'inbound', caller_number: '+14155550199', caller_name: 'Ada Lovelace', fs_node: 'sim1' });
  });

  it('reconnects after FreeSWITCH drops the socket and keeps writing CDRs', async () => {
    const client = service.cluster.client('sim1');
    const epoch = client.connectionEpoch;
    expect(sim.dropConnections()).toBeGreaterThan(0);
    await waitFor('the reconnect', () => (client.status === 'ready' && client.connectionEpoch > epoch ? true : undefined));

    const uuid = sim.injectInboundCall({ from: '+14155550142', to: '+18005550100' });
    const rows = await waitFor('a CDR after the reconnect', async () => {
      const r = await cdrsFor(`uuid=${uuid}`);
      return r.length ? r : undefined;
    });
    expect(rows).toHaveLength(1);
    const metrics = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await metrics.text();
    expect(text).toMatch(/switchboard_esl_connection_up\{node="sim1"\} 1/);
    expect(text).toMatch(/switchboard_cdr_written_total [1-9]/);
  });
});
