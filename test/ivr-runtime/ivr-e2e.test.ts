/**
 * End to end: the simulator on a real TCP port and the whole service. Callers dial DIDs bound to IVR flows (the
 * shipped example and small test flows), press keys, time out, press wrong keys, hang up mid-menu and leave
 * voicemail; the stored path is checked on the IVR record and on the CDR.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { systemClock, type Clock } from '../../src/clock/clock';
import { loadConfig } from '../../src/config/config';
import type { CdrRow } from '../../src/db/entities/cdr';
import { header, type EslEvent } from '../../src/esl/types';
import { NoAcdQueueHandoff, type QueueHandoff, type QueuedCall } from '../../src/ivr/runtime';
import type { IvrPathStep } from '../../src/ivr/protocol';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import { describeEachEngine } from '../helpers/databases';

const ADMIN_PASSWORD = 'ivr-e2e-admin-password';
const EXAMPLE_DID = '18005550100';
const QUICK_DID = '15550000001';
const VM_DID = '15550000002';
const UNBOUND_DID = '15550000009';
const SOUNDS = '/usr/share/freeswitch/sounds/switchboard';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface IvrCallOut {
  uuid: string;
  did: string;
  flow: string;
  flow_version: number;
  outcome: string | null;
  detail: string | null;
  path: IvrPathStep[] | null;
  ended_at: string | null;
}

/** A queue handoff that remembers what it got and the channel's variables at that moment, then does the default. */
class RecordingHandoff implements QueueHandoff {
  readonly calls: Array<{ call: QueuedCall; channelVars: Record<string, string> }> = [];
  private readonly inner = new NoAcdQueueHandoff();
  constructor(private readonly sim: () => Simulator) {}
  async handoff(call: QueuedCall): Promise<void> {
    const ch = this.sim().rawChannel(call.uuid);
    this.calls.push({ call, channelVars: ch ? Object.fromEntries(ch.vars.entries()) : {} });
    await this.inner.handoff(call);
  }
}

