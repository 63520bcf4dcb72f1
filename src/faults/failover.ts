/**
 * The failover drill (issue 11): two Switchboard instances (child processes, HA_MODE=lease) share one database and
 * one FreeSWITCH (the simulator here); callers queue and talk; the active instance is killed with SIGKILL while
 * `queued` callers wait and `agents` calls are in talk; the standby must take over (lease, ESL connect, takeover of
 * the calls on the switch) and carry on: every caller answered or abandoning by their own choice, every leg with
 * exactly one CDR (ESL, or mod_xml_cdr for a leg that ended while nobody was connected), no agent stuck. A killed
 * instance is restarted one second later on the same address (systemd's Restart=always); with `kills` > 1 the
 * active one is killed again each round.
 *
 * What it measures, per kill: the time from the SIGKILL to the first "this instance runs the contact center" log
 * line of either instance (lease won, FreeSWITCH connected, calls taken over).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataSource } from '../db/data-source';
import { EslClient } from '../esl/client';
import { header } from '../esl/types';
import { silentLogger, type Logger } from '../log/logger';
import { startSimulator, type Simulator } from '../simulator';
import { freePort, ServiceProcess } from './service-process';

export interface FailoverOptions {
  /** DATABASE_URL both instances share (mysql://... for the real thing; sqlite:<file> works on one machine). */
  databaseUrl: string;
  agents?: number;
  queued?: number;
  kills?: number;
  /** How long each answered call talks (ms). */
  talkMs?: number;
  /** Callers that hang up while waiting, after the kill, by their own choice (per kill). */
  abandons?: number;
  logger?: Logger;
  /** Progress lines (the drill prints them). */
  progress?: (line: string) => void;
}

export interface FailoverFigures {
  kills: number;
  failover_ms: number[];
  failover_p50_ms: number;
  failover_max_ms: number;
  callers: number;
  answered: number;
  abandoned: number;
  /** Callers neither answered nor abandoned by their own choice (must be 0). */
  dropped: number;
  legs: number;
  cdrs_lost: number;
  cdrs_duplicated: number;
  /** Agents left reserved or on a call with no call left (must be 0). */
  stuck_agents: number;
  xml_cdr_posted: number;
  /** CDR documents mod_xml_cdr gave up on (its err-log-dir), loaded afterwards as `npm run cdr:import` does. */
  xml_cdr_err_log: number;
}

const PASSWORD = 'failover-drill-pw';
const ADMIN = { username: 'admin', password: 'failover-drill-admin-pw' };
const QUEUE = 'failover';
const DID = '18005550177';

