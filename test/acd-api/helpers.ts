/**
 * An API server on a fresh database of a given engine, with the real AcdEngine (VirtualClock) behind a minimal
 * AcdRuntimeApi (it tracks the legs and the call inputs the way the FreeSWITCH runtime does), and the WebSocket hub.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/context';
import type { HealthReport } from '../../src/api/health';
import { acdConfigStoreFor, type AcdConfigStoreImpl } from '../../src/acd/config-store';
import type { AcdCallLegs, AcdEffect, AcdEffectListener, QueueCallInput } from '../../src/acd/contract';
import { AcdEngine } from '../../src/acd/engine';
import { attachAcdWebSocket, type AcdCallInfo, type AcdLiveHub, type AcdRuntimeWithCallInfo } from '../../src/acd/live';
import { UserService } from '../../src/auth/users';
import type { Role } from '../../src/auth/roles';
import { VirtualClock } from '../../src/clock/clock';
import { loadConfig } from '../../src/config/config';
import { sqlDateTime } from '../../src/db/entities/columns';
import { silentLogger } from '../../src/log/logger';
import { createMetrics, type MetricsRegistry } from '../../src/metrics/registry';
import type { TestDatabase, TestEngine } from '../helpers/databases';
import { tempDir } from '../api/helpers';
import { apiFetcher } from '../helpers/http';

export const PASSWORD = 'acd-test-password-1';

/** The runtime's bookkeeping around the real engine, without FreeSWITCH: legs from connect, ended by call_state. */
export class TestRuntime implements AcdRuntimeWithCallInfo {
  readonly engine: AcdEngine;
  readonly effects: AcdEffect[] = [];
  private readonly listeners = new Set<AcdEffectListener>();
  private readonly calls = new Map<string, QueueCallInput>();
  private readonly legs = new Map<number, AcdCallLegs>();

  constructor(private readonly clock: VirtualClock) {
    this.engine = new AcdEngine({ clock, onEffect: (e) => this.onEngineEffect(e) });
  }

  private onEngineEffect(e: AcdEffect): void {
    if (e.kind === 'connect') {
      const call = this.calls.get(e.callId);
      this.legs.set(e.agentId, { node: call?.node ?? 'fs1', callerUuid: e.callId, agentUuid: `agent-leg-${e.offerId}`, queue: call?.queue ?? '', agentId: e.agentId, connectedAt: this.clock.now() });
    }
    if (e.kind === 'call_state' && e.state === 'ended') {
      for (const [agentId, l] of this.legs) if (l.callerUuid === e.callId) this.legs.delete(agentId);
    }
    this.effects.push(e);
    for (const l of [...this.listeners]) l(e);
  }

  enqueue(call: QueueCallInput): void {
    this.calls.set(call.id, call);
    this.engine.enqueue(call);
  }

  callInfo(callId: string): AcdCallInfo | undefined {
    const c = this.calls.get(callId);
    return c ? { queue: c.queue, callerNumber: c.callerNumber, callerName: c.callerName, data: c.data } : undefined;
  }

  legsOfAgent(agentId: number): AcdCallLegs | undefined {
    return this.legs.get(agentId);
  }

  legsOfCall(callId: string): AcdCallLegs | undefined {
    for (const l of this.legs.values()) if (l.callerUuid === callId) return l;
    return undefined;
  }

