/**
 * The ACD's live edge: the WebSocket hub at /api/v1/acd/ws, the screen pop, the live views shared with the REST
 * routes, and the Prometheus figures per queue.
 *
 * WebSocket protocol. Authenticate with the `Sec-WebSocket-Protocol` header (offer `bearer.<jwt>` or `apikey.<key>`,
 * plus `switchboard.v1`, which the server selects) or with `?token=<jwt>` / `?api_key=<key>`. Credentials are checked
 * exactly as for the REST API (signature, expiry, user disabled or password changed). An agent (role agent) must
 * have an agent row and receives only their own events (their state, their offers with the screen pop, the calls
 * offered to them, and the figures of the queues they serve); supervisors receive what concerns the agents of their
 * teams (the REST rule of src/auth/agent-access.ts) plus every queue's figures and waiting calls; admins everything. Every
 * message is JSON `{ seq, type, at, ... }` with `seq` increasing by one per connection, starting with `hello`:
 * - hello: role, agent_id, heartbeat_sec and a snapshot (queues and agents; or the agent's own state);
 * - agent_state, offer (with screen_pop), offer_cancelled, call_state, queue_stats (at most one per queue per
 *   throttle interval, 500 ms by default).
 * The server pings every heartbeat interval and drops a connection that did not answer the previous ping; it closes
 * the connection (code 4001) when the token expires or the credentials stop being valid.
 */
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { WebSocket, WebSocketServer } from 'ws';
import type { ApiDeps } from '../api/context';
import { HttpProblem, PROBLEM_TYPES } from '../api/problem';
import { ApiKeyService } from '../auth/api-keys';
import { resolvePrincipal, type AuthServices } from '../auth/middleware';
import { principalName, type Principal } from '../auth/principal';
import { resolveJwtSecret, TokenService } from '../auth/tokens';
import { UserService } from '../auth/users';
import { systemClock, type Clock, type ClockTimer } from '../clock/clock';
import type { Logger } from '../log/logger';
import type { MetricsRegistry } from '../metrics/registry';
import { recordingStoreFor } from '../recording/store';
import { acdConfigStoreFor, type AcdConfigStoreImpl } from './config-store';
import type { AcdEffect, AcdRuntimeApi, AgentSnapshot, AgentState, QueueSnapshot } from './contract';
import { dbTime } from './reports';

export const ACD_WS_PATH = '/api/v1/acd/ws';
export const ACD_WS_PROTOCOL = 'switchboard.v1';

// ---- views shared by REST and WebSocket ------------------------------------------------------------------------

export interface QueueStatsView {
  queue: string;
  waiting: number;
  longest_wait_sec: number;
  service_level: number | null;
  abandon_rate: number | null;
  agents: Record<AgentState, number>;
  ewt_sec: number | null;
}

export function queueStatsView(s: QueueSnapshot): QueueStatsView {
  return {
    queue: s.queue,
    waiting: s.waiting,
    longest_wait_sec: Math.round(s.longestWaitMs / 100) / 10,
    service_level: s.serviceLevel,
    abandon_rate: s.abandonRate,
    agents: { ...s.agents },
    ewt_sec: s.ewtSec,
  };
}

export interface AgentStateView {
  id: number;
  name: string;
  extension: string;
  state: AgentState;
  reason: string | null;
  version: number;
  since: string;
  call_id: string | null;
  calls_handled: number;
  talk_sec: number;
  no_answer_streak: number;
  /** The agent's phone is not registered: no calls are offered until it registers. */
  phone_registered: boolean;
}

export function agentStateView(s: AgentSnapshot): AgentStateView {
  return {
    id: s.id,
    name: s.name,
    extension: s.extension,
    state: s.state,
    reason: s.reason ?? null,
    version: s.version,
    since: new Date(s.since).toISOString(),
    call_id: s.callId ?? null,
    calls_handled: s.callsHandled,
    talk_sec: Math.round(s.talkMs / 1000),
    no_answer_streak: s.noAnswerStreak,
    phone_registered: !s.phoneUnreachable,
  };
}

// ---- screen pop ------------------------------------------------------------------------------------------------

/** What the runtime may know about a queued call beyond the contract (optional; used for the screen pop). */
export interface AcdCallInfo {
  queue?: string;
  callerNumber?: string;
  callerName?: string;
  data?: Record<string, string>;
  ivrPath?: unknown[];
}

