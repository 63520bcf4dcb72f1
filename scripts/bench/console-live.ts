/**
 * How fast the supervisor wallboard follows the ACD: the whole service and the simulator in this process, the
 * console in Debian's Chromium (headless), 50 agents of the supervisor's team on one queue.
 *
 *   npx tsx scripts/bench/console-live.ts
 *
 * Each sample changes one agent's state in the ACD engine (ready <-> not ready) and takes, on the wall clock of this
 * machine (the page's Date.now() and this process's are the same clock):
 * - ws: until a bare WebSocket client (the `ws` package, logged in as the same supervisor) receives the agent_state
 *   message: the ceiling, what any consumer of the feed could do;
 * - dom: until the agent's row on the wallboard shows the new state (a MutationObserver installed in the page before
 *   the change, taking the page's own Date.now()).
 * Their difference is what the console adds: parsing, React's render and the DOM update. 300 samples, one at a time,
 * 20 ms apart; medians and p95.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { buildConsole } from '../../src/api/console-build';
import { launchChromium, signInConsole } from '../console-browser';
import { UserService } from '../../src/auth/users';
import { loadConfig } from '../../src/config/config';
import { SupervisorTeamSchema, type SupervisorTeamRow } from '../../src/db/entities';
import { silentLogger } from '../../src/log/logger';
import { startService } from '../../src/service/service';
import { startSimulator } from '../../src/simulator';

const AGENTS = 50;
const SAMPLES = 300;
const PASSWORD = 'console-bench-password-1';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (x: number): number => Number(x.toFixed(1));

export async function runConsoleLiveBench(): Promise<object[]> {
  await buildConsole();
  const sim = await startSimulator({ password: 'bench', heartbeatMs: 0, apiExpansion: false });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-console-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HTTP_PORT: '0',
    DATA_DIR: dataDir,
    FREESWITCH_NODES: `sim1=127.0.0.1:${sim.port}:bench`,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: PASSWORD,
  });
  const service = await startService(config, { logger: silentLogger, apiOptions: { bcryptCost: 4 }, ivr: { importExamples: false, exampleDid: null } });
  const browser = await launchChromium();
  let ws: WebSocket | undefined;
  try {
    const users = new UserService(service.dataSource, { bcryptCost: 4 });
    const sup = await users.create({ username: 'bench-sup', password: PASSWORD, role: 'supervisor' });
    await service.dataSource.getRepository<SupervisorTeamRow>(SupervisorTeamSchema).save({ user_id: sup.id, team: 'bench' } as SupervisorTeamRow);
    await service.acdConfig.createQueue({ name: 'bench' } as Parameters<typeof service.acdConfig.createQueue>[0], 'bench');
    const ids: number[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const u = await users.create({ username: `bench-agent-${i}`, password: PASSWORD, role: 'agent' });
      sim.registerSoftphone(String(3000 + i), {});
      const a = await service.acdConfig.createAgent({ user_id: u.id, extension: String(3000 + i), name: `Bench ${i}`, teams: ['bench'], queues: [{ queue: 'bench', tier: 1 }] });
      ids.push(a.id);
    }
    for (const id of ids) service.acd.engine.login(id);

    const login = await fetch(`${service.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-sup', password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const wsSeen = new Map<string, number>();
    ws = new WebSocket(`${service.url.replace(/^http/, 'ws')}/api/v1/acd/ws`, ['switchboard.v1', `bearer.${token}`]);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; agent_id?: number; state?: string };
      if (m.type === 'agent_state') wsSeen.set(`${m.agent_id}:${m.state}`, Date.now());
    });
    await new Promise((resolve, reject) => ws!.once('open', resolve).once('error', reject));

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: service.url })).newPage();
    await page.goto('/');
    await signInConsole(page, 'bench-sup', PASSWORD);
    await page.getByTestId(`agent-${ids[AGENTS - 1]}`).waitFor();

    const wsMs: number[] = [];
    const domMs: number[] = [];
    for (let n = 0; n < SAMPLES; n++) {
      const id = ids[n % AGENTS]!;
      const goingReady = service.acd.engine.agent(id)?.state === 'not_ready';
      const state = goingReady ? 'available' : 'not_ready';
      wsSeen.delete(`${id}:${state}`);
      // The observer is in place before the change (evaluate returns once it is), so no render can slip past it.
      await page.evaluate(`window.__benchSeen = new Promise((resolve) => {
        const check = () => {
          const row = document.querySelector('[data-testid="agent-${id}"]');
          if (!!row && /Not ready/.test(row.textContent || '') === ${!goingReady}) { obs.disconnect(); resolve(Date.now()); }
        };
        const obs = new MutationObserver(check);
        obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      }); true`);
      const t0 = Date.now();
      if (goingReady) service.acd.engine.setReady(id);
      else service.acd.engine.setNotReady(id, 'break');
      const domAt = (await page.evaluate('window.__benchSeen')) as number;
      const deadline = Date.now() + 5000;
      while (!wsSeen.has(`${id}:${state}`) && Date.now() < deadline) await sleep(1);
      const wsAt = wsSeen.get(`${id}:${state}`);
      if (wsAt === undefined) throw new Error(`no agent_state ${state} for agent ${id} on the bare WebSocket`);
      wsMs.push(wsAt - t0);
      domMs.push(domAt - t0);
      await sleep(20);
    }
    wsMs.sort((a, b) => a - b);
    domMs.sort((a, b) => a - b);
    return [
      {
        bench: 'console-wallboard-update',
        agents: AGENTS,
        samples: SAMPLES,
        unit: 'ms from the ACD state change',
        ws_median: round(pct(wsMs, 50)),
        ws_p95: round(pct(wsMs, 95)),
        wallboard_median: round(pct(domMs, 50)),
        wallboard_p95: round(pct(domMs, 95)),
        console_adds_median: round(pct(domMs, 50) - pct(wsMs, 50)),
        target: 'under 1000 (issue 10)',
      },
    ];
  } finally {
    ws?.close();
    await browser.close();
    await service.close();
    await sim.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runConsoleLiveBench().then(
    (r) => r.forEach((x) => process.stdout.write(`${JSON.stringify(x)}\n`)),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
