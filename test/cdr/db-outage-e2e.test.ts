/**
 * The database goes away under load (issue 11's db-outage fault, shortened for CI): the whole service and the
 * simulator, MariaDB reached through a TCP proxy that is cut while calls keep ending. During the outage /healthz says
 * degraded and the CDRs wait in the local spool; afterwards every leg has exactly one CDR.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { CdrSchema } from '../../src/db/entities';
import { silentLogger } from '../../src/log/logger';
import { startService, type Service } from '../../src/service/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';
import { TcpProxy, waitFor } from './helpers';

const OUTAGE_MS = 4000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeEachEngine('database outage under load', (engine) => {
  if (engine.name !== 'mariadb') {
    it('needs MariaDB (the outage is a cut TCP connection)', () => undefined);
    return;
  }
  let db: TestDatabase;
  let proxy: TcpProxy;
  let sim: Simulator;
  let service: Service;
  let dataDir: string;
  const ended = new Set<string>();

  beforeAll(async () => {
    db = await engine.open();
    const url = new URL((db.config as { url: string }).url);
    proxy = new TcpProxy(url.hostname, Number(url.port || 3306));
    await proxy.start();
    url.port = String(proxy.port);
    sim = await startSimulator({ password: 'outage', heartbeatMs: 0, apiExpansion: false });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-db-outage-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      HTTP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: url.toString(),
      FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:outage`,
      CDR_FLUSH_MS: '20',
    });
    service = await startService(config, { logger: silentLogger, apiOptions: { bcryptCost: 4 }, ivr: { importExamples: false, exampleDid: null } });
    service.cluster.onEvent((_node, e) => {
      if (e.name === 'CHANNEL_HANGUP_COMPLETE') ended.add(String(e.headers['Unique-ID'] ?? ''));
    });
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await sim?.close();
    await proxy?.stop();
    await db?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** `count` calls that ring in and end, `perSecond` of them a second. */
  const calls = async (count: number, perSecond: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const uuid = sim.injectInboundCall({ from: `+1415555${String(1000 + (i % 9000)).padStart(4, '0')}`, to: '+18005550199' });
      setTimeout(() => sim.hangup(uuid), 100);
      await sleep(1000 / perSecond);
    }
  };

  it('keeps every CDR through a cut database: spooled while it is gone, each leg written exactly once after', async () => {
    await calls(10, 20);
    await waitFor(() => service.cdrWriter.stats().written >= 10, 15_000, 'CDRs before the outage');

    await proxy.stop();
    const during = calls(Math.round((OUTAGE_MS / 1000) * 20), 20);
    await waitFor(() => service.cdrWriter.stats().spooled > 0, 15_000, 'CDRs going to the spool');
    const health = await fetch(`${service.url}/healthz`);
    expect(((await health.json()) as { status: string }).status).toBe('degraded');
    await during;
    await waitFor(() => sim.channels().length === 0, 10_000, 'every call ended');
    await sleep(200);
    const spooled = service.cdrWriter.stats().spooled;
    expect(spooled).toBeGreaterThan(0);
    expect(service.cdrWriter.stats()).toMatchObject({ dropped: 0, queued: 0 });

    await proxy.start();
    await waitFor(() => service.cdrWriter.stats().spooled === 0, 60_000, 'the spool replayed');
    const rows = (await db.ds.getRepository(CdrSchema).find({ select: { uuid: true } })) as Array<{ uuid: string }>;
    const mine = rows.map((r) => r.uuid).filter((u) => ended.has(u));
    expect(new Set(mine).size).toBe(mine.length);
    expect(mine.length).toBe(ended.size);
    expect(service.cdrWriter.stats()).toMatchObject({ dropped: 0 });
    expect(((await (await fetch(`${service.url}/healthz`)).json()) as { status: string }).status).not.toBe('down');
  }, 120_000);
});
