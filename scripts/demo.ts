/**
 * `npm run demo [-- --duration 30] [--rate 4] [--port 8080] [--agents 20] [--hours open|closed|real] [--seed 0]`
 *
 * Starts the FreeSWITCH simulator, the service on its embedded defaults (SQLite in data/demo, wiped at start) and a
 * stream of simulated calls, then prints the URLs and an admin login. Without --duration it runs until Ctrl-C; with
 * it, it stops placing calls after that many seconds. Either way it then lets the calls in progress end and prints
 * one JSON summary line last on stdout: {"calls_placed":…,"calls_completed":…,"cdrs_written":…,"ivr_calls":…,
 * "ivr_paths_stored":…,"queue_calls":…,"answered_by_agent":…,"abandoned":…,"service_level":…,
 * "service_level_by_minute":[…],"service_level_min":…,"service_level_median":…,"longest_wait_s":…,"stuck_agents":…,
 * "breaks_taken":…,"longest_not_ready_s":…,"longest_not_ready_planned_s":…,"max_not_ready_overrun_s":…,
 * "recordings":…,"supervision_sessions":…,"dialer_dials":…,"dialer_live":…,"dialer_abandoned":…,"dialer_skips":…}
 * (README: what each health figure means). Logs go to stderr. `npm run demo` runs this file with `node --import tsx`,
 * not the tsx CLI: the CLI relays Ctrl-C to its child and SIGKILLs it when the child's busy event loop does not
 * acknowledge within ~60 ms, which lost the summary of a loaded demo.
 * An outbound predictive campaign (demo-renewals, 1000 leads) dials through the simulator's gateway for
 * --outbound-agents agents (default 6, auto-answer softphones 2100...) on the queue outbound.
 *
 * The ACD: queues sales, support and billing (the example IVR routes to them) and --acd-agents agents (default 12) on
 * simulated softphones 2000..., with skills; some answer slowly, some reject a call now and then, some take breaks.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { shiftedClock, systemClock } from '../src/clock/clock';
import { buildConsole } from '../src/api/console-build';
import { loadConfig } from '../src/config/config';
import { DEMO_QUEUES, seedDemoConfig, type DemoAgentInput } from '../src/acd/config-store';
import { demoRecordingSummary, enableDemoRecording } from '../src/recording';
import { countSupervisionSessions } from '../src/supervision';
import { UserService } from '../src/auth/users';
import { DemoAgentLife } from '../src/demo/agent-life';
import { DemoHealth } from '../src/demo/health';
import { onStopSignals } from '../src/demo/stop-signals';
import { startDemoSupervisor } from '../src/demo/supervisor';
import { DemoCallerPatience, DemoTraffic } from '../src/demo/traffic';
import { DEMO_OUTBOUND_QUEUE, startDemoCampaign } from '../src/dialer/demo';
import { createLogger } from '../src/log/logger';
import { csatStoreFor } from '../src/csat/store';
import { startService } from '../src/service/service';
import { startSimulator, STOCK_MODULES } from '../src/simulator';
import { promptPath } from '../src/prompts/catalog';
import { addDemoAlertRules } from '../src/demo/alert-rules';
import { AlertSchema } from '../src/db/entities/alerts';
import { shippedPrompts } from '../src/prompts/shipped';
import { DemoFollowups } from '../src/demo/followups';

interface DemoArgs {
  durationSec?: number;
  rate: number;
  port: number;
  agents: number;
  acdAgents: number;
  outboundAgents: number;
  dataDir: string;
  /** Business hours the IVR sees: 'open' (a Tuesday morning in New York), 'closed' (Sunday night) or 'real' time. */
  hours: 'open' | 'closed' | 'real';
  /** Added to every seed of the simulated world (callers, agents, simulator). */
  seed: number;
  /** Print a memory sample line to stderr this often (the soak, scripts/soak.ts). */
  memoryEverySec?: number;
}

/** The extension of the agent a person plays in the console (`agent`). */
const CONSOLE_AGENT_EXTENSION = '2090';

/** Moments the example flow's business-hours check sees, so the demo shows the menu (or voicemail) at any hour. */
const DEMO_HOURS = { open: Date.parse('2026-11-24T15:00:00Z'), closed: Date.parse('2026-11-23T03:00:00Z') };

function parseArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { seed: 0, hours: 'open', rate: 4, port: Number(process.env.HTTP_PORT ?? 8080), agents: 20, acdAgents: 12, outboundAgents: 6, dataDir: 'data/demo' };
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
      case '--acd-agents':
        args.acdAgents = Math.floor(num(1));
        break;
      case '--outbound-agents':
        args.outboundAgents = Math.floor(num(1));
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
      case '--seed':
        args.seed = Math.floor(num(0));
        break;
      case '--memory-every':
        args.memoryEverySec = num(1);
        break;
      case '--help':
        process.stderr.write('usage: npm run demo -- [--duration SECONDS] [--rate CALLS_PER_S] [--port HTTP_PORT] [--agents N] [--acd-agents N] [--outbound-agents N] [--hours open|closed|real] [--seed N] [--data-dir DIR] [--memory-every SECONDS]\n');
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
  // The web console the printed URL opens (skipped when web/dist is already built from these sources).
  await buildConsole();
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const clock = systemClock;

  // Demo data is disposable: a fresh database each run, so the printed login always works.
  const dataDir = path.resolve(args.dataDir);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });

  const agents = Array.from({ length: args.agents }, (_, i) => String(1000 + i));
  // ACD agents: every third answers slowly; talk times of 3-9 s.
  const acdExtensions = Array.from({ length: args.acdAgents }, (_, i) => String(2000 + i));
  const acdPhones = Object.fromEntries(
    acdExtensions.map((ext, i) => [ext, { answerDelayMs: i % 3 === 2 ? 3500 : 500 + (i % 4) * 300, hangupAfterMs: 3000 + ((i * 1300) % 6000) }]),
  );
  // Outbound agents (queue outbound, the predictive campaign): auto-answer softphones, 4-8 s talks.
  const outboundExtensions = Array.from({ length: args.outboundAgents }, (_, i) => String(2100 + i));
  const outboundPhones = Object.fromEntries(outboundExtensions.map((ext, i) => [ext, { answerDelayMs: 150, hangupAfterMs: 4000 + ((i * 900) % 4000) }]));
  const eslPassword = crypto.randomBytes(12).toString('base64url');
  const sim = await startSimulator({
    password: eslPassword,
    controlHttpPort: 0,
    seed: args.seed + 42,
    logger,
    // As the README's hardened FreeSWITCH: API calls inside variables are refused (see src/simulator/directory.ts).
    apiExpansion: false,
    // The demo campaign detects answering machines: this switch has the third-party mod_amd installed.
    modules: [...STOCK_MODULES, 'mod_amd'],
    softphones: { ...Object.fromEntries(agents.map((ext, i) => [ext, { answerDelayMs: 600 + (i % 5) * 400 }])), ...acdPhones, ...outboundPhones },
    // Like a switch fresh from install: no sound files until the shipped prompts are installed below.
    soundFiles: [],
  });
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
    // Campaign calls (and IVR transfers to numbers) leave through the simulator's PSTN gateway.
    OUTBOUND_GATEWAY: 'demo-carrier',
    // Follow-up survey calls (the shipped csat-survey flow) at any hour (src/demo/followups.ts).
    FOLLOWUP_WINDOW: '00:00-23:59',
    // KPI alerts judged every second, so the demo's alert rules (src/demo/alert-rules.ts) open and close within a run.
    ALERT_TICK_MS: '1000',
  });
  // What `npm run prompts -- --dir $PROMPTS_DIR` does on a real switch; each plays as long as its WAV. 18005550100
  // parks (the dialplan's default) and runs the example IVR flow with them.
  sim.installSoundFiles(shippedPrompts().map((p) => ({ path: promptPath(config.prompts.dir, p.name), durationMs: p.wav.durationMs })));
  const flowClock = args.hours === 'real' ? clock : shiftedClock(clock, DEMO_HOURS[args.hours]);
  const service = await startService(config, { logger, clock, ivr: { variables: { crm_url: crm.url }, clock: flowClock } });

  // ACD: the demo queues and agents (users of role agent, skills by position), all logged in and ready.
  const users = new UserService(service.dataSource, { clock, bcryptCost: 8 });
  const skillSets: Array<Record<string, number>> = [
    { sales: 8, support: 3 },
    { support: 9, billing: 4 },
    { billing: 8, sales: 5 },
    { sales: 6, support: 6, billing: 6 },
  ];
  const demoAgents: DemoAgentInput[] = [];
  // Agents' passwords, kept so the demo agents can log in and file tickets through the API (src/demo/followups.ts).
  const agentPasswords = new Map<string, string>();
  for (const [i, ext] of acdExtensions.entries()) {
    agentPasswords.set(ext, crypto.randomBytes(12).toString('base64url'));
    const user = await users.create({ username: `agent${ext}`, password: agentPasswords.get(ext)!, role: 'agent', display_name: `Agent ${ext}` });
    const skills = skillSets[i % skillSets.length]!;
    demoAgents.push({
      userId: user.id,
      extension: ext,
      name: `Agent ${ext}`,
      skills,
      teams: [i % 2 ? 'blue' : 'green'],
      queues: Object.keys(skills).map((q) => ({ queue: q, tier: skills[q]! >= 8 ? 1 : 2 })),
    });
  }
  for (const ext of outboundExtensions) {
    const user = await users.create({ username: `agent${ext}`, password: crypto.randomBytes(12).toString('base64url'), role: 'agent', display_name: `Agent ${ext}` });
    demoAgents.push({ userId: user.id, extension: ext, name: `Agent ${ext}`, skills: {}, teams: ['outbound'], queues: [{ queue: DEMO_OUTBOUND_QUEUE.name, tier: 1 }] });
  }
  await seedDemoConfig(service.acdConfig, { agents: demoAgents, queues: [...DEMO_QUEUES, DEMO_OUTBOUND_QUEUE] });
  const acdAgents = service.acdConfig.listAgents().map((a) => ({ id: a.id, extension: a.extension }));
  // The agent a person plays in the console: not logged in (they log in and go ready), on every inbound queue, in
  // team blue (the demo supervisor's). Their simulated softphone rings 4 s, then answers, as if they picked up.
  const consoleAgentPassword = crypto.randomBytes(12).toString('base64url');
  const consoleAgentUser = await users.create({ username: 'agent', password: consoleAgentPassword, role: 'agent', display_name: 'Demo Agent' });
  sim.registerSoftphone(CONSOLE_AGENT_EXTENSION, { answerDelayMs: 4000 });
  await service.acdConfig.createAgent(
    {
      user_id: consoleAgentUser.id,
      extension: CONSOLE_AGENT_EXTENSION,
      name: 'Demo Agent',
      skills: { sales: 7, support: 7, billing: 7 },
      teams: ['blue'],
      queues: DEMO_QUEUES.map((q) => ({ queue: q.name, tier: 1 })),
    },
  );
  // Health figures of the inbound queues (the campaign's queue has its own figures, dialer_*), from now on.
  const health = new DemoHealth({
    onEffect: (l) => service.acd.onEffect(l),
    clock,
    serviceLevelSec: (q) => service.acdConfig.getQueue(q)?.config.serviceLevelSec ?? 20,
    exclude: [DEMO_OUTBOUND_QUEUE.name],
    waitingCalls: () => service.acd.engine.waitingCalls(),
  });
  health.start();
  for (const a of acdAgents) service.acd.engine.login(a.id);
  // Agents take breaks and reject calls now and then; queued callers give up now and then.
  const agentLife = new DemoAgentLife({
    engine: service.acd.engine,
    onEffect: (l) => service.acd.onEffect(l),
    phones: { setRejecting: (ext, on) => sim.setSoftphoneBehavior(ext, on ? { reject: true, rejectDelayMs: 700 } : { reject: false }) },
    clock,
    logger,
    agents: acdAgents,
    seed: args.seed + 11,
  });
  agentLife.start();
  const patience = new DemoCallerPatience({ cluster: service.cluster, node: 'demo', sim, clock, seed: args.seed + 13 });
  patience.start();

  // Every demo queue records (always, stereo); a supervisor of both teams listens and whispers now and then.
  await enableDemoRecording(service.recordings, DEMO_QUEUES.map((q) => q.name));
  const supervisorPassword = crypto.randomBytes(12).toString('base64url');
  const supervisorUser = await users.create({
    username: 'supervisor',
    password: supervisorPassword,
    role: 'supervisor',
    display_name: 'Demo Supervisor',
  });
  sim.registerSoftphone('1990', { answerDelayMs: 300 });
  const supervisorPrincipal = { kind: 'user', id: supervisorUser.id, username: 'supervisor', role: 'supervisor' } as const;
  const admin = await users.findByUsername('admin');
  if (!admin) throw new Error('the demo admin was not created');
  const adminActor = { principal: { kind: 'user', id: admin.id, username: admin.username, role: 'admin' } as const, ip: null };
  await service.supervision.setSupervisor(adminActor, supervisorUser.id, ['blue', 'green'], '1990');
  const supervisor = startDemoSupervisor({ supervision: service.supervision, acd: service.acd, clock, logger, principal: supervisorPrincipal });

  // An outbound predictive campaign: its live answers go to the outbound queue's agents.
  const campaign = await startDemoCampaign(service.dataSource, service.dialer, { queue: DEMO_OUTBOUND_QUEUE.name, leads: 1000, now: () => new Date(clock.now()) });

  const traffic = new DemoTraffic({
    cluster: service.cluster,
    node: 'demo',
    sim,
    clock,
    logger,
    callsPerSecond: args.rate,
    agents,
    phone: (ext) => service.phones.endpoint(ext, 'demo'),
    gateway: 'demo-carrier',
    inboundDid: '+18005550100',
    seed: args.seed + 7,
    // Callers hang up a moment into a voicemail or a survey comment, not when their call's recording starts.
    messageDir: config.telephony.voicemailDir,
  });
  traffic.start();
  // Agents file tickets after some calls; some are resolved with a survey follow-up the dialer places at once.
  const login = async (username: string, password: string): Promise<string | undefined> => {
    const res = await fetch(`${service.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    return res.ok ? ((await res.json()) as { token: string }).token : undefined;
  };
  const agentTokens = new Map<number, Promise<string | undefined>>();
  const adminToken = await login('admin', adminPassword);
  if (!adminToken) throw new Error('the demo admin cannot log in');
  const followups = new DemoFollowups({
    baseUrl: service.url,
    dataSource: service.dataSource,
    onEffect: (l) => service.acd.onEffect(l),
    onEvent: (l) => service.cluster.onEvent(l),
    subscribe: (events) => service.cluster.subscribe(events),
    callerOf: (callId) => service.acd.callInfo(callId)?.callerNumber,
    sim,
    agentToken: (agentId) => {
      const ext = acdAgents.find((a) => a.id === agentId)?.extension;
      const password = ext ? agentPasswords.get(ext) : undefined;
      if (!ext || !password) return Promise.resolve(undefined);
      if (!agentTokens.has(agentId)) agentTokens.set(agentId, login(`agent${ext}`, password));
      return agentTokens.get(agentId)!;
    },
    adminToken,
    surveyCampaign: config.followups.surveyCampaign,
    clock,
    logger,
    seed: args.seed + 17,
  });
  await followups.start();
  await addDemoAlertRules(service.url, adminToken);
  const memoryTimer = args.memoryEverySec ? startMemorySamples(args.memoryEverySec) : undefined;

  process.stderr.write(
    [
      '',
      'Switchboard demo is running.',
      `  Console:        ${service.url}/`,
      `  Logins:         admin / ${adminPassword}`,
      `                  supervisor / ${supervisorPassword}   (teams blue and green; softphone 1990)`,
      `                  agent / ${consoleAgentPassword}   (extension ${CONSOLE_AGENT_EXTENSION}; log in, go ready, calls ring 4 s then answer)`,
      `  API:            ${service.url}/api/v1  (OpenAPI: ${service.url}/api/v1/openapi.json)`,
      `  Health:         ${service.url}/healthz   Metrics: ${service.url}/metrics`,
      `  Simulator ESL:  127.0.0.1:${sim.port}   control API: ${sim.controlUrl}`,
      `  IVR:            DID +18005550100 runs the example flow main-menu; CRM stub at ${crm.url}`,
      `  Outbound:       predictive campaign demo-renewals, ${args.outboundAgents} agents on queue outbound (GET /api/v1/dialer/live)`,
      `  Try:            curl -s ${service.url}/api/v1/auth/login -H 'content-type: application/json' \\`,
      `                    -d '{"username":"admin","password":"${adminPassword}"}'`,
      args.durationSec ? `  Running for ${args.durationSec} s.` : '  Ctrl-C stops it.',
      '',
    ].join('\n') + '\n',
  );

  const finish = async (): Promise<void> => {
    // The run's health is what it was while callers came in: taken before the drain hangs the last calls up.
    if (memoryTimer) clearInterval(memoryTimer);
    const runHealth = health.report();
    const runAgents = agentLife.report();
    health.stop();
    supervisor.stop();
    await campaign.stop();
    agentLife.stop();
    agentLife.endBreaks();
    await traffic.drain(20_000);
    // Queued callers the traffic no longer tracks end too; then the last HANGUP_COMPLETE events arrive.
    const deadline = Date.now() + 15_000;
    while (sim.channels().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    traffic.close();
    patience.stop();
    const stuckAgents = service.acd.stuckAgents(new Set(sim.channels().map((c) => c.uuid))).length;
    await service.acdHistory.flush().catch(() => undefined);
    const acdSummary = await queueSummary(service);
    await service.ivr.flush();
    const ivrCalls = await service.ivrStore.countCalls();
    const ivrPaths = await service.ivrStore.countCalls({ withPath: true });
    // Give the last recordings their RECORD_STOP and hash before counting the verified ones.
    await new Promise((r) => setTimeout(r, 2000));
    const { recordings } = await demoRecordingSummary(service.recordings);
    const supervisionSessions = await countSupervisionSessions(service.dataSource);
    const dialerSummary = await campaign.summary();
    followups.stop();
    const followupSummary = await followups.summary();
    const csatAnswers = await csatStoreFor(service.dataSource).count();
    const alertsOpened = await service.dataSource.getRepository(AlertSchema).count();
    await service.close();
    const written = service.cdrWriter.stats().written;
    await sim.close();
    await crm.close();
    const summary = {
      ...traffic.summary(),
      cdrs_written: written,
      ivr_calls: ivrCalls,
      ivr_paths_stored: ivrPaths,
      ...acdSummary,
      ...runHealth,
      stuck_agents: stuckAgents,
      breaks_taken: runAgents.breaks_taken,
      longest_not_ready_s: runAgents.longest_not_ready_s,
      longest_not_ready_planned_s: runAgents.longest_not_ready_planned_s,
      max_not_ready_overrun_s: runAgents.max_not_ready_overrun_s,
      recordings,
      supervision_sessions: supervisionSessions,
      ...dialerSummary,
      ...followupSummary,
      csat_answers: csatAnswers,
      alerts_opened: alertsOpened,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  };

  if (args.durationSec) {
    await new Promise((r) => setTimeout(r, args.durationSec! * 1000));
    await finish();
    process.exit(0);
  }
  // Ctrl-C: drain and print the summary, even when the signal arrives twice (terminal + npm); again later forces.
  onStopSignals({
    clock,
    onStop: (signal) => {
      process.stderr.write(`\n${signal}: stopping the demo (letting calls end, then the summary; Ctrl-C again to quit at once)\n`);
      finish().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`demo stop failed: ${(err as Error).stack ?? String(err)}\n`);
          process.exit(1);
        },
      );
    },
    onForce: () => {
      process.stderr.write('stopped without a summary\n');
      process.exit(130);
    },
  });
}

/**
 * The ACD figures of the run from acd_queue_calls: calls that entered a queue, answered by an agent, abandoned, and
 * the service level (answered within the queue's threshold, over answered + abandoned).
 */
async function queueSummary(service: Awaited<ReturnType<typeof startService>>): Promise<{
  queue_calls: number;
  answered_by_agent: number;
  abandoned: number;
  service_level: number | null;
}> {
  const rows = (await service.dataSource.query(
    'SELECT queue, outcome, agent_id, answered_at, wait_ms FROM acd_queue_calls',
  )) as Array<{ queue: string; outcome: string | null; agent_id: number | null; answered_at: unknown; wait_ms: number | null }>;
  let answered = 0;
  let abandoned = 0;
  let inService = 0;
  for (const r of rows) {
    if (r.agent_id !== null && r.answered_at !== null) {
      answered++;
      const threshold = (service.acdConfig.getQueue(r.queue)?.config.serviceLevelSec ?? 20) * 1000;
      if (r.wait_ms !== null && Number(r.wait_ms) <= threshold) inService++;
    } else if (r.outcome === 'abandoned') abandoned++;
  }
  const offered = answered + abandoned;
  return {
    queue_calls: rows.length,
    answered_by_agent: answered,
    abandoned,
    service_level: offered ? Math.round((inService / offered) * 1000) / 1000 : null,
  };
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

/**
 * `{"memory":{"t_s":…,"rss_mb":…,"heap_used_mb":…,"heap_total_mb":…,"external_mb":…,"array_buffers_mb":…}}` lines on
 * stderr, for the soak. With node --expose-gc a full collection runs first, so heap_used is what is live, not what is
 * waiting to be collected (heap_total: what V8 holds for it; RSS minus that is native memory: buffers, SQLite, malloc).
 */
function startMemorySamples(everySec: number): NodeJS.Timeout {
  const started = Date.now();
  const sample = (): void => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
    process.stderr.write(`${JSON.stringify({ memory: { t_s: Math.round((Date.now() - started) / 1000), rss_mb: mb(m.rss), heap_used_mb: mb(m.heapUsed), heap_total_mb: mb(m.heapTotal), external_mb: mb(m.external), array_buffers_mb: mb(m.arrayBuffers) } })}\n`);
  };
  sample();
  return setInterval(sample, everySec * 1000);
}