describeEachEngine('IVR runtime end to end', (engine) => {
  let sim: Simulator;
  let service: Service;
  let token: string;
  let dataDir: string;
  let closeDb: () => Promise<void>;
  let crm: http.Server;
  let crmRequests: URL[] = [];
  const events = new Map<string, EslEvent[]>();
  const handoff = new RecordingHandoff(() => sim);

  async function api(pathname: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${service.url}${pathname}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  }

  function eventsOf(uuid: string): EslEvent[] {
    return events.get(uuid) ?? [];
  }

  /** Resolves when the channel has run `app` `count` times (CHANNEL_EXECUTE). */
  function appStarted(uuid: string, app: string, count = 1): Promise<void> {
    return waitFor(`${app} #${count} on ${uuid}`, () =>
      eventsOf(uuid).filter((e) => e.name === 'CHANNEL_EXECUTE' && header(e, 'Application') === app).length >= count ? true : undefined,
    ).then(() => undefined);
  }

  async function ivrCall(uuid: string): Promise<IvrCallOut> {
    return waitFor(`the IVR record of ${uuid}`, async () => {
      const res = await api(`/api/v1/ivr/calls/${uuid}`);
      if (res.status === 404) return undefined;
      expect(res.status).toBe(200);
      return (await res.json()) as IvrCallOut;
    });
  }

  async function cdr(uuid: string): Promise<CdrRow> {
    return waitFor(`the CDR of ${uuid}`, async () => {
      const res = await api(`/api/v1/cdrs/${uuid}`);
      if (res.status === 404) return undefined;
      return (await res.json()) as CdrRow;
    });
  }

  function call(did: string, from = '+14155550123'): string {
    return sim.injectInboundCall({ from, to: `+${did}` });
  }

  beforeAll(async () => {
    crm = http.createServer((req, res) => {
      crmRequests.push(new URL(req.url ?? '/', 'http://crm.invalid'));
      res.setHeader('content-type', 'application/json');
      // A hostile CRM: CR/LF and ${...} in a value that goes onto the channel.
      res.end(JSON.stringify({ customer: { name: 'Ann\r\n\r\nbgapi system ${api(system rm)}', vip: true, id: 'C-77' } }));
    });
    await new Promise<void>((r) => crm.listen(0, '127.0.0.1', r));

    sim = await startSimulator({
      password: 'ivr-secret',
      seed: 5,
      heartbeatMs: 0,
      defaultFileMs: 100,
      softphones: { '1000': { answerDelayMs: 100, hangupAfterMs: 300 } },
    });
    for (const f of ['welcome', 'main-menu', 'invalid-option', 'no-input', 'closed', 'goodbye', 'support-menu', 'enter-account', 'invalid-account']) {
      sim.setFileDuration(`${SOUNDS}/${f}.wav`, 100);
    }

    const db = await engine.open();
    await db.ds.destroy();
    closeDb = db.close;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ivr-e2e-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: db.config.type === 'mysql' ? db.config.url : `sqlite:${db.config.file}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:ivr-secret`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
      CDR_FLUSH_MS: '20',
    });
    // Flows see a Wednesday, 10:00 in New York: the example's business hours.
    const shift = Date.UTC(2026, 0, 7, 15, 0, 0) - Date.now();
    const ivrClock: Clock = { now: () => Date.now() + shift, setTimeout: systemClock.setTimeout };
    service = await startService(config, {
      logger: silentLogger,
      apiOptions: { bcryptCost: 4 },
      ivr: {
        clock: ivrClock,
        queueHandoff: handoff,
        variables: { crm_url: `http://127.0.0.1:${(crm.address() as AddressInfo).port}/crm` },
      },
    });
    // The test follows the prompts (CHANNEL_EXECUTE), which the service itself does not subscribe to.
    await service.cluster.subscribe(['CHANNEL_EXECUTE']);
    service.cluster.onEvent((_node, event) => {
      const uuid = header(event, 'Unique-ID');
      if (!uuid) return;
      const list = events.get(uuid) ?? [];
      list.push(event);
      events.set(uuid, list);
    });
    const login = await fetch(`${service.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { token: string }).token;

    // Test flows through the API: short timeouts, and a voicemail entry into the example's after-hours branch.
    const media = (f: string) => [{ kind: 'file', path: `${SOUNDS}/${f}.wav` }];
    const quick = {
      name: 'quick',
      timeZone: 'UTC',
      start: 'answer',
      nodes: {
        answer: { type: 'answer', next: 'menu' },
        menu: {
          type: 'menu',
          greeting: media('main-menu'),
          options: { '1': 'sales' },
          timeoutMs: 300,
          interDigitMs: 200,
          maxRetries: 1,
          invalidPrompt: media('invalid-option'),
          timeoutPrompt: media('no-input'),
          onTimeout: 'operator',
          onInvalid: 'bye',
        },
        sales: { type: 'queue', queue: 'sales' },
        operator: { type: 'transfer', extension: '1000' },
        bye: { type: 'hangup', cause: 'NORMAL_CLEARING' },
      },
    };
    const vm = { name: 'vm-test', timeZone: 'UTC', start: 'go', nodes: { go: { type: 'goto', flow: 'main-menu', node: 'after_hours' } } };
    for (const doc of [quick, vm]) {
      const res = await api('/api/v1/ivr/flows', { method: 'POST', json: { document: doc } });
      expect(res.status).toBe(201);
    }
    for (const [did, flow] of [
      [QUICK_DID, 'quick'],
      [VM_DID, 'vm-test'],
    ]) {
      expect((await api(`/api/v1/ivr/dids/${did}`, { method: 'PUT', json: { flow } })).status).toBe(200);
    }
  });

  afterAll(async () => {
    await service?.close();
    await sim?.close();
    await closeDb?.();
    await new Promise<void>((r) => (crm ? crm.close(() => r()) : r()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('imported the example flows and bound the example DID on first start', async () => {
    const res = await api('/api/v1/ivr/flows');
    const items = ((await res.json()) as { items: Array<{ name: string; dids: string[] }> }).items;
    expect(items.find((f) => f.name === 'main-menu')?.dids).toEqual([EXAMPLE_DID]);
    expect(items.map((f) => f.name)).toEqual(expect.arrayContaining(['main-menu', 'support']));
  });

  it('example flow: 1 goes to the sales queue; the handoff says no ACD; the path is on the IVR record and the CDR', async () => {
    const uuid = call(EXAMPLE_DID);
    await appStarted(uuid, 'play_and_get_digits');
    sim.pressDigits(uuid, '1');
    const rec = await ivrCall(uuid);
    expect(rec).toMatchObject({ did: EXAMPLE_DID, flow: 'main-menu', flow_version: 1, outcome: 'queue' });
    expect(rec.detail).toContain('no ACD configured');
    const path = rec.path!;
    expect(path.map((s) => s.node)).toEqual(expect.arrayContaining(['answer', 'welcome', 'business_hours', 'main_menu', 'sales']));
    expect(path.find((s) => s.node === 'main_menu' && s.digits === '1')).toBeDefined();
    expect(path[path.length - 1]).toMatchObject({ event: 'handoff', detail: 'no ACD configured' });
    const handed = handoff.calls.find((c) => c.call.uuid === uuid)!;
    expect(handed.call).toMatchObject({ queue: 'sales', did: EXAMPLE_DID, callerNumber: '+14155550123' });
    expect(handed.channelVars).toMatchObject({ switchboard_queue: 'sales', switchboard_priority: '0' });
    const row = await cdr(uuid);
    expect(row.hangup_cause).toBe('NORMAL_CLEARING');
    expect(row.ivr_path).toEqual(path);
  });

  it('example flow: support sub-flow, account number, CRM dip (hostile values cleaned on the channel), VIP queue', async () => {
    crmRequests = [];
    const uuid = call(EXAMPLE_DID, '+14155550199');
    await appStarted(uuid, 'play_and_get_digits', 1);
    sim.pressDigits(uuid, '2');
    await appStarted(uuid, 'play_and_get_digits', 2);
    sim.pressDigits(uuid, '1');
    await appStarted(uuid, 'play_and_get_digits', 3);
    sim.pressDigits(uuid, '123456#', { intervalMs: 30 });
    const rec = await ivrCall(uuid);
    expect(rec.outcome).toBe('queue');
    expect(crmRequests).toHaveLength(1);
    expect(crmRequests[0]!.searchParams.get('account')).toBe('123456');
    expect(crmRequests[0]!.searchParams.get('caller')).toBe('+14155550199');
    const handed = handoff.calls.find((c) => c.call.uuid === uuid)!;
    expect(handed.call).toMatchObject({ queue: 'billing', priority: 10 });
    // The CRM's CR/LF and ${...} never reached FreeSWITCH: the value on the channel is one clean line.
    const name = handed.channelVars.crm_name!;
    expect(name).toBeDefined();
    expect(name).not.toMatch(/[\r\n]/);
    expect(name).not.toContain('${');
    expect(name.startsWith('Ann')).toBe(true);
    expect(handed.channelVars).toMatchObject({ crm_vip: 'true', crm_customer_id: 'C-77', switchboard_queue: 'billing', switchboard_priority: '10' });
    expect(rec.path!.map((s) => s.flow)).toEqual(expect.arrayContaining(['main-menu', 'support']));
    expect(rec.path!.find((s) => s.node === 'billing_account' && s.digits === '123456')).toBeDefined();
  });

  it('times out in a menu and falls back to the operator transfer', async () => {
    const uuid = call(QUICK_DID);
    const rec = await ivrCall(uuid);
    expect(rec.outcome).toBe('transfer');
    const events = rec.path!.filter((s) => s.node === 'menu').map((s) => s.event);
    expect(events.filter((e) => e === 'timeout')).toHaveLength(2);
    // uuid_transfer to 1000 in context default: the call is bridged to the softphone.
    await waitFor('the bridge to 1000', () => (eventsOf(uuid).some((e) => e.name === 'CHANNEL_BRIDGE') ? true : undefined));
  });

  it('invalid keys use up the retries and take the invalid fallback (hang up)', async () => {
    const uuid = call(QUICK_DID);
    await appStarted(uuid, 'play_and_get_digits', 1);
    sim.pressDigits(uuid, '7');
    await appStarted(uuid, 'play_and_get_digits', 2);
    sim.pressDigits(uuid, '9');
    const rec = await ivrCall(uuid);
    expect(rec.outcome).toBe('hangup');
    const menu = rec.path!.filter((s) => s.node === 'menu');
    expect(menu.filter((s) => s.event === 'invalid').map((s) => s.digits)).toEqual(['7', '9']);
    expect(rec.path![rec.path!.length - 1]!.node).toBe('bye');
  });

  it('a caller hanging up mid-menu ends the flow at once with nothing left waiting', async () => {
    const uuid = call(QUICK_DID);
    await appStarted(uuid, 'play_and_get_digits', 1);
    sim.hangup(uuid);
    const rec = await ivrCall(uuid);
    expect(rec.outcome).toBe('caller-hangup');
    expect(rec.path![rec.path!.length - 1]).toMatchObject({ node: 'menu' });
    await waitFor('no active IVR calls', () => (service.ivr.stats().active === 0 ? true : undefined));
    expect(service.cluster.client('sim1').stats().commandsPending).toBe(0);
    const row = await cdr(uuid);
    expect(row.ivr_path).toEqual(rec.path);
  });

  it('after hours: voicemail is recorded, stored with its duration, and the path says so', async () => {
    const uuid = call(VM_DID, '+14155550777');
    await waitFor('the recording', () => (eventsOf(uuid).some((e) => e.name === 'RECORD_START') ? true : undefined));
    await new Promise((r) => setTimeout(r, 1200));
    sim.hangup(uuid);
    const rec = await ivrCall(uuid);
    expect(rec.outcome).toBe('voicemail');
    expect(rec.path!.find((s) => s.event === 'recorded')?.detail).toContain('box general');
    const vms = await waitFor('the voicemail row', async () => {
      const res = await api('/api/v1/ivr/voicemails?box=general');
      const body = (await res.json()) as { items: Array<{ call_uuid: string; duration_ms: number; file_path: string; bytes: number | null; caller_number: string }> };
      return body.items.find((v) => v.call_uuid === uuid);
    });
    expect(vms.duration_ms).toBeGreaterThanOrEqual(1000);
    expect(vms.duration_ms).toBeLessThan(5000);
    expect(vms.caller_number).toBe('+14155550777');
    expect(vms.file_path.startsWith(path.join(dataDir, 'voicemail', 'general'))).toBe(true);
    expect(fs.existsSync(vms.file_path)).toBe(true);
    expect(vms.bytes).toBeGreaterThan(44);
    // The recording was started with record_session and its limit.
    const exec = eventsOf(uuid).find((e) => e.name === 'CHANNEL_EXECUTE' && header(e, 'Application') === 'record_session');
    expect(header(exec!, 'Application-Data')).toBe(`${vms.file_path} +120`);
  });

  it('a DID without a flow is refused with UNALLOCATED_NUMBER', async () => {
    const uuid = call(UNBOUND_DID);
    const row = await cdr(uuid);
    expect(row.hangup_cause).toBe('UNALLOCATED_NUMBER');
    expect((await api(`/api/v1/ivr/calls/${uuid}`)).status).toBe(404);
  });

  it('a flow with a hostile file path is refused at save, naming the node', async () => {
    const doc = {
      name: 'hostile',
      timeZone: 'UTC',
      start: 'p',
      nodes: { p: { type: 'play', media: [{ kind: 'file', path: '/tmp/a.wav\n\nbgapi system rm -rf /' }] } },
    };
    const res = await api('/api/v1/ivr/flows', { method: 'POST', json: { document: doc } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { errors: Array<{ node?: string; field: string }> };
    expect(body.errors[0]).toMatchObject({ node: 'p' });
    expect((await api('/api/v1/ivr/flows/hostile')).status).toBe(404);
  });
});