/** The DataSource settings of a DATABASE_URL (mysql://, mariadb:// or sqlite:<file>). */
function databaseConfig(url: string): { type: 'mysql'; url: string } | { type: 'sqlite'; file: string } {
  return url.startsWith('sqlite:') ? { type: 'sqlite', file: url.slice('sqlite:'.length).replace(/^\/\//, '') } : { type: 'mysql', url };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

class Api {
  private token = '';
  constructor(private base: string) {}

  use(base: string): void {
    this.base = base;
  }

  async login(): Promise<void> {
    const res = await fetch(`${this.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
    this.token = ((await res.json()) as { token: string }).token;
  }

  async call<T = unknown>(method: string, pathname: string, json?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async ok<T = unknown>(method: string, pathname: string, json?: unknown): Promise<T> {
    const r = await this.call<T>(method, pathname, json);
    if (r.status >= 300) throw new Error(`${method} ${pathname}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

/** Every channel the switch created and every one that ended, seen over a separate ESL connection. */
class LegWatch {
  readonly created = new Set<string>();
  readonly ended = new Set<string>();
  constructor(readonly client: EslClient) {
    client.on('event', (e) => {
      const uuid = header(e, 'Unique-ID');
      if (!uuid) return;
      if (e.name === 'CHANNEL_CREATE') this.created.add(uuid);
      else if (e.name === 'CHANNEL_DESTROY') this.ended.add(uuid);
    });
  }
}

export async function runFailover(options: FailoverOptions): Promise<FailoverFigures> {
  const agents = options.agents ?? 10;
  const queued = options.queued ?? 20;
  const kills = options.kills ?? 1;
  const talkMs = options.talkMs ?? 6_000;
  const abandons = options.abandons ?? 2;
  const say = options.progress ?? (() => undefined);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-failover-'));
  const sim: Simulator = await startSimulator({ password: PASSWORD, seed: 5, heartbeatMs: 0, defaultFileMs: 400 });
  const watch = new LegWatch(new EslClient({ host: '127.0.0.1', port: sim.port, password: PASSWORD, logger: options.logger ?? silentLogger, events: ['CHANNEL_CREATE', 'CHANNEL_DESTROY'] }));
  await watch.client.connect();
  // Two slots, as two machines (or two compose services) would be: a killed instance comes back on the same address
  // with the same HA_INSTANCE_ID and DATA_DIR (its spool) one second later, as systemd's Restart=always does.
  const slots = await Promise.all([0, 1].map(async (i) => ({ name: `drill-${'ab'[i]}`, port: await freePort() })));
  const instances: ServiceProcess[] = [];
  const startInstance = async (slot: number): Promise<ServiceProcess> => {
    const { name, port } = slots[slot]!;
    const p = ServiceProcess.start(name, port, {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: path.join(work, name),
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:${PASSWORD}`,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      JWT_SECRET: 'failover-drill-shared-jwt-secret-0123456789abcdef',
      HA_MODE: 'lease',
      HA_ADVERTISE_URL: `http://127.0.0.1:${port}`,
      CDR_FLUSH_MS: '50',
    });
    instances.push(p);
    await p.waitForLog((l) => l.message === 'HTTP API listening', 60_000, 'HTTP API listening');
    say(`${name} started at ${p.url} (pid ${p.pid})`);
    return p;
  };
  const runsCalls = (l: { message?: string }): boolean => l.message === 'this instance runs the contact center';
  const isStandby = (l: { message?: string }): boolean => l.message === 'waiting for the leadership lease (standby until then)';

  const callers: string[] = [];
  const abandonedOnPurpose = new Set<string>();
  const failoverMs: number[] = [];
  let lastTakeoverAt = 0;
  try {
    const procs: ServiceProcess[] = [await startInstance(0)];
    await procs[0]!.waitForLog(runsCalls, 60_000, 'active');
    procs.push(await startInstance(1));
    await procs[1]!.waitForLog(isStandby, 30_000, 'standby');
    let activeSlot = 0;
    let active = procs[0]!;
    const api = new Api(active.url);
    await api.login();

    // Configuration through the API, as an admin would.
    const key = await api.ok<{ key: string }>('POST', '/api/v1/api-keys', { name: 'mod_xml_cdr', role: 'admin' });
    const flow = { name: 'failover-flow', timeZone: 'UTC', start: 'answer', nodes: { answer: { type: 'answer', next: 'q' }, q: { type: 'queue', queue: QUEUE } } };
    await api.ok('POST', '/api/v1/acd/queues', { name: QUEUE, strategy: 'longest_idle', wrapUpSec: 1, offerTimeoutSec: 10, serviceLevelSec: 20, announceIntervalSec: 0 });
    await api.ok('POST', '/api/v1/ivr/flows', { document: flow });
    await api.ok('PUT', `/api/v1/ivr/dids/${DID}`, { flow: flow.name });
    const agentIds: number[] = [];
    for (let i = 0; i < agents; i++) {
      const ext = String(6000 + i);
      sim.registerSoftphone(ext, { answerDelayMs: 150, hangupAfterMs: talkMs });
      const user = await api.ok<{ id: number }>('POST', '/api/v1/users', { username: `drill${i}`, password: 'drill-agent-password-1', role: 'agent' });
      const agent = await api.ok<{ id: number }>('POST', '/api/v1/acd/agents', { user_id: user.id, extension: ext, queues: [{ queue: QUEUE, tier: 1 }] });
      await api.ok('POST', `/api/v1/acd/agents/${agent.id}/state`, { action: 'login' });
      agentIds.push(agent.id);
    }
    // mod_xml_cdr posts to both instances (xml_cdr.conf.xml with two `url` params), 3 retries 2 s apart (scaled
    // down from the shipped 5 s): a post that meets the dead one moves on to the other or to its restarted self.
    const xmlCdr = { urls: slots.map((sl) => `http://127.0.0.1:${sl.port}/freeswitch/xml-cdr`), credentials: `freeswitch:${key.key}`, retries: 3, delayMs: 2000 };
    sim.setXmlCdr(xmlCdr);

    for (let round = 0; round < kills; round++) {
      // Load: `agents` talking, `queued` waiting, topped up while we wait (calls of the previous round end meanwhile).
      const up = (): string[] => callers.filter((u) => sim.channel(u));
      await until(
        `${agents} talking and ${queued} waiting`,
        () => {
          for (let missing = agents + queued - up().length; missing > 0; missing--) {
            callers.push(sim.injectInboundCall({ from: `+1415555${String(1000 + (callers.length % 9000)).padStart(4, '0')}`, to: `+${DID}` }));
          }
          const live = up().map((u) => sim.channel(u)!);
          return live.filter((c) => c.bridgedTo).length >= agents && live.filter((c) => !c.bridgedTo).length >= queued;
        },
        30_000,
      ).catch(async (err: Error) => {
        const live = up().map((u) => sim.channel(u)!);
        const states = await api.call<{ items: Array<{ id: number; state: string }> }>('GET', '/api/v1/acd/live/agents').catch(() => undefined);
        const problems = active.lines.filter((l) => l.level === 'warn' || l.level === 'error').slice(-15).map((l) => JSON.stringify(l));
        throw new Error(
          `${err.message}: ${live.filter((c) => c.bridgedTo).length} talking, ${live.filter((c) => !c.bridgedTo).length} waiting, ` +
            `${sim.channels().length} channels; agents ${JSON.stringify(states?.body?.items?.map((a) => [a.id, a.state]))}\n${active.name} warnings:\n${problems.join('\n')}`,
        );
      });
      say(`round ${round + 1}: ${agents} talking, ${queued} waiting; killing ${active.name} (pid ${active.pid})`);
      const killedAt = Date.now();
      await active.kill();
      // Some callers lose patience during the takeover: their choice, not a drop.
      const waiting = up().filter((u) => !sim.channel(u)!.bridgedTo);
      for (const u of waiting.slice(0, abandons)) {
        abandonedOnPurpose.add(u);
        setTimeout(() => sim.hangup(u, 'NORMAL_CLEARING'), 500 + Math.random() * 2000);
      }
      const killedSlot = activeSlot;
      const restarted = sleep(1000).then(async () => (procs[killedSlot] = await startInstance(killedSlot)));
      // Whichever takes over first: the standby, or the killed one back under a new term.
      const [slot, took] = await until(
        'the takeover',
        () => {
          for (const [i, p] of procs.entries()) {
            const line = p.alive ? p.lines.find((l) => runsCalls(l) && l.at > killedAt) : undefined;
            if (line) return [i, line] as const;
          }
          return undefined;
        },
        15_000,
      );
      failoverMs.push(took.at - killedAt);
      lastTakeoverAt = took.at;
      activeSlot = slot;
      active = procs[slot]!;
      say(`round ${round + 1}: ${active.name} took over in ${took.at - killedAt} ms`);
      api.use(active.url);
      await restarted;
      // The restarted instance comes back as the standby (unless it took the lead back itself).
      if (slot !== killedSlot) await procs[killedSlot]!.waitForLog(isStandby, 30_000, 'standby');
    }

    // Every call ends by itself: talks end, waiting callers get agents.
    const perAgent = Math.ceil((queued * kills) / agents) + 2;
    await until('every call to end', () => sim.channels().length === 0, perAgent * (talkMs + 2_000) + 30_000).catch((err: Error) => {
      const left = sim.channels().map((c) => `${c.uuid} ${c.name} ${c.callState} app=${c.application ?? ''} bridged=${c.bridgedTo ?? ''}`);
      const problems = active.lines.filter((l) => l.level === 'warn' || l.level === 'error').slice(-20).map((l) => JSON.stringify(l));
      throw new Error(`${err.message}: ${left.length} channels up\n${left.join('\n')}\n${active.name} warnings:\n${problems.join('\n')}`);
    });
    await sim.xmlCdr.settled();
    // Queue calls that ended unseen are closed 20 s after the takeover (ORPHAN_CLOSE_DELAY_MS in the ACD runtime).
    await sleep(Math.max(0, lastTakeoverAt + 21_000 - Date.now()));
    // What mod_xml_cdr gave up on is in its err-log-dir: loaded as `npm run cdr:import` would, through the same route.
    const errLog = sim.xmlCdr.failedDocuments.splice(0);
    for (const f of errLog) {
      const res = await fetch(`${active.url}/freeswitch/xml-cdr`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(xmlCdr.credentials).toString('base64')}` },
        body: `cdr=${encodeURIComponent(f.doc)}`,
      });
      if (res.status !== 200) say(`err-log CDR refused: ${res.status}`);
    }
    await sleep(500);
    await api.login();
    // Figures from the surviving instance's API and the database it writes.
    const agentsNow = await api.ok<{ items: Array<{ id: number; state: string }> }>('GET', '/api/v1/acd/live/agents');
    const stuck = agentsNow.items.filter((a) => agentIds.includes(a.id) && (a.state === 'reserved' || a.state === 'on_call')).length;
    // Counted in the database the instances share, on a connection of our own.
    const ds = createDataSource(databaseConfig(options.databaseUrl), { poolSize: 1 });
    await ds.initialize();
    let cdrRows: Array<{ uuid: string; n: number | string }>;
    let calls: Array<{ id: string; outcome: string | null; data?: unknown }>;
    let causes = new Map<string, string>();
    try {
      // A CDR still in a writer's batch lands within a flush interval or two.
      await sleep(1000);
      cdrRows = (await ds.query('SELECT uuid, COUNT(*) AS n FROM cdrs GROUP BY uuid')) as typeof cdrRows;
      calls = (await ds.query('SELECT id, outcome, data, answered_at, agent_id, entered_at, ended_at FROM acd_queue_calls')) as typeof calls;
      causes = new Map(
        ((await ds.query('SELECT uuid, hangup_cause, billsec, agent_id, bridged_uuid FROM cdrs')) as Array<Record<string, unknown>>).map((r) => [
          String(r.uuid),
          `${String(r.hangup_cause)} billsec=${String(r.billsec)} agent=${String(r.agent_id)} bridged=${String(r.bridged_uuid)}`,
        ]),
      );
    } finally {
      await ds.destroy();
    }
    const cdrCount = new Map(cdrRows.map((r) => [r.uuid, Number(r.n)]));
    let lost = 0;
    let duplicated = 0;
    for (const uuid of watch.created) {
      const n = cdrCount.get(uuid) ?? 0;
      if (n === 0) {
        const failed = sim.xmlCdr.failedDocuments.find((f) => f.doc.includes(uuid));
        say(`leg ${uuid} has no CDR (ended: ${watch.ended.has(uuid)}; mod_xml_cdr: ${failed ? failed.tries.join(' | ') : 'posted or never tried'})`);
      }
      if (n === 0) lost++;
      if (n > 1) duplicated++;
    }
    const outcome = new Map(calls.map((c) => [c.id, c.outcome]));
    let answered = 0;
    let abandoned = 0;
    let dropped = 0;
    for (const uuid of callers) {
      const o = outcome.get(uuid);
      if (o === 'answered') answered++;
      // Hanging up on purpose in the queue, or still in the IVR (no queue call yet), is the caller's choice.
      else if ((o === 'abandoned' || o === undefined) && abandonedOnPurpose.has(uuid)) abandoned++;
      else {
        dropped++;
        const mentions = instances.flatMap((p) => p.lines.filter((l) => JSON.stringify(l).includes(uuid)).map((l) => `${p.name}: ${l.message} ${JSON.stringify(l).slice(0, 300)}`));
        const row = calls.find((c) => c.id === uuid);
        say(
          `caller ${uuid}: queue call outcome ${o ?? '(no row)'}${abandonedOnPurpose.has(uuid) ? ' (hung up on purpose)' : ''}, ${cdrCount.get(uuid) ?? 0} CDR ` +
            `(${causes.get(uuid) ?? '-'}), row ${JSON.stringify(row ?? null)}\n  ${mentions.join('\n  ')}`,
        );
      }
    }
    if (dropped + lost + duplicated > 0) {
      // What the instances warned about, for whoever reads the drill's output.
      for (const p of instances) for (const l of p.lines) if (l.level === 'warn' || l.level === 'error') say(`${p.name} ${l.level}: ${JSON.stringify(l).slice(0, 400)}`);
    }
    return {
      kills,
      failover_ms: failoverMs,
      failover_p50_ms: median(failoverMs),
      failover_max_ms: Math.max(...failoverMs),
      callers: callers.length,
      answered,
      abandoned,
      dropped,
      legs: watch.created.size,
      cdrs_lost: lost,
      cdrs_duplicated: duplicated,
      stuck_agents: stuck,
      xml_cdr_posted: sim.xmlCdr.stats().posted,
      xml_cdr_err_log: errLog.length,
    };
  } finally {
    await Promise.allSettled(instances.map((p) => p.stop(5_000)));
    await watch.client.close();
    await sim.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}
