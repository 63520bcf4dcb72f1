/**
 * The database-outage drill (issue 11): the whole service, its MariaDB reached through a TCP proxy that is cut for
 * `seconds` while `cps` calls a second ring in and end. While the database is gone /healthz must say degraded and
 * the CDRs wait in the local spool; once it is back the spool is replayed and every leg the switch made must have
 * exactly one CDR row. The switch is reached over its event socket only (./drill-switch.ts): a simulator of the
 * drill's own by default, or a real FreeSWITCH test box (`target`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataSource } from '../db/data-source';
import { loadConfig } from '../config/config';
import { silentLogger, type Logger } from '../log/logger';
import { startService } from '../service/service';
import { cdrTally } from './drill-kit';
import { openDrill, type DrillTarget } from './drill-switch';
import { TcpProxy } from './tcp-proxy';

export interface DbOutageOptions {
  /** mysql://... of an empty (or throwaway) database. */
  databaseUrl: string;
  seconds?: number;
  cps?: number;
  logger?: Logger;
  progress?: (line: string) => void;
  /** The FreeSWITCH to run on; default: a simulator of the drill's own. */
  target?: DrillTarget;
}

export interface DbOutageFigures {
  outage_s: number;
  cps: number;
  /** Legs that ended (each must have one CDR). */
  legs: number;
  /** CDR rows in the database afterwards. */
  cdrs: number;
  cdrs_lost: number;
  cdrs_duplicated: number;
  /** The most CDRs waiting in the spool at once. */
  spooled_peak: number;
  /** /healthz status seen during the outage, and after it. */
  health_during: string;
  health_after: string;
  /** From the database coming back to the spool being empty. */
  replay_ms: number;
  dropped: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export async function runDbOutage(options: DbOutageOptions): Promise<DbOutageFigures> {
  const seconds = options.seconds ?? 60;
  const cps = options.cps ?? 20;
  const say = options.progress ?? (() => undefined);
  const url = new URL(options.databaseUrl);
  const proxy = new TcpProxy(url.hostname, Number(url.port || 3306));
  await proxy.start();
  url.port = String(proxy.port);
  const drill = await openDrill(options.target, { logger: options.logger, simulator: { apiExpansion: false } });
  const { sw } = drill;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-db-outage-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HTTP_PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: url.toString(),
    FREESWITCH_NODES: sw.node,
    CDR_FLUSH_MS: '20',
  });
  const service = await startService(config, { logger: options.logger ?? silentLogger, apiOptions: { bcryptCost: 4 }, ivr: { importExamples: false, exampleDid: null } });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, service.cdrWriter.stats().spooled)), 50);
  const health = async (): Promise<string> => ((await (await fetch(`${service.url}/healthz`)).json()) as { status: string }).status;
  const calls = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const uuid = await sw.call(`+1415555${String(1000 + (i % 9000)).padStart(4, '0')}`, '18005550199');
      setTimeout(() => void sw.hangUp(uuid), 100);
      await sleep(1000 / cps);
    }
  };
  try {
    await calls(cps);
    await until('the CDRs before the outage', () => service.cdrWriter.stats().written >= cps, 15_000);
    say(`cutting the database for ${seconds} s at ${cps} calls/s`);
    await proxy.stop();
    const during = calls(Math.round(seconds * cps));
    await until('CDRs going to the spool', () => service.cdrWriter.stats().spooled > 0, 15_000);
    const healthDuring = await health();
    await during;
    await until('every call to end', () => sw.channelCount() === 0, 15_000);
    await sleep(200);
    say(`database back; ${service.cdrWriter.stats().spooled} CDRs in the spool`);
    const back = Date.now();
    await proxy.start();
    await until('the spool to be replayed', () => service.cdrWriter.stats().spooled === 0 && service.cdrWriter.stats().queued === 0, 120_000);
    const replayMs = Date.now() - back;
    await service.cdrWriter.flush();
    // Counted straight in the database, on a connection of our own.
    const ds = createDataSource({ type: 'mysql', url: options.databaseUrl }, { poolSize: 1 });
    await ds.initialize();
    let rows: Array<{ uuid: string; n: number | string }>;
    try {
      rows = (await ds.query('SELECT uuid, COUNT(*) AS n FROM cdrs GROUP BY uuid')) as Array<{ uuid: string; n: number | string }>;
    } finally {
      await ds.destroy();
    }
    const tally = cdrTally(rows, sw.created);
    return {
      outage_s: seconds,
      cps,
      legs: sw.created.size,
      cdrs: tally.cdrs,
      cdrs_lost: tally.lost.length,
      cdrs_duplicated: tally.duplicated.length,
      spooled_peak: peak,
      health_during: healthDuring,
      health_after: await health(),
      replay_ms: replayMs,
      dropped: service.cdrWriter.stats().dropped,
    };
  } finally {
    clearInterval(sampler);
    await service.close();
    await drill.close();
    await proxy.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
