/**
 * End to end on the simulator with a model of the installed sound files (what `npm run prompts -- --dir` puts on a
 * real switch), SQLite: at connect the service asks the node `file_exists` for every prompt its flows, queues, ACD
 * announcements and campaigns play and reports the missing ones (/healthz, metric); a play node whose file is missing
 * (FreeSWITCH answers FILE NOT FOUND) is recorded as failed, not played, and the flow goes on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { silentLogger } from '../../src/log/logger';
import { promptPath } from '../../src/prompts/catalog';
import { shippedPrompts } from '../../src/prompts/shipped';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { IvrPathStep } from '../../src/ivr/protocol';
import type { HealthReport } from '../../src/api/health';
import { engines } from '../helpers/databases';

const DIR = '/srv/switchboard prompts';
const DID = '15550001000';
const MISSING = ['closed', 'support-menu'];

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('prompt files on the switch [sqlite]', () => {
  let sim: Simulator;
  let service: Service;
  let token: string;
  let dataDir: string;
  let closeDb: () => Promise<void>;

  const api = (pathname: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> =>
    fetch(`${service.url}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });

  beforeAll(async () => {
    // The shipped prompts, installed in PROMPTS_DIR except two; lengths as the WAVs, shortened for the test.
    sim = await startSimulator({ password: 'p-secret', seed: 3, heartbeatMs: 0, soundFiles: [] });
    sim.installSoundFiles(shippedPrompts().filter((p) => !MISSING.includes(p.name)).map((p) => ({ path: promptPath(DIR, p.name), durationMs: Math.min(p.wav.durationMs, 60) })));
    const db = await engines.sqlite.open();
    await db.ds.destroy();
    closeDb = db.close;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-prompts-e2e-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: db.config.type === 'mysql' ? db.config.url : `sqlite:${db.config.file}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:p-secret`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'prompts-e2e-admin-password',
      PROMPTS_DIR: DIR,
      CDR_FLUSH_MS: '20',
    });
    service = await startService(config, { logger: silentLogger, apiOptions: { bcryptCost: 4 } });
    const login = await fetch(`${service.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'prompts-e2e-admin-password' }),
    });
    token = ((await login.json()) as { token: string }).token;
  }, 30_000);

  afterAll(async () => {
    await service?.close();
    await sim?.close();
    await closeDb?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks the node at connect for every prompt and reports each missing one in /healthz and the metric', async () => {
    const report = await waitFor('the prompt check', async () => {
      const h = (await (await api('/healthz')).json()) as HealthReport;
      return h.prompts?.nodes.length ? h.prompts : undefined;
    });
    const node = report.nodes[0]!;
    expect(node.node).toBe('sim1');
    expect(node.error).toBeUndefined();
    // The example flows (in PROMPTS_DIR), the ACD announcements and number words, the dialer's default messages.
    expect(node.checked).toBeGreaterThanOrEqual(40);
    expect(node.missing).toEqual(MISSING.map((n) => promptPath(DIR, n)).sort());
    expect(report.missing).toBe(2);
    const metrics = await service.metrics.registry.metrics();
    expect(metrics).toContain('switchboard_prompt_files_missing{node="sim1"} 2');
  });

  it('a play node whose file is missing is recorded as failed (FILE NOT FOUND), not played, and the flow goes on', async () => {
    const file = (name: string) => ({ kind: 'file', path: promptPath(DIR, name) });
    const doc = {
      name: 'missing-prompt',
      timeZone: 'UTC',
      start: 'answer',
      nodes: {
        answer: { type: 'answer', next: 'closed' },
        closed: { type: 'play', media: [file('closed'), file('welcome')], next: 'bye' },
        bye: { type: 'play', media: [file('goodbye')], next: 'end' },
        end: { type: 'hangup', cause: 'NORMAL_CLEARING' },
      },
    };
    expect((await api('/api/v1/ivr/flows', { method: 'POST', json: { document: doc } })).status).toBe(201);
    expect((await api(`/api/v1/ivr/dids/${DID}`, { method: 'PUT', json: { flow: 'missing-prompt' } })).status).toBeLessThan(300);
    const uuid = sim.injectInboundCall({ from: '+14155550100', to: `+${DID}` });
    const call = await waitFor('the IVR record', async () => {
      const res = await api(`/api/v1/ivr/calls/${uuid}`);
      return res.status === 200 ? ((await res.json()) as { outcome: string; path: IvrPathStep[] }) : undefined;
    });
    const at = (node: string) => call.path.filter((s) => s.node === node).map((s) => ({ event: s.event, detail: s.detail }));
    expect(at('closed')).toEqual([{ event: 'entered' }, { event: 'failed', detail: `FILE NOT FOUND: ${promptPath(DIR, 'closed')}` }]);
    expect(at('bye')).toEqual([{ event: 'entered' }, { event: 'played' }]);
    expect(call.outcome).toBe('hangup');
  }, 30_000);
});
