/**
 * `npm run demo [-- --duration 30] [--rate 4] [--port 8080] [--agents 20] [--hours open|closed|real]`
 *
 * Starts the FreeSWITCH simulator, the service on its embedded defaults (SQLite in data/demo, wiped at start) and a
 * stream of simulated calls, then prints the URLs and an admin login. Without --duration it runs until Ctrl-C; with
 * it, it stops placing calls after that many seconds, lets the calls in progress end, and prints one JSON summary line
 * last on stdout: {"calls_placed":…,"calls_completed":…,"cdrs_written":…,"ivr_calls":…,"ivr_paths_stored":…}. Logs go to stderr.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { shiftedClock, systemClock } from '../src/clock/clock';
import { loadConfig } from '../src/config/config';
import { DemoTraffic } from '../src/demo/traffic';
import { createLogger } from '../src/log/logger';
import { startService } from '../src/service/service';
import { startSimulator } from '../src/simulator';

interface DemoArgs {
  durationSec?: number;
  rate: number;
  port: number;
  agents: number;
  dataDir: string;
  /** Business hours the IVR sees: 'open' (a Tuesday morning in New York), 'closed' (Sunday night) or 'real' time. */
  hours: 'open' | 'closed' | 'real';
}

/** Moments the example flow's business-hours check sees, so the demo shows the menu (or voicemail) at any hour. */
const DEMO_HOURS = { open: Date.parse('2026-11-24T15:00:00Z'), closed: Date.parse('2026-11-23T03:00:00Z') };

function parseArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { hours: 'open', rate: 4, port: Number(process.env.HTTP_PORT ?? 8080), agents: 20, dataDir: 'data/demo' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (min: number): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < min) throw new Error(`${flag} must be a number >= ${min}`);
      return n;
    };
    switch (flag) {
      case '--duration':
        args.durationSec = num(1);
        break;
      case '--rate':
        args.rate = num(0.01);
        break;
      case '--port':
        args.port = num(0);
        break;
      case '--agents':
        args.agents = Math.floor(num(1));
        break;
      case '--hours': {
        const v = value();
        if (v !== 'open' && v !== 'closed' && v !== 'real') throw new Error('--hours must be open, closed or real');
        args.hours = v;
        break;
      }
      case '--data-dir':
        args.dataDir = value();
        break;
      case '--help':
        process.stderr.write('usage: npm run demo -- [--duration SECONDS] [--rate CALLS_PER_S] [--port HTTP_PORT] [--agents N] [--hours open|closed|real]\n');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag} (try --help)`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const clock = systemClock;

  // Demo data is disposable: a fresh database each run, so the printed login always works.
  const dataDir = path.resolve(args.dataDir);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });

  const agents = Array.from({ length: args.agents }, (_, i) => String(1000 + i));
  const eslPassword = crypto.randomBytes(12).toString('base64url');
  const sim = await startSimulator({
    password: eslPassword,
    controlHttpPort: 0,
    seed: 42,
    logger,
    softphones: Object.fromEntries(agents.map((ext, i) => [ext, { answerDelayMs: 600 + (i % 5) * 400 }])),
  });
  // 18005550100 parks (the dialplan's default) and runs the example IVR flow; its prompts play ~1.5 s each.
  for (const f of ['welcome', 'main-menu', 'support-menu', 'enter-account', 'invalid-option', 'invalid-account', 'no-input', 'closed', 'goodbye']) {
    sim.setFileDuration(`/usr/share/freeswitch/sounds/switchboard/${f}.wav`, 1500);
  }
  const crm = await startCrmStub();

  const adminPassword = crypto.randomBytes(12).toString('base64url');
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    HTTP_PORT: String(args.port),
    DATA_DIR: dataDir,
    DATABASE_URL: undefined,
    FREESWITCH_NODES: `demo=127.0.0.1:${sim.port}:${eslPassword}`,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: adminPassword,
  });
  const flowClock = args.hours === 'real' ? clock : shiftedClock(clock, DEMO_HOURS[args.hours]);
  const service = await startService(config, { logger, clock, ivr: { variables: { crm_url: crm.url }, clock: flowClock } });

  const traffic = new DemoTraffic({
    cluster: service.cluster,
    node: 'demo',
    sim,
    clock,
    logger,
    callsPerSecond: args.rate,
    agents,
    gateway: 'demo-carrier',
    inboundDid: '+18005550100',
  });
  traffic.start();

  process.stderr.write(
    [
      '',
      'Switchboard demo is running.',
      `  API:            ${service.url}/api/v1  (OpenAPI: ${service.url}/api/v1/openapi.json)`,
      `  Health:         ${service.url}/healthz   Metrics: ${service.url}/metrics`,
      `  Login:          admin / ${adminPassword}`,
      `  Simulator ESL:  127.0.0.1:${sim.port}   control API: ${sim.controlUrl}`,
      `  IVR:            DID +18005550100 runs the example flow main-menu; CRM stub at ${crm.url}`,
      `  Try:            curl -s ${service.url}/api/v1/auth/login -H 'content-type: application/json' \\`,
      `                    -d '{"username":"admin","password":"${adminPassword}"}'`,
      args.durationSec ? `  Running for ${args.durationSec} s.` : '  Ctrl-C stops it.',
      '',
    ].join('\n') + '\n',
  );

  const finish = async (): Promise<void> => {
    await traffic.drain(20_000);
    // Give the last HANGUP_COMPLETE events a moment to arrive before the writer's final flush.
    await new Promise((r) => setTimeout(r, 300));
    traffic.close();
    await service.ivr.flush();
    const ivrCalls = await service.ivrStore.countCalls();
    const ivrPaths = await service.ivrStore.countCalls({ withPath: true });
    await service.close();
    const written = service.cdrWriter.stats().written;
    await sim.close();
    await crm.close();
    process.stdout.write(`${JSON.stringify({ ...traffic.summary(), cdrs_written: written, ivr_calls: ivrCalls, ivr_paths_stored: ivrPaths })}\n`);
  };

  if (args.durationSec) {
    await new Promise((r) => setTimeout(r, args.durationSec! * 1000));
    await finish();
    process.exit(0);
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    void finish().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** A tiny CRM for the example flow's http node: a customer by account number, VIP when it ends in 7. */
async function startCrmStub(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const account = new URL(req.url ?? '/', 'http://crm').searchParams.get('account') ?? '';
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ customer: { id: `C-${account}`, name: `Customer ${account.slice(-4)}`, vip: account.endsWith('7') } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/customers/lookup`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
