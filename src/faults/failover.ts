/**
 * The failover drill (issue 11): two Switchboard instances (child processes, HA_MODE=lease) share one database and
 * one FreeSWITCH; callers queue and talk; the active instance is killed with SIGKILL while `queued` callers wait and
 * `agents` calls are in talk; the standby must take over (lease, ESL connect, takeover of the calls on the switch)
 * and carry on: every caller answered or abandoning by their own choice, every leg with exactly one CDR (ESL, or
 * mod_xml_cdr for a leg that ended while nobody was connected), no agent stuck. A killed instance is restarted one
 * second later on the same address (systemd's Restart=always); with `kills` > 1 the active one is killed again
 * each round.
 *
 * The switch is reached over its event socket only (./drill-switch.ts: loopback callers, loopback phones answered
 * by the drill), so the same scenario runs on the simulator (the default: one started here) and on a real
 * FreeSWITCH test box (`target`).
 *
 * What it measures, per kill: the time from the SIGKILL to the first "this instance runs the contact center" log
 * line of either instance (lease won, FreeSWITCH connected, calls taken over).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataSource } from '../db/data-source';
import type { Logger } from '../log/logger';
import { cdrTally, DrillApi, databaseConfig, importErrLog, median, sleep, storeApiKey, until } from './drill-kit';
import { openDrill, type DrillTarget } from './drill-switch';
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
  /** The FreeSWITCH to run on; default: a simulator of the drill's own. */
  target?: DrillTarget;
}

