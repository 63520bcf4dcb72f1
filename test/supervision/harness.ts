/**
 * The whole service on the simulator for the supervision tests: a queue with its DID, agents with teams on simulated
 * softphones, supervisors with their own softphones and teams, logins, and readers of the history tables.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { queueCreateSchema } from '../../src/acd/config-store';
import type { AgentState } from '../../src/acd/contract';
import { UserService } from '../../src/auth/users';
import { loadConfig } from '../../src/config/config';
import type { AcdAgentStateLogRow, AcdQueueCallRow } from '../../src/db/entities/acd-history';
import type { CdrRow } from '../../src/db/entities/cdr';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { TestEngine } from '../helpers/databases';

export const ADMIN_PASSWORD = 'supervision-admin-password';
const USER_PASSWORD = 'supervision-user-pass-1';

export async function waitFor<T>(what: string | (() => string), probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class SupervisionHarness {
  sim!: Simulator;
  service!: Service;
  did = '';
  private dataDir = '';
  private closeDb?: () => Promise<void>;
  private tokens = new Map<string, string>();
  private seq = 0;

  constructor(private readonly engine: TestEngine) {}

  async start(): Promise<void> {
    this.sim = await startSimulator({ password: 'sup-secret', seed: 5, heartbeatMs: 0, defaultFileMs: 150 });
    const db = await this.engine.open();
    await db.ds.destroy();
    this.closeDb = db.close;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-supervision-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: this.dataDir,
      DATABASE_URL: db.config.type === 'mysql' ? db.config.url : `sqlite:${db.config.file}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${this.sim.port}:sup-secret`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
      CDR_FLUSH_MS: '20',
      SUPERVISION_NOTIFY_AGENT: 'true',
      // Agents' manual outbound calls (the simulator's PSTN answers every gateway name).
      OUTBOUND_GATEWAY: 'carrier',
    });
    this.service = await startService(config, {
      logger: silentLogger,
      apiOptions: { bcryptCost: 4 },
      ivr: { importExamples: false, exampleDid: null },
    });
    this.tokens.set('admin', await this.login('admin', ADMIN_PASSWORD));
    await this.service.acdConfig.createQueue(
      queueCreateSchema.parse({ name: 'sales', strategy: 'longest_idle', offerTimeoutSec: 5, wrapUpSec: 1, announceIntervalSec: 0, maxNoAnswer: 0 }),
      'test',
    );
    this.did = '15550009000';
    const flow = { name: 'to-sales', timeZone: 'UTC', start: 'a', nodes: { a: { type: 'answer', next: 'q' }, q: { type: 'queue', queue: 'sales' } } };
    expect((await this.api('admin', '/api/v1/ivr/flows', { method: 'POST', json: { document: flow } })).status).toBe(201);
    expect((await this.api('admin', `/api/v1/ivr/dids/${this.did}`, { method: 'PUT', json: { flow: 'to-sales' } })).status).toBe(200);
  }

  async stop(): Promise<void> {
    await this.service?.close();
    await this.sim?.close();
    await this.closeDb?.();
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async login(username: string, password: string): Promise<string> {
    const res = await fetch(`${this.service.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    return ((await res.json()) as { token: string }).token;
  }

  token = (who: string): string => this.tokens.get(who)!;

  api = async (who: string, pathname: string, init: { method?: string; json?: unknown } = {}): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${this.tokens.get(who)}` };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.service.url}${pathname}`, { method: init.method ?? 'GET', headers, body: init.json !== undefined ? JSON.stringify(init.json) : undefined });
  };

  /** An agent of `teams` on softphone `ext`, logged in and ready; `who` logs in as them. */
  agent = async (who: string, ext: string, teams: string[]): Promise<number> => {
    this.sim.registerSoftphone(ext, { answerDelayMs: 50 });
    const user = await new UserService(this.service.dataSource, { bcryptCost: 4 }).create({ username: who, password: USER_PASSWORD, role: 'agent' });
    const a = await this.service.acdConfig.createAgent({ user_id: user.id, extension: ext, skills: {}, teams, queues: [{ queue: 'sales', tier: 1 }] });
    this.service.acd.engine.login(a.id);
    this.tokens.set(who, await this.login(who, USER_PASSWORD));
    return a.id;
  };

  /** A supervisor with a softphone and teams (set through the admin API). */
  supervisor = async (who: string, ext: string, teams: string[]): Promise<number> => {
    this.sim.registerSoftphone(ext, { answerDelayMs: 50 });
    const user = await new UserService(this.service.dataSource, { bcryptCost: 4 }).create({ username: who, password: USER_PASSWORD, role: 'supervisor' });
    const res = await this.api('admin', `/api/v1/supervision/supervisors/${user.id}/teams`, { method: 'PUT', json: { teams, extension: ext } });
    expect(res.status).toBe(200);
    this.tokens.set(who, await this.login(who, USER_PASSWORD));
    return user.id;
  };

  /** A customer calls the queue; resolves once an agent is on the call: [caller uuid, agent leg uuid]. */
  callAnswered = async (agentId: number): Promise<{ caller: string; agentLeg: string }> => {
    const caller = this.sim.injectInboundCall({ from: `+1415555${String(1000 + ++this.seq)}`, to: this.did });
    const legs = await waitFor(`agent ${agentId} on the call`, () => {
      const l = this.service.acd.legsOfAgent(agentId);
      return l && l.callerUuid === caller && l.agentUuid && this.sim.channel(caller)?.bridgedTo === l.agentUuid ? l : undefined;
    });
    return { caller, agentLeg: legs.agentUuid! };
  };

  state = (agentId: number): AgentState | undefined => this.service.acd.engine.agent(agentId)?.state;

  queueCall = async (id: string): Promise<AcdQueueCallRow> =>
    waitFor(`acd_queue_calls ${id}`, async () => {
      await this.service.acdHistory.flush().catch(() => undefined);
      const rows = (await this.service.dataSource.query('SELECT * FROM acd_queue_calls WHERE id = ?', [id])) as AcdQueueCallRow[];
      return rows[0] && rows[0].ended_at !== null ? rows[0] : undefined;
    });

  agentStates = async (agentId: number): Promise<AcdAgentStateLogRow[]> => {
    await this.service.acdHistory.flush().catch(() => undefined);
    return (await this.service.dataSource.query('SELECT * FROM acd_agent_state_log WHERE agent_id = ? ORDER BY id', [agentId])) as AcdAgentStateLogRow[];
  };

  cdr = async (uuid: string): Promise<CdrRow> =>
    waitFor(`the CDR of ${uuid}`, async () => {
      await this.service.cdrWriter.flush().catch(() => undefined);
      const rows = (await this.service.dataSource.query('SELECT * FROM cdrs WHERE uuid = ?', [uuid])) as CdrRow[];
      return rows[0];
    });

  audit = async (actionPrefix: string): Promise<Array<{ action: string; actor_name: string; target_id: string; before: unknown; after: unknown }>> => {
    const rows = (await this.service.dataSource.query('SELECT * FROM audit_log WHERE action LIKE ? ORDER BY id', [`${actionPrefix}%`])) as Array<{
      action: string;
      actor_name: string;
      target_id: string;
      before: string | null;
      after: string | null;
    }>;
    const parse = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
    return rows.map((r) => ({ ...r, before: parse(r.before), after: parse(r.after) }));
  };

  /** The agent's WebSocket, recording every message. */
  socket = async (who: string): Promise<{ messages: Array<Record<string, unknown>>; close: () => void }> => {
    const url = `${this.service.url.replace(/^http/, 'ws')}/api/v1/acd/ws`;
    const ws = new WebSocket(url, [`bearer.${this.tokens.get(who)}`, 'switchboard.v1']);
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Record<string, unknown>));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await waitFor('hello', () => messages.some((m) => m.type === 'hello'));
    return { messages, close: () => ws.close() };
  };
}
