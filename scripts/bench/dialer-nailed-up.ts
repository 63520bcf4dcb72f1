/**
 * Nailed-up agents on a predictive campaign (issue 13): the whole service (embedded SQLite) and the simulator over
 * TCP, 5 agents whose phones take 2 s to answer, a predictive campaign (AMD off, connect_within_ms 2000: the
 * 2-second rule) over 300 leads of which one in three answers as a person and talks 2-4 s (the others are busy after
0.2-1 s). Run twice, on a queue
 * with nailedUp and on one without (every offer rings the 2-s phone), each on a fresh service.
 *
 *   npx tsx scripts/bench/dialer-nailed-up.ts     (also the last line of `npm run bench -- dialer`)
 *
 * connect: a live person's leg answered (its CHANNEL_ANSWER) -> bridged to an agent (the CHANNEL_BRIDGE naming it),
 * both seen on an ESL connection of the bench's own; abandon_rate: the campaign's abandoned / live (a person not
 * connected within 2 s hears the abandon message and counts, as the dialer counts it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { queueCreateSchema } from '../../src/acd/config-store';
import { UserService } from '../../src/auth/users';
import { localTime } from '../../src/dialer/leads/calling-window';
import { loadConfig } from '../../src/config/config';
import { EslClient } from '../../src/esl/client';
import { header } from '../../src/esl/types';
import { silentLogger } from '../../src/log/logger';
import { startService } from '../../src/service/service';
import { startSimulator } from '../../src/simulator';

const AGENTS = 5;
const LEADS = 300;
const PHONE_ANSWER_MS = 2000;
const PASSWORD = 'nailed-up-bench';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function quantile(xs: number[], q: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]!);
}

interface RunFigures {
  live: number;
  connected: number;
  connect_p50_ms: number;
  connect_p99_ms: number;
  abandoned: number;
  abandon_rate: number;
  dials: number;
}

async function run(nailedUp: boolean): Promise<RunFigures> {
  const sim = await startSimulator({ password: PASSWORD, seed: 3, heartbeatMs: 0, defaultFileMs: 300, apiExpansion: false });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-nailed-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HTTP_PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'db.sqlite')}`,
    FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:${PASSWORD}`,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'nailed-up-bench-admin-pw',
    OUTBOUND_GATEWAY: 'carrier',
    CALLBACK_CALLER_ID: '+14155550000',
  });
  const service = await startService(config, { logger: silentLogger, apiOptions: { bcryptCost: 4 }, ivr: { importExamples: false, exampleDid: null } });
  const watch = new EslClient({ host: '127.0.0.1', port: sim.port, password: PASSWORD, logger: silentLogger, events: ['CHANNEL_ANSWER', 'CHANNEL_BRIDGE'] });
  try {
    await watch.connect();
    const answeredAt = new Map<string, number>();
    const connectMs: number[] = [];
    const customerLegs = new Set<string>();
    watch.on('event', (e) => {
      const uuid = header(e, 'Unique-ID') ?? '';
      if (e.name === 'CHANNEL_ANSWER' && (header(e, 'Channel-Name') ?? '').startsWith('sofia/gateway/')) {
        customerLegs.add(uuid);
        answeredAt.set(uuid, performance.now());
      } else if (e.name === 'CHANNEL_BRIDGE') {
        for (const u of [uuid, header(e, 'Other-Leg-Unique-ID') ?? '', header(e, 'Bridge-B-Unique-ID') ?? '']) {
          const at = answeredAt.get(u);
          if (at === undefined) continue;
          answeredAt.delete(u);
          connectMs.push(performance.now() - at);
        }
      }
    });
    const login = await fetch(`${service.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'nailed-up-bench-admin-pw' }) });
    const token = ((await login.json()) as { token: string }).token;
    const api = async (p: string, init: { method?: string; json?: unknown; body?: string; type?: string } = {}): Promise<Response> =>
      fetch(`${service.url}${p}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': init.type ?? 'application/json' },
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      });
    const queue = nailedUp ? 'nailed' : 'ringing';
    await service.acdConfig.createQueue(queueCreateSchema.parse({ name: queue, strategy: 'longest_idle', wrapUpSec: 1, offerTimeoutSec: 10, announceIntervalSec: 0, nailedUp }), 'bench');
    const users = new UserService(service.dataSource, { bcryptCost: 4 });
    const agentIds: number[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const ext = String(8100 + i);
      // 2-second-slow phones; a nailed-up session is hung up by the service at the end, a rung leg with its caller.
      sim.registerSoftphone(ext, { answerDelayMs: PHONE_ANSWER_MS });
      const user = await users.create({ username: `bench-agent${i}`, password: 'bench-agent-password-1', role: 'agent' });
      const agent = await service.acdConfig.createAgent({ user_id: user.id, extension: ext, skills: {}, teams: [], queues: [{ queue, tier: 1 }] });
      service.acd.engine.login(agent.id);
      agentIds.push(agent.id);
    }
    if (nailedUp) {
      // The sessions come up once (2 s each, in parallel) before the campaign starts.
      const deadline = Date.now() + 15_000;
      while (service.acd.nailedUpSessions().filter((s) => s.state === 'idle').length < AGENTS) {
        if (Date.now() > deadline) throw new Error('nailed-up sessions did not come up');
        await sleep(50);
      }
    }
    const phones: string[] = [];
    for (let i = 0; i < LEADS; i++) {
      const phone = `+1415559${String(1000 + i)}`;
      phones.push(phone);
      sim.setGatewayOutcome(
        phone,
        i % 3 === 0 ? { outcome: 'answer', ringMs: 300 + ((i * 37) % 1200), hangupAfterMs: 2000 + ((i * 53) % 2000) } : { outcome: 'busy', ringMs: 200 + ((i * 29) % 800) },
      );
    }
    const hhmm = (m: number): string => `${String(Math.floor((((m % 1440) + 1440) % 1440) / 60)).padStart(2, '0')}:${String((((m % 1440) + 1440) % 1440) % 60).padStart(2, '0')}`;
    // Open now in the leads' own zone (+1415: America/Los_Angeles, read from the number).
    const minutes = localTime('America/Los_Angeles', new Date()).minutes;
    const created = await api('/api/v1/dialer/campaigns', {
      method: 'POST',
      json: {
        name: `nailed-up-${queue}`,
        type: 'predictive',
        queue,
        timezone: 'UTC',
        window_start: hhmm(minutes - 60),
        window_end: hhmm(minutes + 120),
        settings: { amd: 'off', lines_per_agent: 3, connect_within_ms: 2000, retry: { busy: { delay_min: 600, max_attempts: 1 } } },
      },
    });
    if (created.status !== 201) throw new Error(`campaign: ${created.status} ${await created.text()}`);
    const id = ((await created.json()) as { id: number }).id;
    const imported = await api(`/api/v1/dialer/campaigns/${id}/leads/import`, { method: 'POST', type: 'text/csv', body: `phone\n${phones.join('\n')}\n` });
    if (imported.status !== 200) throw new Error(`leads: ${imported.status} ${await imported.text()}`);
    const started = await api(`/api/v1/dialer/campaigns/${id}/start`, { method: 'POST' });
    if (started.status !== 200) throw new Error(`start: ${started.status} ${await started.text()}`);
    const deadline = Date.now() + Number(process.env.NAILED_BENCH_TIMEOUT_MS ?? 240_000);
    for (;;) {
      const f = service.dialer.figures(id)[0]!;
      const resolved = Object.values(f.outcomes).reduce((a, b) => a + b, 0);
      if (resolved >= LEADS && f.lines_in_flight === 0) break;
      if (Date.now() > deadline) {
        const ledger = await (await api(`/api/v1/dialer/campaigns/${id}/ledger?limit=5`)).text();
        throw new Error(`the campaign did not finish: ${JSON.stringify(f)}; ledger ${ledger.slice(0, 800)}`);
      }
      await sleep(250);
    }
    await api(`/api/v1/dialer/campaigns/${id}/stop`, { method: 'POST' });
    const f = service.dialer.figures(id)[0]!;
    for (const a of agentIds) service.acd.engine.logout(a);
    return {
      live: f.live,
      connected: connectMs.length,
      connect_p50_ms: quantile(connectMs, 0.5),
      connect_p99_ms: quantile(connectMs, 0.99),
      abandoned: f.abandoned,
      abandon_rate: f.live ? Math.round((f.abandoned / f.live) * 10_000) / 10_000 : 0,
      dials: f.dials,
    };
  } finally {
    await watch.close();
    await service.close();
    await sim.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runNailedUpBench(): Promise<object[]> {
  const nailed = await run(true);
  const ringing = await run(false);
  return [
    {
      bench: 'dialer-nailed-up',
      agents: AGENTS,
      phone_answer_ms: PHONE_ANSWER_MS,
      leads: LEADS,
      live: nailed.live,
      connected: nailed.connected,
      connect_p50_ms: nailed.connect_p50_ms,
      connect_p99_ms: nailed.connect_p99_ms,
      abandon_rate: nailed.abandon_rate,
      ringing_live: ringing.live,
      ringing_connected: ringing.connected,
      // None when no person was connected in time: the 2-second rule hung the abandon message on every one.
      ringing_connect_p50_ms: ringing.connected ? ringing.connect_p50_ms : null,
      ringing_connect_p99_ms: ringing.connected ? ringing.connect_p99_ms : null,
      ringing_abandon_rate: ringing.abandon_rate,
      limit: 0.03,
    },
  ];
}

if (require.main === module) {
  runNailedUpBench().then(
    (lines) => {
      for (const l of lines) process.stdout.write(`${JSON.stringify(l)}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