/** AcdRuntimeApi, optionally with `callInfo(callId)` (the runtime keeps each queued call's input). */
export type AcdRuntimeWithCallInfo = AcdRuntimeApi & { callInfo?(callId: string): AcdCallInfo | undefined };

export interface ScreenPop {
  call_id: string;
  queue: string | null;
  caller_number: string | null;
  caller_name: string | null;
  /** IVR/CRM variables of the call (e.g. crm_name, crm_vip). */
  data: Record<string, string>;
  /** The call's IVR path (nodes, digits, times), when it came through a flow. */
  ivr_path: unknown[] | null;
  /** The caller's last 5 call legs (CDRs), newest first. */
  previous_calls: Array<{ uuid: string; start_at: string | null; destination_number: string | null; billsec: number; hangup_cause: string | null; agent_id: number | null }>;
  /** The caller's last 5 queue calls, newest first. */
  previous_queue_calls: Array<{
    id: string;
    queue: string;
    entered_at: string | null;
    outcome: string | null;
    agent_id: number | null;
    /** The agent's display name (null when no agent took it or the agent row is gone). */
    agent_name: string | null;
    disposition: string | null;
    notes: string | null;
  }>;
}

export interface ScreenPopSources {
  ds: DataSource;
  runtime?: AcdRuntimeWithCallInfo;
  ivrPathFor?: (uuid: string) => unknown[] | undefined;
  logger?: Logger;
}

async function safeQuery(ds: DataSource, sql: string, params: unknown[], logger?: Logger): Promise<Array<Record<string, unknown>>> {
  try {
    return (await ds.query(sql, params)) as Array<Record<string, unknown>>;
  } catch (err) {
    logger?.debug('screen pop lookup failed', { error: (err as Error).message });
    return [];
  }
}

function iso(v: unknown): string | null {
  const t = dbTime(v);
  return t === null ? null : new Date(t).toISOString();
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function jsonValue(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return null;
  }
}

