/**
 * The ESL-drop drill (issue 11): the whole service with `agents` agents and `agents + queued` callers; while
 * `agents` calls are in talk (`when: 'talk'`) or the agents' phones still ring (`when: 'ring'`) and the rest wait in
 * queue, every event socket connection of the switch is cut `cuts` times in a row, by `reload mod_event_socket`
 * sent over the drill's own connection: what a module reload, or a network failure, does on a real FreeSWITCH. The
 * service reconnects and resyncs; then every call runs to its end. Afterwards: each leg the switch made has exactly
 * one CDR row, no agent is stuck, every caller was answered, and the calls in talk stayed up through the cut.
 *
 * With `how: 'restart'` the cut is a full FreeSWITCH restart instead (`fsctl shutdown restart`): every call ends
 * (SYSTEM_SHUTDOWN), the switch is away for a while, and comes back empty. Then every leg must still have exactly one
 * CDR, every queue call be closed, no agent be stuck, and a new round of `agents` callers be answered: the contact
 * center works again without anyone touching the service.
 *
 * The switch is reached over its event socket only (./drill-switch.ts): a simulator of the drill's own by default
 * (it models `reload mod_event_socket` and `fsctl shutdown restart`), or a real FreeSWITCH test box (`target`). A leg
 * that ends while the service is blind gets its CDR from mod_xml_cdr, configured here on the simulator and by
 * xml_cdr.conf.xml on a real switch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { createDataSource } from '../db/data-source';
import { fsctlShutdownRestart, reloadModule } from '../freeswitch';
import { silentLogger, type Logger } from '../log/logger';
import { startService } from '../service/service';
import { cdrTally, DrillApi, databaseConfig, importErrLog, sleep, storeApiKey, until } from './drill-kit';
import { openDrill, type DrillTarget } from './drill-switch';
import { freePort } from './service-process';

export interface EslDropOptions {
  /** DATABASE_URL of an empty (or throwaway) database (mysql://... or sqlite:<file>). */
  databaseUrl: string;
  agents?: number;
  queued?: number;
  /** Cut while the first calls talk, or while the agents' phones ring. */
  when?: 'talk' | 'ring';
  /** Cuts in a row (each further one hits the connection the reconnect opened). */
  cuts?: number;
  /** `reload mod_event_socket` (default), or a full FreeSWITCH restart (`fsctl shutdown restart`). */
  how?: 'reload' | 'restart';
  /** The simulator's time away in a restart (ms; a real switch takes what it takes). */
  restartMs?: number;
  talkMs?: number;
  target?: DrillTarget;
  logger?: Logger;
  progress?: (line: string) => void;
}

export interface EslDropFigures {
  when: 'talk' | 'ring';
  how: 'reload' | 'restart';
  cuts: number;
  callers: number;
  answered: number;
  /** Callers in talk at the cut that were not bridged any more right after the reconnect (must be 0). */
  talks_broken: number;
  /** Callers waiting at the cut that were gone right after the reconnect (must be 0). */
  waiting_lost: number;
  legs: number;
  cdrs: number;
  cdrs_lost: number;
  cdrs_duplicated: number;
  stuck_agents: number;
  /** From the cut to the service connected again (ms). */
  reconnect_ms: number;
  /** Restart only: legs up when the switch went down (they end with it), and the callers placed once it was back. */
  legs_ended_by_restart?: number;
  after_restart_callers?: number;
  after_restart_answered?: number;
  /** Queue calls whose row is still open when everything ended (must be 0). */
  open_queue_calls: number;
}

const ADMIN = { username: 'admin', password: 'esl-drop-drill-admin-pw' };
const QUEUE = 'esldrop';
const DID = '18005550188';