  onEffect(listener: AcdEffectListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The current offer to an agent (from the effects). */
  offerTo(agentId: number): Extract<AcdEffect, { kind: 'offer' }> | undefined {
    return [...this.effects].reverse().find((e): e is Extract<AcdEffect, { kind: 'offer' }> => e.kind === 'offer' && e.agentIds.includes(agentId));
  }
}

export interface AcdTestApi {
  base: string;
  wsBase: string;
  db: TestDatabase;
  clock: VirtualClock;
  deps: ApiDeps;
  metrics: MetricsRegistry;
  store: AcdConfigStoreImpl;
  hub: AcdLiveHub;
  users: UserService;
  /** Seeded: admin1, supervisor1, agent1, agent2 (agents also get agent rows when `agents` is set). */
  tokens: Record<string, string>;
  userIds: Record<string, number>;
  fetch(pathname: string, init?: RequestInit & { token?: string; apiKey?: string; json?: unknown }): Promise<Response>;
  /** Starts the ACD: a TestRuntime configured from the store and kept in step with it; sets deps.acd and binds the hub. */
  startAcd(): Promise<TestRuntime>;
  stopAcd(): void;
  login(username: string): Promise<string>;
  close(): Promise<void>;
}

export async function startAcdTestApi(engine: TestEngine, options: { tokenTtlSeconds?: number } = {}): Promise<AcdTestApi> {
  const db = await engine.open();
  const dataDir = tempDir('sb-acd-api-');
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    ...(options.tokenTtlSeconds ? { TOKEN_TTL_SECONDS: String(options.tokenTtlSeconds) } : {}),
  });
  const clock = new VirtualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  const metrics = createMetrics({ defaultMetrics: false });
  const store = acdConfigStoreFor(db.ds, { clock, logger: silentLogger });
  const deps: ApiDeps = {
    dataSource: db.ds,
    config,
    clock,
    logger: silentLogger,
    health: async () => ({ status: 'ok', freeswitch: [], database: { status: 'ok' } }) as HealthReport,
    metrics,
    acdConfig: store,
    options: { bcryptCost: 4 },
  };
  const app = createApp(deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const hub = attachAcdWebSocket(server, deps, { heartbeatMs: 0, throttleMs: 50 });
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const users = new UserService(db.ds, { clock, bcryptCost: 4 });

  const doFetch: AcdTestApi['fetch'] = apiFetcher(base);
  const login = async (username: string): Promise<string> => {
    const res = await doFetch('/api/v1/auth/login', { method: 'POST', json: { username, password: PASSWORD } });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  };

  const tokens: Record<string, string> = {};
  const userIds: Record<string, number> = {};
  const seed: Array<[string, Role]> = [
    ['admin1', 'admin'],
    ['supervisor1', 'supervisor'],
    ['agent1', 'agent'],
    ['agent2', 'agent'],
    ['agent3', 'agent'],
  ];
  for (const [name, role] of seed) {
    const u = await users.create({ username: name, password: PASSWORD, role, display_name: name.toUpperCase() });
    userIds[name] = u.id;
    tokens[name] = await login(name);
  }

  let runtime: TestRuntime | undefined;
  let offChange: (() => void) | undefined;
  const api: AcdTestApi = {
    base,
    wsBase: `ws://127.0.0.1:${port}`,
    db,
    clock,
    deps,
    metrics,
    store,
    hub,
    users,
    tokens,
    userIds,
    fetch: doFetch,
    login,
    async startAcd() {
      runtime = new TestRuntime(clock);
      const cfg = await store.load();
      runtime.engine.configure(cfg.queues, cfg.agents);
      offChange = store.onChange((c) => runtime!.engine.configure(c.queues, c.agents));
      deps.acd = runtime;
      hub.bindRuntime(runtime);
      return runtime;
    },
    stopAcd() {
      offChange?.();
      deps.acd = undefined;
      hub.bindRuntime(undefined);
      runtime = undefined;
    },
    async close() {
      api.stopAcd();
      await hub.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return api;
}

/** Inserts a queue call history row (acd_queue_calls), portable SQL. */
export async function insertQueueCall(
  api: { db: TestDatabase },
  row: {
    id: string;
    queue: string;
    entered_at: number;
    answered_at?: number | null;
    ended_at?: number | null;
    agent_id?: number | null;
    wait_ms?: number | null;
    talk_ms?: number | null;
    outcome?: string | null;
    caller_number?: string;
    caller_name?: string | null;
    data?: Record<string, unknown> | null;
  },
): Promise<void> {
  await api.db.ds.query(
    `INSERT INTO acd_queue_calls (id, fs_node, queue, priority, caller_number, caller_name, entered_at, offered_count, answered_at, ended_at, agent_id, wait_ms, talk_ms, outcome, overflow_target, disposition, notes, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      row.id,
      'fs1',
      row.queue,
      0,
      row.caller_number ?? '5550100',
      row.caller_name ?? null,
      sqlDateTime(row.entered_at),
      1,
      row.answered_at ? sqlDateTime(row.answered_at) : null,
      row.ended_at ? sqlDateTime(row.ended_at) : null,
      row.agent_id ?? null,
      row.wait_ms ?? null,
      row.talk_ms ?? null,
      row.outcome ?? null,
      null,
      null,
      null,
      row.data ? JSON.stringify(row.data) : null,
    ],
  );
}