function stringRecord(v: unknown): Record<string, string> {
  const o = jsonValue(v);
  if (!o || typeof o !== 'object' || Array.isArray(o)) return {};
  return Object.fromEntries(Object.entries(o as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}

/**
 * A caller's previous calls, newest first: their call legs (CDRs) and queue calls (with the queue, the agent, the
 * disposition and the notes). The screen pop shows the last 5; a caller profile's history pages through them all.
 * Best effort like the rest of the pop: a failing query gives an empty list.
 */
export async function callerHistory(
  src: Pick<ScreenPopSources, 'ds' | 'logger'>,
  callerNumber: string | readonly string[],
  options: { excludeCallId?: string; limit: number; offset?: number },
): Promise<Pick<ScreenPop, 'previous_calls' | 'previous_queue_calls'>> {
  const exclude = options.excludeCallId ?? '';
  // Several spellings of one number (e.g. +14155550100 and 14155550100, as carriers send caller ids).
  const numbers = typeof callerNumber === 'string' ? [callerNumber] : [...new Set(callerNumber)];
  const marks = numbers.map(() => '?').join(', ');
  const page = `LIMIT ${Math.max(1, Math.floor(options.limit))} OFFSET ${Math.max(0, Math.floor(options.offset ?? 0))}`;
  const cdrs = await safeQuery(
    src.ds,
    `SELECT uuid, start_at, destination_number, billsec, hangup_cause, agent_id FROM cdrs WHERE caller_number IN (${marks}) AND uuid <> ? ORDER BY start_at DESC ${page}`,
    [...numbers, exclude],
    src.logger,
  );
  const queued = await safeQuery(
    src.ds,
    `SELECT c.id, c.queue, c.entered_at, c.outcome, c.agent_id, a.name AS agent_name, c.disposition, c.notes FROM acd_queue_calls c LEFT JOIN acd_agents a ON a.id = c.agent_id WHERE c.caller_number IN (${marks}) AND c.id <> ? ORDER BY c.entered_at DESC ${page}`,
    [...numbers, exclude],
    src.logger,
  );
  return {
    previous_calls: cdrs.map((r) => ({
      uuid: String(r.uuid),
      start_at: iso(r.start_at),
      destination_number: str(r.destination_number),
      billsec: Number(r.billsec ?? 0),
      hangup_cause: str(r.hangup_cause),
      agent_id: r.agent_id === null || r.agent_id === undefined ? null : Number(r.agent_id),
    })),
    previous_queue_calls: queued.map((r) => ({
      id: String(r.id),
      queue: String(r.queue),
      entered_at: iso(r.entered_at),
      outcome: str(r.outcome),
      agent_id: r.agent_id === null || r.agent_id === undefined ? null : Number(r.agent_id),
      agent_name: str(r.agent_name),
      disposition: str(r.disposition),
      notes: str(r.notes),
    })),
  };
}

/**
 * The screen pop of a call: what the runtime knows (caller, IVR/CRM data), the queue-call row, the IVR path (from
 * the IVR runtime while the flow's record is not written yet, else the ivr_calls row) and the caller's previous
 * calls. Every lookup is best effort: a missing table or row leaves its part empty.
 */
export async function buildScreenPop(src: ScreenPopSources, callId: string): Promise<ScreenPop> {
  const info = src.runtime?.callInfo?.(callId);
  const legs = src.runtime?.legsOfCall(callId);
  const [queueRow] = await safeQuery(src.ds, 'SELECT queue, caller_number, caller_name, data FROM acd_queue_calls WHERE id = ?', [callId], src.logger);
  const [ivrRow] = await safeQuery(src.ds, 'SELECT caller_number, path FROM ivr_calls WHERE uuid = ?', [callId], src.logger);
  const callerNumber = info?.callerNumber ?? str(queueRow?.caller_number) ?? str(ivrRow?.caller_number);
  const livePath = info?.ivrPath ?? src.ivrPathFor?.(callId);
  const storedPath = jsonValue(ivrRow?.path);
  const pop: ScreenPop = {
    call_id: callId,
    queue: info?.queue ?? legs?.queue ?? str(queueRow?.queue),
    caller_number: callerNumber,
    caller_name: info?.callerName ?? str(queueRow?.caller_name),
    data: info?.data ? { ...info.data } : stringRecord(queueRow?.data),
    ivr_path: livePath?.length ? livePath : Array.isArray(storedPath) ? storedPath : null,
    previous_calls: [],
    previous_queue_calls: [],
  };
  if (callerNumber) Object.assign(pop, await callerHistory(src, callerNumber, { excludeCallId: callId, limit: 5 }));
  return pop;
}

// ---- Prometheus ------------------------------------------------------------------------------------------------

/**
 * Copies the engine's queue figures into the ACD gauges at every scrape, and counts ended queue calls by outcome.
 * Returns the unbind function (the scrape hook stays registered but does nothing afterwards).
 */
export function bindAcdMetrics(metrics: MetricsRegistry, runtime: AcdRuntimeApi): () => void {
  let bound = true;
  metrics.onScrape(() => {
    if (!bound) return;
    let queues: QueueSnapshot[];
    try {
      queues = runtime.engine.queues();
    } catch {
      return;
    }
    metrics.acdCallsWaiting.reset();
    metrics.acdLongestWaitSeconds.reset();
    metrics.acdServiceLevel.reset();
    metrics.acdAgents.reset();
    for (const q of queues) {
      metrics.acdCallsWaiting.set({ queue: q.queue }, q.waiting);
      metrics.acdLongestWaitSeconds.set({ queue: q.queue }, q.longestWaitMs / 1000);
      if (q.serviceLevel !== null) metrics.acdServiceLevel.set({ queue: q.queue }, q.serviceLevel);
      for (const [state, n] of Object.entries(q.agents)) metrics.acdAgents.set({ queue: q.queue, state }, n);
    }
  });
  const off = runtime.onEffect((e) => {
    if (e.kind === 'call_state' && e.state === 'ended') metrics.acdCallsTotal.inc({ queue: e.queue, outcome: e.outcome ?? 'unknown' });
  });
  return () => {
    bound = false;
    off();
  };
}

// ---- WebSocket hub ---------------------------------------------------------------------------------------------

export interface AcdLiveOptions {
  /** The IVR runtime's live path of a call, for screen pops of calls whose flow record is not written yet. */
  ivrPathFor?: (uuid: string) => unknown[] | undefined;
  /** Ping interval (default 30 s). */
  heartbeatMs?: number;
  /** Least time between two queue_stats of one queue (default 500 ms: at most 2 per second). */
  throttleMs?: number;
  /** Timers for heartbeats and throttling (network pacing; default the system clock, whatever deps.clock is). */
  timers?: Clock;
  /** Longest wait for a screen pop's database lookups before the offer is sent without them (default 1500 ms). */
  screenPopTimeoutMs?: number;
  /** A client whose unsent data exceeds this is dropped (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Bind the ACD Prometheus figures when a runtime is bound (default true). */
  metrics?: boolean;
}

interface Client {
  ws: WebSocket;
  principal: Principal;
  /** Supervisors and admins: every queue's figures and waiting calls. */
  all: boolean;
  /**
   * The agents a supervisor sees: those sharing one of these teams (src/auth/agent-access.ts, the REST rule). null for
   * admins (every agent); empty for a supervisor API key (no agent). Re-read at every credential re-check.
   */
  teams: ReadonlySet<string> | null;
  /** The agent this connection belongs to (agents; also supervisors who are agents). */
  agentId: number | undefined;
  seq: number;
  alive: boolean;
  /** Calls currently offered to / handled by this agent (for their call_state events). */
  calls: Set<string>;
  expiry: ClockTimer | undefined;
  headers: Record<string, string>;
}

type Outgoing = Record<string, unknown> & { type: string };

function problemResponse(socket: Duplex, status: number, detail: string, extraHeaders: Record<string, string> = {}): void {
  const body = JSON.stringify({
    type: `https://switchboard.invalid/problems/${PROBLEM_TYPES[status] ?? 'bad-request'}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: ACD_WS_PATH,
  });
  const headers = {
    'Content-Type': 'application/problem+json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...extraHeaders,
  };
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
}

/** The credential of an upgrade request: `Sec-WebSocket-Protocol: bearer.<jwt>` / `apikey.<key>`, or the query. */
export function upgradeCredentials(req: IncomingMessage): { authorization?: string; apiKey?: string } {
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of protocols) {
    if (p.startsWith('bearer.')) return { authorization: `Bearer ${p.slice('bearer.'.length)}` };
    if (p.startsWith('apikey.')) return { apiKey: p.slice('apikey.'.length) };
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const token = url.searchParams.get('token');
  if (token) return { authorization: `Bearer ${token}` };
  const key = url.searchParams.get('api_key');
  if (key) return { apiKey: key };
  return {};
}

export class AcdLiveHub {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly auth: AuthServices;
  private readonly tokens: TokenService;
  private readonly log: Logger;
  private readonly timers: Clock;
  private readonly throttleMs: number;
  private runtime: AcdRuntimeWithCallInfo | undefined;
  private unbind: Array<() => void> = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly statsDue = new Map<string, ClockTimer>();
  private readonly statsSentAt = new Map<string, number>();
  private heartbeat: ClockTimer | undefined;
  private closed = false;

  constructor(
    private readonly deps: ApiDeps,
    private readonly options: AcdLiveOptions = {},
  ) {
    this.log = deps.logger.child({ module: 'acd-live' });
    this.timers = options.timers ?? systemClock;
    this.throttleMs = options.throttleMs ?? 500;
    this.tokens = new TokenService(resolveJwtSecret(deps.config, this.log), deps.config.auth.tokenTtlSeconds, deps.clock);
    this.auth = {
      users: new UserService(deps.dataSource, { clock: deps.clock }),
      apiKeys: new ApiKeyService(deps.dataSource, { clock: deps.clock, logger: this.log }),
      tokens: this.tokens,
    };
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 4096,
      clientTracking: false,
      handleProtocols: (protocols) => (protocols.has(ACD_WS_PROTOCOL) ? ACD_WS_PROTOCOL : ([...protocols][0] ?? false)),
    });
    this.scheduleHeartbeat();
    if (deps.acd) this.bindRuntime(deps.acd);
    LIVE_HUBS.add(this);
  }

  private get store(): AcdConfigStoreImpl {
    return this.deps.acdConfig ?? acdConfigStoreFor(this.deps.dataSource, { clock: this.deps.clock, logger: this.deps.logger });
  }

  get connections(): number {
    return this.clients.size;
  }

  /** True when this hub follows `runtime` (the supervision hook picks the hubs of its own service). */
  servesRuntime(runtime: AcdRuntimeApi): boolean {
    return this.runtime === runtime;
  }

  /** Follows a (new) running ACD: its effects become messages; undefined detaches. */
  bindRuntime(runtime: AcdRuntimeApi | undefined): void {
    for (const off of this.unbind) off();
    this.unbind = [];
    this.runtime = runtime;
    if (!runtime) return;
    this.unbind.push(runtime.onEffect((e) => this.onEffect(e)));
    if (this.options.metrics !== false) this.unbind.push(bindAcdMetrics(this.deps.metrics, runtime));
  }

  /** For `server.on('upgrade')`: answers requests for ACD_WS_PATH; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== ACD_WS_PATH && path !== `${ACD_WS_PATH}/`) return false;
    socket.on('error', () => undefined);
    if (this.closed) {
      problemResponse(socket, 503, 'the service is shutting down');
      return true;
    }
    // The live feed is the active instance's memory: a standby sends the client there (src/api/standby-gate.ts).
    const ha = this.deps.haRole?.();
    if (ha && ha.role === 'standby') {
      problemResponse(socket, 503, `this Switchboard instance is a standby: the live feed is served by the active instance${ha.holderUrl ? ` at ${ha.holderUrl}` : ''}`, {
        'Retry-After': '1',
        ...(ha.holderUrl ? { 'X-Switchboard-Active': ha.holderUrl } : {}),
      });
      return true;
    }
    void this.authenticate(req).then(
      (who) => {
        if ('status' in who) {
          problemResponse(socket, who.status, who.detail, who.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="switchboard"' } : {});
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, who.principal, who.agentId, who.headers, who.exp, who.teams));
      },
      (err: unknown) => {
        this.log.error('WebSocket authentication failed', { error: err instanceof Error ? err.stack : String(err) });
        problemResponse(socket, 503, 'the credentials could not be checked now; try again', { 'Retry-After': '1' });
      },
    );
    return true;
  }

  private async authenticate(
    req: IncomingMessage,
  ): Promise<
    | { status: number; detail: string }
    | { principal: Principal; agentId: number | undefined; headers: Record<string, string>; exp: number | undefined; teams: ReadonlySet<string> | null }
  > {
    const cred = upgradeCredentials(req);
    const headers: Record<string, string> = {};
    if (cred.authorization) headers.authorization = cred.authorization;
    if (cred.apiKey) headers['x-api-key'] = cred.apiKey;
    if (!cred.authorization && !cred.apiKey)
      return { status: 401, detail: 'authentication required: offer the subprotocol "bearer.<token>" (or "apikey.<key>"), or add ?token=<token>' };
    let principal: Principal | null;
    try {
      principal = await resolvePrincipal({ headers } as unknown as Request, this.auth);
    } catch (err) {
      // A check that could not be made (database down) is not a refusal of these credentials: it is answered 503.
      if (err instanceof HttpProblem && err.status === 401) return { status: 401, detail: err.message };
      throw err;
    }
    if (!principal) return { status: 401, detail: 'authentication required' };
    let exp: number | undefined;
    if (cred.authorization) exp = this.tokens.verify(cred.authorization.slice('Bearer '.length)).exp;
    await this.store.ensureLoaded();
    const agent = principal.kind === 'user' ? this.store.agentByUserId(principal.id) : undefined;
    if (principal.role === 'agent' && !agent)
      return { status: 403, detail: principal.kind === 'user' ? 'no ACD agent is linked to your user' : 'an agent API key is not an agent; log in as the agent' };
    return { principal, agentId: agent?.id, headers, exp, teams: await this.teamsOf(principal) };
  }

  private async teamsOf(principal: Principal): Promise<ReadonlySet<string> | null> {
    if (principal.role === 'admin') return null;
    if (principal.role !== 'supervisor' || principal.kind !== 'user') return new Set();
    return new Set(await recordingStoreFor(this.deps.dataSource).supervisorTeams(principal.id));
  }

  /** Whether the connection may see agent `agentId` (their state, offers and screen pops, calls, monitoring). */
  private seesAgent(c: Client, agentId: number): boolean {
    if (c.agentId === agentId) return true;
    if (!c.all) return false;
    if (c.teams === null) return true;
    const teams = c.teams;
    return !!this.store.getAgent(agentId)?.teams.some((t) => teams.has(t));
  }

  private accept(
    ws: WebSocket,
    principal: Principal,
    agentId: number | undefined,
    headers: Record<string, string>,
    exp: number | undefined,
    teams: ReadonlySet<string> | null,
  ): void {
    if (this.closed) {
      ws.close(1001, 'shutting down');
      return;
    }
    const client: Client = {
      ws,
      principal,
      all: principal.role !== 'agent',
      teams,
      agentId,
      seq: 0,
      alive: true,
      calls: new Set(),
      expiry: undefined,
      headers,
    };
    this.clients.add(client);
    if (exp !== undefined) {
      client.expiry = this.deps.clock.setTimeout(() => this.drop(client, 4001, 'token expired'), Math.max(0, exp * 1000 - this.deps.clock.now()));
    }
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data) => {
      // Clients only ever send {"type":"ping"}; everything else is ignored.
      try {
        const msg = JSON.parse(String(data)) as { type?: unknown };
        if (msg?.type === 'ping') this.send(client, { type: 'pong' });
      } catch {
        /* ignored */
      }
    });
    ws.on('close', () => this.forget(client));
    ws.on('error', () => this.forget(client));
    const legs = agentId !== undefined ? this.runtime?.legsOfAgent(agentId) : undefined;
    if (legs) client.calls.add(legs.callerUuid);
    this.send(client, {
      type: 'hello',
      role: principal.role,
      agent_id: agentId ?? null,
      heartbeat_sec: (this.options.heartbeatMs ?? 30_000) / 1000,
      acd_running: !!this.runtime,
      snapshot: this.snapshot(client),
    });
  }

  private snapshot(client: Client): Record<string, unknown> {
    const engine = this.runtime?.engine;
    if (!engine) return {};
    try {
      if (client.all)
        return { queues: engine.queues().map(queueStatsView), agents: engine.agents().filter((a) => this.seesAgent(client, a.id)).map(agentStateView) };
      const a = client.agentId !== undefined ? engine.agent(client.agentId) : undefined;
      const served = this.servedQueues(client);
      return { agent: a ? agentStateView(a) : null, queues: engine.queues().filter((q) => served.has(q.queue)).map(queueStatsView) };
    } catch (err) {
      this.log.warn('could not take the ACD snapshot', { error: (err as Error).message });
      return {};
    }
  }

  private servedQueues(client: Client): Set<string> {
    if (client.agentId === undefined) return new Set();
    return new Set(this.store.agentQueueNames(client.agentId));
  }

  private forget(client: Client): void {
    client.expiry?.cancel();
    this.clients.delete(client);
  }

  private drop(client: Client, code: number, reason: string): void {
    if (!this.clients.has(client)) return;
    this.forget(client);
    try {
      client.ws.close(code, reason);
    } catch {
      client.ws.terminate();
    }
  }

  private send(client: Client, message: Outgoing): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > (this.options.maxBufferedBytes ?? 1 << 20)) {
      this.log.warn('dropping a slow ACD WebSocket client', { user: client.principal.id });
      this.drop(client, 1013, 'too slow to keep up');
      return;
    }
    client.seq++;
    client.ws.send(JSON.stringify({ seq: client.seq, at: new Date(this.deps.clock.now()).toISOString(), ...message }));
  }

  // ---- effects -> messages -------------------------------------------------------------------------------------

  /** Effects are turned into messages in order; an offer waits for its screen pop (bounded), later effects wait too. */
  private onEffect(e: AcdEffect): void {
    if (this.closed) return;
    if (e.kind === 'agent_state') this.agentQueues(e.agentId).forEach((q) => this.statsChanged(q));
    if (e.kind === 'call_state') this.statsChanged(e.queue);
    if (!this.clients.size) return;
    this.chain = this.chain
      .then(() => this.deliver(e))
      .catch((err: unknown) => {
        this.log.error('could not deliver an ACD event', { error: err instanceof Error ? err.stack : String(err) });
      });
  }

  private agentQueues(agentId: number): string[] {
    return this.store.agentQueueNames(agentId);
  }

  private async deliver(e: AcdEffect): Promise<void> {
    switch (e.kind) {
      case 'agent_state':
        this.route(e.agentId, undefined, {
          type: 'agent_state',
          agent_id: e.agentId,
          state: e.state,
          previous: e.previous,
          reason: e.reason ?? null,
          version: e.version,
          changed_at: new Date(e.at).toISOString(),
        });
        return;
      case 'offer': {
        for (const c of this.clients) if (c.agentId !== undefined && e.agentIds.includes(c.agentId)) c.calls.add(e.callId);
        const pop = await this.screenPop(e.callId);
        for (const agentId of e.agentIds) {
          this.route(agentId, undefined, {
            type: 'offer',
            offer_id: e.offerId,
            call_id: e.callId,
            agent_id: agentId,
            timeout_sec: e.timeoutSec,
            attempt: e.attempt,
            screen_pop: pop,
          });
        }
        return;
      }
      case 'cancel_offer':
        this.route(e.agentId, undefined, { type: 'offer_cancelled', offer_id: e.offerId, call_id: e.callId, agent_id: e.agentId, reason: e.reason });
        for (const c of this.clients) if (c.agentId === e.agentId) c.calls.delete(e.callId);
        return;
      case 'call_state': {
        this.route(e.agentId, e.callId, {
          type: 'call_state',
          call_id: e.callId,
          queue: e.queue,
          state: e.state,
          outcome: e.outcome ?? null,
          agent_id: e.agentId ?? null,
          wait_ms: e.waitMs ?? null,
          changed_at: new Date(e.at).toISOString(),
        });
        if (e.state === 'ended') for (const c of this.clients) c.calls.delete(e.callId);
        else if (e.agentId !== undefined) for (const c of this.clients) if (c.agentId === e.agentId) c.calls.add(e.callId);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Supervision hook (src/supervision, through publishAgentMonitored below): a `monitored` message about an agent,
   * to supervisors and admins, and to the agent themselves only when `toAgent`. Returns the connections reached.
   */
  publishMonitored(agentId: number, monitored: { monitored: boolean; mode: string | null; sessionId: number }, toAgent: boolean): number {
    if (this.closed) return 0;
    let n = 0;
    for (const c of [...this.clients]) {
      if (c.agentId === agentId ? !toAgent && !c.all : !this.seesAgent(c, agentId)) continue;
      this.send(c, { type: 'monitored', agent_id: agentId, monitored: monitored.monitored, mode: monitored.mode, session_id: monitored.sessionId });
      n++;
    }
    return n;
  }

  /** A message for supervisors and admins only (e.g. the dialer's campaign_stats). Returns the connections reached. */
  /**
   * `team`: a message about that team only (a team-scoped KPI alert): for admins and the supervisors of the team
   * (src/alerts/visibility.ts); a supervisor API key has no teams and does not get it.
   */
  publishToSupervisors(message: Outgoing, team: string | null = null): number {
    if (this.closed) return 0;
    let n = 0;
    for (const c of [...this.clients]) {
      if (!c.all) continue;
      if (team !== null && c.teams !== null && !c.teams.has(team)) continue;
      this.send(c, message);
      n++;
    }
    return n;
  }

  /**
   * To the agent `agentId` or the agents the call `callId` is with, and to supervisors/admins who see that agent (a
   * message about no agent, e.g. a call waiting in a queue, reaches every supervisor and admin).
   */
  private route(agentId: number | undefined, callId: string | undefined, message: Outgoing): void {
    for (const c of [...this.clients]) {
      const own = c.agentId !== undefined && (c.agentId === agentId || (callId !== undefined && c.calls.has(callId)));
      const oversees = c.all && (agentId === undefined || this.seesAgent(c, agentId));
      if (own || oversees) this.send(c, message);
    }
  }

  private async screenPop(callId: string): Promise<ScreenPop> {
    const minimal: ScreenPop = {
      call_id: callId,
      queue: null,
      caller_number: null,
      caller_name: null,
      data: {},
      ivr_path: null,
      previous_calls: [],
      previous_queue_calls: [],
    };
    let timer: ClockTimer | undefined;
    const timeout = new Promise<ScreenPop>((resolve) => {
      timer = this.timers.setTimeout(() => {
        const info = this.runtime?.callInfo?.(callId);
        resolve({ ...minimal, queue: info?.queue ?? null, caller_number: info?.callerNumber ?? null, caller_name: info?.callerName ?? null, data: info?.data ?? {} });
      }, this.options.screenPopTimeoutMs ?? 1500);
    });
    try {
      return await Promise.race([
        buildScreenPop({ ds: this.deps.dataSource, runtime: this.runtime, ivrPathFor: this.options.ivrPathFor, logger: this.log }, callId),
        timeout,
      ]);
    } finally {
      timer?.cancel();
    }
  }

  // ---- queue_stats throttling ----------------------------------------------------------------------------------

  private statsChanged(queue: string): void {
    if (this.closed || !this.clients.size || this.statsDue.has(queue)) return;
    const last = this.statsSentAt.get(queue);
    const now = this.timers.now();
    const delay = last === undefined ? 0 : Math.max(0, last + this.throttleMs - now);
    this.statsDue.set(
      queue,
      this.timers.setTimeout(() => {
        this.statsDue.delete(queue);
        this.statsSentAt.set(queue, this.timers.now());
        this.sendStats(queue);
      }, delay),
    );
  }

  private sendStats(queue: string): void {
    const snap = this.runtime?.engine.queues().find((q) => q.queue === queue);
    if (!snap) return;
    const message = { type: 'queue_stats', ...queueStatsView(snap) };
    for (const c of [...this.clients]) {
      if (c.all || this.servedQueues(c).has(queue)) this.send(c, message);
    }
  }

  // ---- heartbeat -----------------------------------------------------------------------------------------------

  private scheduleHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 30_000;
    if (every <= 0) return;
    this.heartbeat = this.timers.setTimeout(() => {
      if (this.closed) return;
      for (const c of [...this.clients]) {
        if (!c.alive) {
          this.forget(c);
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        try {
          c.ws.ping();
        } catch {
          /* closed meanwhile */
        }
        this.recheck(c);
      }
      this.scheduleHeartbeat();
    }, every);
  }

  /**
   * Credentials may have been revoked (user disabled, password changed, key revoked) since the connection. Only an
   * unauthorized answer closes it (4001, which the console takes as a sign-out): a check that could not be made (the
   * database unreachable for a moment) keeps the connection and its teams, and the next heartbeat checks again.
   */
  private recheck(c: Client): void {
    void resolvePrincipal({ headers: c.headers } as unknown as Request, this.auth)
      .then(async (p) => {
        if (!p || p.role !== c.principal.role) return this.drop(c, 4001, 'credentials are no longer valid');
        // A supervisor's teams may have changed too.
        c.teams = await this.teamsOf(p);
      })
      .catch((err: unknown) => {
        if (err instanceof HttpProblem && err.status === 401) return this.drop(c, 4001, 'credentials are no longer valid');
        this.log.warn('could not re-check a live connection\'s credentials; kept until the next check', {
          principal: principalName(c.principal),
          error: err instanceof Error ? err.message : String(err),
        });
      });
  }

  /** Re-checks every connection's credentials now (after a user or key was disabled, changed or deleted). */
  revalidate(): void {
    for (const c of [...this.clients]) this.recheck(c);
  }

  /** Closes every connection (1001) and stops listening to the ACD. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    LIVE_HUBS.delete(this);
    this.heartbeat?.cancel();
    for (const t of this.statsDue.values()) t.cancel();
    this.statsDue.clear();
    this.bindRuntime(undefined);
    for (const c of [...this.clients]) {
      this.forget(c);
      c.ws.close(1001, 'shutting down');
      c.ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/**
 * Serves the ACD WebSocket at /api/v1/acd/ws on `server` (the HTTP server of createApp(deps)). Other upgrade
 * requests are refused with 404 unless another listener takes them. Close the returned hub before the server.
 */
export function attachAcdWebSocket(server: Server, deps: ApiDeps, options: AcdLiveOptions = {}): AcdLiveHub {
  const hub = new AcdLiveHub(deps, options);
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (hub.handleUpgrade(req, socket, head)) return;
    if (server.listeners('upgrade').length <= 1) problemResponse(socket, 404, `no WebSocket at ${(req.url ?? '/').split('?')[0]}`);
  };
  server.on('upgrade', onUpgrade);
  const close = hub.close.bind(hub);
  hub.close = async () => {
    server.off('upgrade', onUpgrade);
    await close();
  };
  return hub;
}

// ---- supervision hook ------------------------------------------------------------------------------------------

/** Hubs alive in this process (one per running service); each serves the clients of its own ACD runtime. */
const LIVE_HUBS = new Set<AcdLiveHub>();

/**
 * Pushes the "monitored" flag of an agent (a supervisor started, switched or ended a listen/whisper/barge session)
 * through the hubs serving `runtime`: supervisors and admins always see it, the agent only when `toAgent`
 * (SUPERVISION_NOTIFY_AGENT). Returns how many connections got it.
 */
export function publishAgentMonitored(
  runtime: AcdRuntimeApi | undefined,
  agentId: number,
  state: { monitored: boolean; mode: string | null; sessionId: number },
  toAgent: boolean,
): number {
  let n = 0;
  for (const hub of LIVE_HUBS) if (runtime !== undefined && hub.servesRuntime(runtime)) n += hub.publishMonitored(agentId, state, toAgent);
  return n;
}

/**
 * Pushes a message to the supervisors and admins connected to the hubs serving `runtime` (the dialer's
 * campaign_stats). Returns how many connections got it.
 */
/**
 * After a change that can revoke credentials (a user disabled, deleted, given another role or password; an API key
 * revoked): every hub re-checks its connections at once instead of at the next heartbeat.
 */
export function revalidateLiveConnections(): void {
  for (const hub of LIVE_HUBS) hub.revalidate();
}

export function publishToSupervisors(runtime: AcdRuntimeApi | undefined, message: { type: string } & Record<string, unknown>, team: string | null = null): number {
  let n = 0;
  for (const hub of LIVE_HUBS) if (runtime !== undefined && hub.servesRuntime(runtime)) n += hub.publishToSupervisors(message, team);
  return n;
}