export async function runEslDrop(options: EslDropOptions): Promise<EslDropFigures> {
  const agents = options.agents ?? 10;
  const queued = options.queued ?? 20;
  const when = options.when ?? 'talk';
  const how = options.how ?? 'reload';
  const cuts = how === 'restart' ? 1 : (options.cuts ?? 1);
  // Long enough that no talk ends by itself between the cut and the check after the reconnect.
  const talkMs = options.talkMs ?? 8_000;
  const say = options.progress ?? (() => undefined);
  const drill = await openDrill(options.target, { logger: options.logger, simulator: { restartMs: options.restartMs ?? 3000 } });
  const { target, sw } = drill;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-esl-drop-'));
  const port = target.ports?.[0] ?? (await freePort());
  const config = loadConfig({
    NODE_ENV: 'test',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl,
    FREESWITCH_NODES: sw.node,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    CDR_FLUSH_MS: '50',
    ...sw.serviceEnv(),
  });
  const service = await startService(config, { logger: options.logger ?? silentLogger, apiOptions: { bcryptCost: 4 }, ivr: { importExamples: false, exampleDid: null } });
  const callers: string[] = [];
  try {
    const api = new DrillApi(service.url, ADMIN);
    await api.login();
    const key = target.xmlCdrKey ? { key: await storeApiKey(options.databaseUrl, target.xmlCdrKey) } : await api.ok<{ key: string }>('POST', '/api/v1/api-keys', { name: 'mod_xml_cdr', role: 'admin' });
    target.xmlCdr?.configure({ urls: [`${service.url}/freeswitch/xml-cdr`], credentials: `freeswitch:${key.key}`, retries: 3, delayMs: 1000 });
    const extensions = Array.from({ length: agents }, (_, i) => String(6300 + i));
    // Ringing at the cut: the phones pick up only well after it (the offers' originate replies die with the socket).
    const answerDelayMs = when === 'ring' ? 3_000 : 150;
    for (const ext of extensions) sw.addPhone(ext, { answerDelayMs, talkMs });
    const agentIds = await api.callCenter(QUEUE, DID, extensions, { offerTimeoutSec: 20 });

    for (let i = 0; i < agents + queued; i++) callers.push(await sw.call(`+1415557${String(i).padStart(4, '0')}`, DID));
    const talking = (): string[] => callers.filter((u) => sw.caller(u)?.talking);
    const waiting = (): string[] => callers.filter((u) => sw.caller(u) && !sw.caller(u)!.talking);
    if (when === 'talk') await until(`${agents} calls in talk`, () => talking().length >= agents, 30_000);
    else await until(`${agents} phones ringing`, () => sw.ringingPhones() >= agents, 30_000);
    const talkingAtCut = talking();
    const waitingAtCut = waiting();
    const upAtCut = sw.channelCount();
    say(`${talkingAtCut.length} talking, ${waitingAtCut.length} waiting: ${how === 'restart' ? 'restarting FreeSWITCH' : `cutting the event socket ${cuts} time(s)`}`);

    const client = service.cluster.client('drill');
    const statuses: string[] = [];
    client.on('status', (s) => void statuses.push(s));
    const cutAt = Date.now();
    for (let i = 0; i < cuts; i++) {
      // Each further cut lands on the connection the previous reconnect opened (the service's and the drill's).
      if (i > 0) await until('the reconnect', () => statuses.lastIndexOf('ready') > statuses.lastIndexOf('reconnecting') && sw.connected(), 30_000);
      statuses.length = 0;
      await sw.bgapi(how === 'restart' ? fsctlShutdownRestart() : reloadModule('mod_event_socket'));
      await until('the cut', () => statuses.includes('reconnecting'), 10_000);
    }
    // A real switch takes its time to come back (modules, SIP profiles): up to a minute and a half.
    const backMs = how === 'restart' ? 90_000 : 30_000;
    await until('the service to connect again', () => statuses.lastIndexOf('ready') > statuses.lastIndexOf('reconnecting') && service.cluster.allConnected(), backMs);
    const reconnectMs = Date.now() - cutAt;
    await until('the drill to connect again', () => sw.connected(), backMs);
    await sleep(500);
    const talksBroken = talkingAtCut.filter((u) => !sw.caller(u)?.talking).length;
    const waitingLost = waitingAtCut.filter((u) => !sw.caller(u)).length;
    say(`reconnected in ${reconnectMs} ms; ${talksBroken} talks broken, ${waitingLost} waiting callers lost`);
    const after: string[] = [];
    if (how === 'restart') {
      // Everything ended with the switch; once the agents are free, a new round of callers must simply be answered.
      await until('the calls of before the restart to be gone', () => sw.channelCount() === 0, 30_000);
      await until(
        'every agent free again',
        async () => {
          const live = await api.ok<{ items: Array<{ id: number; state: string }> }>('GET', '/api/v1/acd/live/agents');
          return live.items.filter((a) => agentIds.includes(a.id)).every((a) => a.state === 'available' || a.state === 'wrap_up');
        },
        30_000,
      );
      for (let i = 0; i < agents; i++) {
        const u = await sw.call(`+1415558${String(i).padStart(4, '0')}`, DID);
        after.push(u);
        callers.push(u);
      }
      say(`${after.length} new callers after the restart`);
    }

    const rounds = Math.ceil((agents + queued) / agents) + 1;
    await until('every call to end', () => sw.channelCount() === 0, rounds * (talkMs + answerDelayMs + 3_000) + 30_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${sw.channelCount()} legs up\n${sw.describeLegs().join('\n')}`);
    });
    await target.xmlCdr?.settled();
    const refused = await importErrLog(service.url, `freeswitch:${key.key}`, target.xmlCdr?.takeErrLog() ?? []);
    if (refused) say(`${refused} err-log CDRs refused`);
    await sleep(1000);
    await service.cdrWriter.flush();
    const live = await api.ok<{ items: Array<{ id: number; state: string }> }>('GET', '/api/v1/acd/live/agents');
    const stuck = live.items.filter((a) => agentIds.includes(a.id) && a.state !== 'available').length;
    const ds = createDataSource(databaseConfig(options.databaseUrl), { poolSize: 1 });
    await ds.initialize();
    let cdrRows: Array<{ uuid: string; n: number | string }>;
    let outcomes: Array<{ id: string; outcome: string | null; ended_at: unknown }>;
    try {
      cdrRows = (await ds.query('SELECT uuid, COUNT(*) AS n FROM cdrs GROUP BY uuid')) as typeof cdrRows;
      outcomes = (await ds.query('SELECT id, outcome, ended_at FROM acd_queue_calls')) as typeof outcomes;
    } finally {
      await ds.destroy();
    }
    const tally = cdrTally(cdrRows, sw.created);
    for (const uuid of tally.lost) say(`leg ${uuid} has no CDR`);
    const outcome = new Map(outcomes.map((o) => [o.id, o.outcome]));
    // In a restart the callers of before it end with the switch (not answered, not a fault of the service's).
    const expected = how === 'restart' ? after : callers;
    for (const u of expected) if (outcome.get(u) !== 'answered') say(`caller ${u}: queue call outcome ${outcome.get(u) ?? '(no row)'}`);
    const open = outcomes.filter((o) => o.ended_at === null || o.ended_at === undefined);
    for (const o of open) say(`queue call ${o.id} is still open`);
    return {
      when,
      how,
      cuts,
      callers: callers.length,
      answered: callers.filter((u) => outcome.get(u) === 'answered').length,
      talks_broken: talksBroken,
      waiting_lost: waitingLost,
      legs: sw.created.size,
      cdrs: tally.cdrs,
      cdrs_lost: tally.lost.length,
      cdrs_duplicated: tally.duplicated.length,
      stuck_agents: stuck,
      reconnect_ms: reconnectMs,
      ...(how === 'restart' ? { legs_ended_by_restart: upAtCut, after_restart_callers: after.length, after_restart_answered: after.filter((u) => outcome.get(u) === 'answered').length } : {}),
      open_queue_calls: open.length,
    };
  } finally {
    await service.close();
    await drill.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
