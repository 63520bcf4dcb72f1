/**
 * End to end: the simulator on a real TCP port and the whole service with the ACD. Callers dial a DID whose flow
 * queues them; agents on simulated softphones answer slowly, never answer, reject; callers hang up while queued and
 * while an agent rings; an agent logs out mid-offer; the FreeSWITCH connection drops in the middle. Every time the
 * engine must end with no agent reserved or on a call that is gone, and the history tables and CDRs must say what
 * happened.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { queueCreateSchema, type QueueCreateInput } from '../../src/acd/config-store';
import type { AgentState } from '../../src/acd/contract';
import { UserService } from '../../src/auth/users';
import { loadConfig } from '../../src/config/config';
import type { AcdAgentStateLogRow, AcdOfferLogRow, AcdQueueCallRow } from '../../src/db/entities/acd-history';
import type { CdrRow } from '../../src/db/entities/cdr';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator, type SoftphoneBehavior } from '../../src/simulator';
import { describeEachEngine } from '../helpers/databases';

const ADMIN_PASSWORD = 'acd-e2e-admin-password';
const GATEWAY = 'carrier';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FAST_QUEUE: Omit<QueueCreateInput, 'name'> = {
  strategy: 'longest_idle',
  offerTimeoutSec: 5,
  maxNoAnswer: 2,
  wrapUpSec: 1,
  rejectDelaySec: 1,
  busyDelaySec: 1,
  announceIntervalSec: 0,
  serviceLevelSec: 20,
};

describeEachEngine('ACD runtime end to end', (engine) => {
  let sim: Simulator;
  let service: Service;
  let dataDir: string;
  let closeDb: () => Promise<void>;
  let token: string;
  let userSeq = 0;
  const didFor = new Map<string, string>();

  async function api(pathname: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${service.url}${pathname}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  }

  /** A queue with its own DID and flow (answer -> queue). */
  async function queue(name: string, extra: Partial<QueueCreateInput> = {}): Promise<string> {
    await service.acdConfig.createQueue(queueCreateSchema.parse({ ...FAST_QUEUE, ...extra, name }), 'test');
    const did = `1555000${String(2000 + didFor.size)}`;
    const flow = { name: `q-${name}`, timeZone: 'UTC', start: 'answer', nodes: { answer: { type: 'answer', next: 'q' }, q: { type: 'queue', queue: name } } };
    expect((await api('/api/v1/ivr/flows', { method: 'POST', json: { document: flow } })).status).toBe(201);
    expect((await api(`/api/v1/ivr/dids/${did}`, { method: 'PUT', json: { flow: flow.name } })).status).toBe(200);
    didFor.set(name, did);
    return did;
  }

  /** An agent (user + agent row + registered softphone), logged in and ready. */
  async function agent(ext: string, queues: string[], behavior: SoftphoneBehavior, opts: { ready?: boolean } = {}): Promise<number> {
    sim.registerSoftphone(ext, behavior);
    const users = new UserService(service.dataSource, { bcryptCost: 4 });
    const user = await users.create({ username: `agent${++userSeq}`, password: 'agent-password-123', role: 'agent' });
    const stored = await service.acdConfig.createAgent({ user_id: user.id, extension: ext, skills: {}, teams: [], queues: queues.map((q) => ({ queue: q, tier: 1 })) });
    service.acd.engine.login(stored.id);
    if (opts.ready === false) service.acd.engine.setNotReady(stored.id, 'break');
    return stored.id;
  }

  function call(queueName: string, from = '+14155550100'): string {
    return sim.injectInboundCall({ from, to: `+${didFor.get(queueName)}` });
  }

  function state(agentId: number): AgentState | undefined {
    return service.acd.engine.agent(agentId)?.state;
  }

  async function queueCall(id: string, final = true): Promise<AcdQueueCallRow> {
    return waitFor(`acd_queue_calls row ${id}`, async () => {
      await service.acdHistory.flush().catch(() => undefined);
      const rows = (await service.dataSource.query(`SELECT * FROM acd_queue_calls WHERE id = ?`, [id])) as AcdQueueCallRow[];
      const row = rows[0];
      if (!row || (final && row.ended_at === null)) return undefined;
      return row;
    });
  }

  async function offers(callId: string): Promise<AcdOfferLogRow[]> {
    await service.acdHistory.flush().catch(() => undefined);
    return (await service.dataSource.query(`SELECT * FROM acd_offer_log WHERE call_id = ? ORDER BY id`, [callId])) as AcdOfferLogRow[];
  }

  async function cdr(uuid: string): Promise<CdrRow> {
    return waitFor(`the CDR of ${uuid}`, async () => {
      const res = await api(`/api/v1/cdrs/${uuid}`);
      if (res.status === 404) return undefined;
      return (await res.json()) as CdrRow;
    });
  }

  function live(): Set<string> {
    return new Set(sim.channels().map((c) => c.uuid));
  }

  /** Waits until no channel is up and every agent of `ids` is in a resting state; then nobody may be stuck. */
  async function settled(ids: number[]): Promise<void> {
    await waitFor('all calls to end', () => sim.channels().length === 0, 30_000);
    await waitFor('agents to rest', () => ids.every((id) => !['reserved', 'on_call'].includes(state(id) ?? 'logged_out')), 10_000);
    expect(service.acd.stuckAgents(live())).toEqual([]);
  }

  beforeAll(async () => {
    sim = await startSimulator({ password: 'acd-secret', seed: 11, heartbeatMs: 0, defaultFileMs: 150 });
    const db = await engine.open();
    await db.ds.destroy();
    closeDb = db.close;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-acd-e2e-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: db.config.type === 'mysql' ? db.config.url : `sqlite:${db.config.file}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:acd-secret`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
      CDR_FLUSH_MS: '20',
    });
    service = await startService(config, {
      logger: silentLogger,
      apiOptions: { bcryptCost: 4 },
      ivr: { importExamples: false, exampleDid: null },
      acd: { callbackGateway: GATEWAY },
    });
    const login = await fetch(`${service.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { token: string }).token;
  }, 30_000);

  afterAll(async () => {
    await service?.close();
    await sim?.close();
    await closeDb?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('many callers, many agents: every call is answered, history and CDRs are linked, nobody is stuck', async () => {
    await queue('sales');
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await agent(String(3000 + i), ['sales'], { answerDelayMs: 100 + i * 60, hangupAfterMs: 400 + i * 100 }));
    const callers: string[] = [];
    for (let i = 0; i < 14; i++) {
      callers.push(call('sales', `+1415555${String(1000 + i)}`));
      await sleep(60);
    }
    await settled(ids);
    for (const id of callers) {
      const row = await queueCall(id);
      expect(row).toMatchObject({ queue: 'sales', outcome: 'answered' });
      expect(ids).toContain(Number(row.agent_id));
      expect(Number(row.offered_count)).toBeGreaterThanOrEqual(1);
      expect(Number(row.wait_ms)).toBeGreaterThanOrEqual(0);
      expect(Number(row.talk_ms)).toBeGreaterThan(0);
      expect(row.answered_at).not.toBeNull();
      const rows = await offers(id);
      expect(rows.some((o) => o.result === 'answered' && Number(o.agent_id) === Number(row.agent_id))).toBe(true);
      const c = await cdr(id);
      expect(c.queue_call_id).toBe(id);
      expect(Number(c.agent_id)).toBe(Number(row.agent_id));
    }
    // The agent legs carry the queue call too.
    const agentLegs = (await service.dataSource.query(`SELECT uuid, queue_call_id, agent_id FROM cdrs WHERE queue_call_id IS NOT NULL AND uuid <> queue_call_id`)) as CdrRow[];
    expect(agentLegs.length).toBeGreaterThanOrEqual(callers.length);
    const states = (await service.dataSource.query(`SELECT * FROM acd_agent_state_log WHERE agent_id = ? ORDER BY id`, [ids[0]])) as AcdAgentStateLogRow[];
    expect(states.map((s) => s.state)).toEqual(expect.arrayContaining(['available', 'reserved', 'on_call', 'wrap_up']));
    for (const s of states.slice(1)) expect(Number(s.version)).toBeGreaterThan(0);
  }, 60_000);

  it('an agent who does not answer: the next agent is tried; after maxNoAnswer misses in a row they are set not ready', async () => {
    await queue('nask');
    const deaf = await agent('3100', ['nask'], { noAnswer: true });
    await sleep(20);
    const good = await agent('3101', ['nask'], { answerDelayMs: 150, hangupAfterMs: 300 });
    const first = call('nask');
    const r1 = await queueCall(first);
    expect(r1).toMatchObject({ outcome: 'answered' });
    expect(Number(r1.agent_id)).toBe(good);
    const o1 = await offers(first);
    expect(o1.map((o) => [Number(o.agent_id), o.result])).toEqual([
      [deaf, 'no_answer'],
      [good, 'answered'],
    ]);
    await waitFor('the good agent to be free', () => state(good) === 'available');
    const second = call('nask');
    const r2 = await queueCall(second);
    expect(Number(r2.agent_id)).toBe(good);
    await waitFor('the deaf agent to be set not ready', () => state(deaf) === 'not_ready');
    expect(service.acd.engine.agent(deaf)?.reason).toBe('no_answer');
    await settled([deaf, good]);
  }, 60_000);

  it('callers who hang up while queued or while an agent rings are abandons with their wait; the agent is released', async () => {
    await queue('lonely');
    const ringer = await agent('3200', ['lonely'], { noAnswer: true }, { ready: false });
    // Nobody ready: the caller waits, then gives up.
    const waiting = call('lonely');
    await waitFor('the call to be queued', () => service.acd.engine.waitingCalls('lonely').some((c) => c.id === waiting));
    await sleep(700);
    sim.hangup(waiting);
    const r1 = await queueCall(waiting);
    expect(r1.outcome).toBe('abandoned');
    expect(Number(r1.wait_ms)).toBeGreaterThanOrEqual(600);
    expect(Number(r1.offered_count)).toBe(0);

    // The agent is ready now and rings; the caller hangs up during the ring.
    service.acd.engine.setReady(ringer);
    const ringing = call('lonely');
    await waitFor('the agent to be rung', () => state(ringer) === 'reserved' && sim.channels().length === 2);
    await sleep(300);
    sim.hangup(ringing);
    const r2 = await queueCall(ringing);
    expect(r2.outcome).toBe('abandoned');
    expect(Number(r2.offered_count)).toBe(1);
    const o = await waitFor('the cancelled offer row', async () => ((await offers(ringing)).length ? offers(ringing) : undefined));
    expect(o.map((x) => x.result)).toEqual(['cancelled']);
    await settled([ringer]);
    expect(state(ringer)).toBe('available');
  }, 60_000);

  it('an agent logging out mid-offer: the ring stops and the call goes to another agent', async () => {
    await queue('logout');
    const leaver = await agent('3300', ['logout'], { noAnswer: true });
    await sleep(20);
    const stayer = await agent('3301', ['logout'], { answerDelayMs: 150, hangupAfterMs: 300 });
    const id = call('logout');
    await waitFor('the first agent to ring', () => state(leaver) === 'reserved');
    await sleep(200);
    service.acd.engine.logout(leaver, 'end_of_shift');
    const row = await queueCall(id);
    expect(row.outcome).toBe('answered');
    expect(Number(row.agent_id)).toBe(stayer);
    expect(state(leaver)).toBe('logged_out');
    const o = await offers(id);
    expect(o.map((x) => [Number(x.agent_id), x.result])).toEqual([
      [leaver, 'cancelled'],
      [stayer, 'answered'],
    ]);
    await settled([leaver, stayer]);
  }, 60_000);

  it('a FreeSWITCH reconnect in the middle: calls that ended meanwhile end in the engine, nobody is stuck', async () => {
    await queue('reconnect');
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await agent(String(3400 + i), ['reconnect'], { answerDelayMs: 100, hangupAfterMs: 60_000 }));
    const callers = Array.from({ length: 5 }, (_, i) => call('reconnect', `+1415555${2000 + i}`));
    await waitFor('three calls connected', () => ids.every((id) => state(id) === 'on_call'));
    await waitFor('two callers queued', () => service.acd.engine.waitingCalls('reconnect').length === 2);
    const epochBefore = service.cluster.client('sim1').connectionEpoch;
    sim.dropConnections();
    // While the service is blind: one connected call ends on the agent's side, one waiting caller gives up.
    const connected = callers.filter((c) => !service.acd.engine.waitingCalls('reconnect').some((w) => w.id === c));
    const queued = callers.filter((c) => !connected.includes(c));
    sim.softphoneHangup(String(sim.channel(service.acd.legsOfCall(connected[0]!)!.agentUuid!)?.variables.dialed_user ?? '3400'));
    sim.hangup(queued[0]!);
    await waitFor('the reconnect', () => service.cluster.client('sim1').connectionEpoch > epochBefore && service.cluster.allConnected(), 20_000);
    const r1 = await queueCall(queued[0]!);
    expect(r1.outcome).toBe('abandoned');
    // The freed agent takes the other waiting caller; then everybody hangs up.
    await waitFor('the remaining caller connected', () => service.acd.engine.waitingCalls('reconnect').length === 0);
    for (const ext of ['3400', '3401', '3402']) sim.softphoneHangup(ext);
    await waitFor('all connected calls to end', () => sim.channels().length === 0);
    await settled(ids);
    const row = await queueCall(connected[0]!);
    expect(row.outcome).toBe('answered');
  }, 60_000);

  it('the callback key: the caller leaves a callback, the agent is rung first, then the customer, and they are bridged', async () => {
    await queue('cb', { callbackKey: '*', callbackConnect: 'agent_first' });
    const cbAgent = await agent('3500', ['cb'], { answerDelayMs: 100 }, { ready: false });
    const from = '+14155553333';
    sim.setGatewayOutcome(from, { outcome: 'answer', ringMs: 200, hangupAfterMs: 500 });
    const id = call('cb', from);
    await waitFor('the call to be queued', () => service.acd.engine.waitingCalls('cb').some((c) => c.id === id));
    await sleep(300);
    sim.pressDigits(id, '*');
    await waitFor('the caller to be hung up', () => !sim.channel(id));
    service.acd.engine.setReady(cbAgent);
    const row = await queueCall(id);
    expect(row.outcome).toBe('callback_requested');
    expect(Number(row.agent_id)).toBe(cbAgent);
    const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
    expect(data.final_outcome).toBe('answered');
    await settled([cbAgent]);
  }, 60_000);
});
