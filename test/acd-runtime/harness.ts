/**
 * Shared harness of the ACD end-to-end tests: the simulator on a real TCP port and the whole service (database, ESL,
 * IVR, ACD runtime, HTTP API). Helpers create queues (each with its own DID and flow), agents on simulated
 * softphones, callers, and read back the history tables and CDRs. The service runs on a TrackingClock so a test can
 * check that the ACD left no timer behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { queueCreateSchema, type QueueCreateInput } from '../../src/acd/config-store';
import type { AgentState } from '../../src/acd/contract';
import type { AcdAgentSnapshot } from '../../src/acd/engine';
import { UserService } from '../../src/auth/users';
import { systemClock, type Clock, type ClockTimer } from '../../src/clock/clock';
import { loadConfig } from '../../src/config/config';
import type { AcdAgentStateLogRow, AcdOfferLogRow, AcdQueueCallRow } from '../../src/db/entities/acd-history';
import type { CdrRow } from '../../src/db/entities/cdr';
import { header, type EslEvent } from '../../src/esl/types';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator, type SimulatorOptions, type SoftphoneBehavior } from '../../src/simulator';
import type { TestEngine } from '../helpers/databases';

export const ADMIN_PASSWORD = 'acd-e2e-admin-password';
export const GATEWAY = 'carrier';

export async function waitFor<T>(what: string | (() => string), probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const FAST_QUEUE: Omit<QueueCreateInput, 'name'> = {
  strategy: 'longest_idle',
  offerTimeoutSec: 5,
  maxNoAnswer: 2,
  wrapUpSec: 1,
  rejectDelaySec: 1,
  busyDelaySec: 1,
  noAnswerDelaySec: 1,
  announceIntervalSec: 0,
  serviceLevelSec: 20,
};

/** The system clock, remembering where each pending timer was set (to find timers left behind). */
export class TrackingClock implements Clock {
  private readonly pending = new Map<number, string>();
  private seq = 0;

  now(): number {
    return systemClock.now();
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const id = ++this.seq;
    this.pending.set(id, new Error().stack ?? '');
    const t = systemClock.setTimeout(() => {
      this.pending.delete(id);
      callback();
    }, ms);
    return {
      cancel: () => {
        this.pending.delete(id);
        t.cancel();
      },
    };
  }

  /** Stacks of the timers not fired nor cancelled that were set from a file whose path contains `pathPart`. */
  pendingFrom(pathPart: string): string[] {
    return [...this.pending.values()].filter((s) => s.split('\n').slice(2).some((line) => line.includes(pathPart)));
  }
}

/** One ESL event as the service saw it (the fields the tests look at). */
export interface SeenEvent {
  name: string;
  uuid: string;
  at: number;
  channel?: string;
  file?: string;
  status?: string;
  digit?: string;
  other?: string;
  cause?: string;
  app?: string;
  appData?: string;
}

export interface AcdHarnessOptions {
  /** Extra environment for the service's config (e.g. RECORDINGS_AGENT_ACCESS). */
  env?: Record<string, string>;
  simulator?: Partial<SimulatorOptions>;
}

/**
 * The simulator, the service and the helpers. `start()` / `stop()` are for beforeAll/afterAll or
 * beforeEach/afterEach; helper methods are arrow properties so tests may destructure them.
 */