export interface FailoverFigures {
  kills: number;
  failover_ms: number[];
  failover_ms_p50: number;
  failover_ms_max: number;
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

const ADMIN = { username: 'admin', password: 'failover-drill-admin-pw' };
const QUEUE = 'failover';
const DID = '18005550177';

export async function runFailover(options: FailoverOptions): Promise<FailoverFigures> {
  const agents = options.agents ?? 10;
  const queued = options.queued ?? 20;
  const kills = options.kills ?? 1;
  const talkMs = options.talkMs ?? 6_000;
  const abandons = options.abandons ?? 2;
  const say = options.progress ?? (() => undefined);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-failover-'));
  const drill = await openDrill(options.target, { logger: options.logger });
  const { target, sw } = drill;
  // Two slots, as two machines (or two compose services) would be: a killed instance comes back on the same address
  // with the same HA_INSTANCE_ID and DATA_DIR (its spool) one second later, as systemd's Restart=always does.
  const slots = await Promise.all([0, 1].map(async (i) => ({ name: `drill-${'ab'[i]}`, port: target.ports?.[i] ?? (await freePort()) })));
  const instances: ServiceProcess[] = [];
  const startInstance = async (slot: number): Promise<ServiceProcess> => {
    const { name, port } = slots[slot]!;
    const p = ServiceProcess.start(name, port, {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: path.join(work, name),
      FREESWITCH_NODES: sw.node,
      ...sw.serviceEnv(),
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
    const api = new DrillApi(active.url, ADMIN);
    await api.login();

    // Configuration through the API, as an admin would; mod_xml_cdr's key is the one the switch's config names, if any.
    const key = target.xmlCdrKey ? { key: await storeApiKey(options.databaseUrl, target.xmlCdrKey) } : await api.ok<{ key: string }>('POST', '/api/v1/api-keys', { name: 'mod_xml_cdr', role: 'admin' });
    const extensions = Array.from({ length: agents }, (_, i) => String(6000 + i));
    for (const ext of extensions) sw.addPhone(ext, { answerDelayMs: 150, talkMs });
    const agentIds = await api.callCenter(QUEUE, DID, extensions);
    // mod_xml_cdr posts to both instances (xml_cdr.conf.xml with two `url` params), 3 retries 2 s apart (scaled
    // down from the shipped 5 s): a post that meets the dead one moves on to the other or to its restarted self.
    const xmlCdr = { urls: slots.map((sl) => `http://127.0.0.1:${sl.port}/freeswitch/xml-cdr`), credentials: `freeswitch:${key.key}`, retries: 3, delayMs: 2000 };
    target.xmlCdr?.configure(xmlCdr);

    for (let round = 0; round < kills; round++) {
      // Load: `agents` talking, `queued` waiting, topped up while we wait (calls of the previous round end meanwhile).
      const up = (): string[] => callers.filter((u) => sw.caller(u));
      const talking = (): number => up().filter((u) => sw.caller(u)!.talking).length;
      await until(
        `${agents} talking and ${queued} waiting`,
        async () => {
          for (let missing = agents + queued - up().length; missing > 0; missing--) {
            callers.push(await sw.call(`+1415555${String(1000 + (callers.length % 9000)).padStart(4, '0')}`, DID));
          }
          return talking() >= agents && up().length - talking() >= queued;
        },
        30_000,
      ).catch(async (err: Error) => {
        const states = await api.call<{ items: Array<{ id: number; state: string }> }>('GET', '/api/v1/acd/live/agents').catch(() => undefined);
        const problems = active.lines.filter((l) => l.level === 'warn' || l.level === 'error').slice(-15).map((l) => JSON.stringify(l));
        throw new Error(
          `${err.message}: ${talking()} talking, ${up().length - talking()} waiting, ` +
            `${sw.channelCount()} channels; agents ${JSON.stringify(states?.body?.items?.map((a) => [a.id, a.state]))}\n${active.name} warnings:\n${problems.join('\n')}`,
        );
      });
      say(`round ${round + 1}: ${agents} talking, ${queued} waiting; killing ${active.name} (pid ${active.pid})`);
      const killedAt = Date.now();
      await active.kill();
      // Some callers lose patience during the takeover: their choice, not a drop.
      const waiting = up().filter((u) => !sw.caller(u)!.talking);
      for (const u of waiting.slice(0, abandons)) {
        abandonedOnPurpose.add(u);
        setTimeout(() => void sw.hangUp(u), 500 + Math.random() * 2000);
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
    await until('every call to end', () => sw.channelCount() === 0, perAgent * (talkMs + 2_000) + 30_000).catch((err: Error) => {
      const left = sw.describeLegs();
      const problems = active.lines.filter((l) => l.level === 'warn' || l.level === 'error').slice(-20).map((l) => JSON.stringify(l));
      throw new Error(`${err.message}: ${left.length} channels up\n${left.join('\n')}\n${active.name} warnings:\n${problems.join('\n')}`);
    });
    await target.xmlCdr?.settled();
    // Queue calls that ended unseen are closed 20 s after the takeover (ORPHAN_CLOSE_DELAY_MS in the ACD runtime).
    await sleep(Math.max(0, lastTakeoverAt + 21_000 - Date.now()));
    // What mod_xml_cdr gave up on is in its err-log-dir: loaded as `npm run cdr:import` would, through the same route
    // (on a real switch: run `npm run cdr:import` on that folder before reading the figures).
    const errLog = target.xmlCdr?.takeErrLog() ?? [];
    const refused = await importErrLog(active.url, xmlCdr.credentials, errLog);
    if (refused) say(`${refused} err-log CDRs refused`);
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
      // The orphans' rows are closed by a timer 20 s after the takeover, then a database round or two: on a loaded
      // machine that can land after the fixed wait above. Every caller has ended, so every row must close; wait for it
      // (bounded: a row still open then is counted, and shown, as a dropped caller).
      await until(
        'every queue call row to be closed',
        async () => Number(((await ds.query('SELECT COUNT(*) AS n FROM acd_queue_calls WHERE ended_at IS NULL')) as Array<{ n: number | string }>)[0]?.n ?? 0) === 0,
        30_000,
      ).catch((err: Error) => say(`${err.message}; counting what is there`));
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
    const tally = cdrTally(cdrRows, sw.created);
    for (const uuid of tally.lost) say(`leg ${uuid} has no CDR (its end seen: ${sw.ended.has(uuid)})`);
    const outcome = new Map(calls.map((c) => [c.id, c.outcome]));
    let answered = 0;
    let abandoned = 0;
    let dropped = 0;
    for (const uuid of callers) {
      const o = outcome.get(uuid);
      if (o === 'answered') answered++;
      // Hanging up on purpose in the queue, or still in the IVR (no queue call yet), is the caller's choice. A row left
      // open (outcome null) is a caller nobody accounted for: dropped, whatever the caller did.
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
    if (dropped + tally.lost.length + tally.duplicated.length > 0) {
      // What the instances warned about, for whoever reads the drill's output.
      for (const p of instances) for (const l of p.lines) if (l.level === 'warn' || l.level === 'error') say(`${p.name} ${l.level}: ${JSON.stringify(l).slice(0, 400)}`);
    }
    return {
      kills,
      failover_ms: failoverMs,
      failover_ms_p50: median(failoverMs),
      failover_ms_max: Math.max(...failoverMs),
      callers: callers.length,
      answered,
      abandoned,
      dropped,
      legs: sw.created.size,
      cdrs_lost: tally.lost.length,
      cdrs_duplicated: tally.duplicated.length,
      stuck_agents: stuck,
      xml_cdr_posted: target.xmlCdr?.posted() ?? 0,
      xml_cdr_err_log: errLog.length,
    };
  } finally {
    await Promise.allSettled(instances.map((p) => p.stop(5_000)));
    await drill.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