export class AcdHarness {
  sim!: Simulator;
  service!: Service;
  /** The service's clock (a restart gets a new one: the stopped instance's timers are not the new one's). */
  clock = new TrackingClock();
  /** Channel events the service received, in arrival order (cleared by start()). */
  readonly events: SeenEvent[] = [];
  private dataDir = '';
  private closeDb?: () => Promise<void>;
  private token = '';
  private userSeq = 0;
  private readonly didFor = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly engine: TestEngine,
    private readonly options: AcdHarnessOptions = {},
  ) {}

  async start(): Promise<void> {
    this.events.length = 0;
    this.didFor.clear();
    this.stopped = false;
    this.sim = await startSimulator({ password: 'acd-secret', seed: 11, heartbeatMs: 0, defaultFileMs: 150, apiExpansion: false, ...this.options.simulator });
    const db = await this.engine.open();
    await db.ds.destroy();
    this.closeDb = db.close;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-acd-e2e-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: this.dataDir,
      DATABASE_URL: db.config.type === 'mysql' ? db.config.url : `sqlite:${db.config.file}`,
      FREESWITCH_NODES: `sim1=127.0.0.1:${this.sim.port}:acd-secret`,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
      CDR_FLUSH_MS: '20',
      ...this.options.env,
    });
    this.config = config;
    await this.startService();
  }

  private config?: ReturnType<typeof loadConfig>;

  private async startService(): Promise<void> {
    this.service = await startService(this.config!, {
      logger: silentLogger,
      clock: this.clock,
      apiOptions: { bcryptCost: 4 },
      ivr: { importExamples: false, exampleDid: null },
      acd: { callbackGateway: GATEWAY },
    });
    // The tests play the callers, who follow the prompts (CHANNEL_EXECUTE), and find the legs the service made
    // (CHANNEL_CREATE): events the service itself does not take.
    await this.service.cluster.subscribe(['CHANNEL_EXECUTE', 'CHANNEL_CREATE']);
    this.service.cluster.onEvent((_node, e) => this.see(e));
    const login = await fetch(`${this.service.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    this.token = ((await login.json()) as { token: string }).token;
  }

  /**
   * Stops the service and starts a new one on the same database and simulator (`systemctl restart`): the calls on
   * the switch go on meanwhile, and the new instance takes them over.
   */
  restartService = async (whileDown?: () => Promise<void>): Promise<void> => {
    await this.service.close();
    await whileDown?.();
    this.clock = new TrackingClock();
    await this.startService();
    await this.service.whenActive();
  };

  /** Closes the service (the ACD runtime, history and CDR writers), the simulator and the database. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.service?.close();
    await this.sim?.close();
    await this.closeDb?.();
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  private see(e: EslEvent): void {
    const uuid = header(e, 'Unique-ID');
    if (!uuid || e.name === 'HEARTBEAT' || e.name === 'BACKGROUND_JOB') return;
    this.events.push({
      name: e.name,
      uuid,
      at: Date.now(),
      channel: header(e, 'Channel-Name'),
      file: header(e, 'Playback-File-Path'),
      status: header(e, 'Playback-Status'),
      digit: header(e, 'DTMF-Digit'),
      other: header(e, 'Other-Leg-Unique-ID') ?? header(e, 'Bridge-B-Unique-ID'),
      cause: header(e, 'Hangup-Cause'),
      app: header(e, 'Application'),
      appData: header(e, 'Application-Data'),
    });
  }

  /** The admin's login token (for WebSocket tests). */
  get adminToken(): string {
    return this.token;
  }

  /** Events of one channel, optionally of some names only. */
  eventsOf = (uuid: string, ...names: string[]): SeenEvent[] =>
    this.events.filter((e) => e.uuid === uuid && (names.length === 0 || names.includes(e.name)));

  api = async (pathname: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...((init.headers as Record<string, string> | undefined) ?? {}), authorization: `Bearer ${this.token}` };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.service.url}${pathname}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  };

  /** Binds a new DID to a flow made of `nodes` (started at `start`). */
  flow = async (name: string, start: string, nodes: Record<string, unknown>): Promise<string> => {
    const did = `1555000${String(2000 + this.didFor.size)}`;
    const flow = { name, timeZone: 'UTC', start, nodes };
    const created = await this.api('/api/v1/ivr/flows', { method: 'POST', json: { document: flow } });
    if (created.status !== 201) throw new Error(`flow ${name}: ${created.status} ${await created.text()}`);
    expect((await this.api(`/api/v1/ivr/dids/${did}`, { method: 'PUT', json: { flow: name } })).status).toBe(200);
    this.didFor.set(`flow:${name}`, did);
    return did;
  };

  /** A queue with its own DID and flow (answer -> queue). */
  queue = async (name: string, extra: Partial<QueueCreateInput> = {}): Promise<string> => {
    await this.service.acdConfig.createQueue(queueCreateSchema.parse({ ...FAST_QUEUE, ...extra, name }), 'test');
    const did = await this.flow(`q-${name.toLowerCase()}`, 'answer', { answer: { type: 'answer', next: 'q' }, q: { type: 'queue', queue: name } });
    this.didFor.set(name, did);
    return did;
  };

  /** An agent (user + agent row + registered softphone), logged in and ready (or not ready 'break'). */
  agent = async (ext: string, queues: string[], behavior: SoftphoneBehavior, opts: { ready?: boolean; teams?: string[] } = {}): Promise<number> => {
    this.sim.registerSoftphone(ext, behavior);
    const users = new UserService(this.service.dataSource, { bcryptCost: 4 });
    const user = await users.create({ username: `agent${++this.userSeq}`, password: 'agent-password-123', role: 'agent' });
    const stored = await this.service.acdConfig.createAgent({ user_id: user.id, extension: ext, skills: {}, teams: opts.teams ?? [], queues: queues.map((q) => ({ queue: q, tier: 1 })) });
    this.service.acd.engine.login(stored.id);
    if (opts.ready === false) this.service.acd.engine.setNotReady(stored.id, 'break');
    return stored.id;
  };

  /** A caller dials the DID of a queue (or of a flow: `flow:<name>`). */
  call = (queueName: string, from = '+14155550100'): string => {
    const did = this.didFor.get(queueName);
    if (!did) throw new Error(`no DID for ${queueName}`);
    return this.sim.injectInboundCall({ from, to: `+${did}` });
  };

  state = (agentId: number): AgentState | undefined => this.service.acd.engine.agent(agentId)?.state;

  queueCall = async (id: string, final = true): Promise<AcdQueueCallRow> =>
    waitFor(`acd_queue_calls row ${id}`, async () => {
      await this.service.acdHistory.flush().catch(() => undefined);
      const rows = (await this.service.dataSource.query(`SELECT * FROM acd_queue_calls WHERE id = ?`, [id])) as AcdQueueCallRow[];
      const row = rows[0];
      if (!row || (final && row.ended_at === null)) return undefined;
      return row;
    });

  offers = async (callId: string): Promise<AcdOfferLogRow[]> => {
    await this.service.acdHistory.flush().catch(() => undefined);
    return (await this.service.dataSource.query(`SELECT * FROM acd_offer_log WHERE call_id = ? ORDER BY id`, [callId])) as AcdOfferLogRow[];
  };

  agentStates = async (agentId: number): Promise<AcdAgentStateLogRow[]> => {
    await this.service.acdHistory.flush().catch(() => undefined);
    return (await this.service.dataSource.query(`SELECT * FROM acd_agent_state_log WHERE agent_id = ? ORDER BY id`, [agentId])) as AcdAgentStateLogRow[];
  };

  cdr = async (uuid: string): Promise<CdrRow> =>
    waitFor(`the CDR of ${uuid}`, async () => {
      const res = await this.api(`/api/v1/cdrs/${uuid}`);
      if (res.status === 404) return undefined;
      return (await res.json()) as CdrRow;
    });

  /** CDRs of every leg linked to a queue call (caller, agent and customer legs). */
  cdrsOfCall = async (callId: string): Promise<CdrRow[]> => {
    await this.service.cdrWriter.flush().catch(() => undefined);
    return (await this.service.dataSource.query(`SELECT * FROM cdrs WHERE queue_call_id = ? ORDER BY id`, [callId])) as CdrRow[];
  };

  live = (): Set<string> => new Set(this.sim.channels().map((c) => c.uuid));

  /** Waits until no channel is up and every agent of `ids` is in a resting state; then nobody may be stuck. */
  settled = async (ids: number[]): Promise<void> => {
    await waitFor(
      () => `all calls to end (up: ${JSON.stringify(this.sim.channels().map((c) => [c.uuid, c.name, c.state, c.application]))})`,
      () => this.sim.channels().length === 0,
      30_000,
    );
    await waitFor(
      () => `agents to rest (${JSON.stringify(ids.map((id) => [id, this.state(id)]))})`,
      () => ids.every((id) => !['reserved', 'on_call'].includes(this.state(id) ?? 'logged_out')),
      10_000,
    );
    expect(this.service.acd.stuckAgents(this.live())).toEqual([]);
  };

  /**
   * The end of a test: every call over, nobody stuck, wrap-ups and delays over, every history row of `callIds`
   * final, and no timer of the ACD (engine or runtime) still pending.
   */
  finish = async (agentIds: number[], callIds: string[]): Promise<void> => {
    await this.settled(agentIds);
    await waitFor(
      () => `wrap-ups and delays to end (${JSON.stringify(this.service.acd.engine.agents())})`,
      () => (this.service.acd.engine.agents() as AcdAgentSnapshot[]).every((a) => a.state !== 'wrap_up' && a.delayedUntil === undefined),
      15_000,
    );
    for (const id of callIds) {
      const row = await this.queueCall(id);
      expect(row.outcome).not.toBeNull();
    }
    await this.service.acdHistory.flush();
    await this.service.ivr.flush();
    expect(this.service.acd.engine.waitingCalls()).toEqual([]);
    expect(this.service.acd.stats()).toMatchObject({ queuedCalls: 0, connectedCalls: 0, ringingLegs: 0 });
    await waitFor(
      () => `the ACD timers to end: ${this.clock.pendingFrom('/src/acd/').join('\n----\n')}`,
      () => this.clock.pendingFrom('/src/acd/').length === 0,
      5_000,
    );
  };
}
