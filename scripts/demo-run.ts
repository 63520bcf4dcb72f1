/**
 * One way to run the free-running demo for a while and stop it as a person does (scripts/demo-check.ts and
 * scripts/soak.ts): `npm run demo` in its own process group (like a terminal's foreground job), SIGINT to the whole
 * group --minutes after it printed that it is running (Ctrl-C, npm included), SIGKILL if it has not exited 120 s later;
 * then the JSON summary it printed last. Its stderr goes to `onStderrLine` line by line (or to ours).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastJsonLine } from '../src/demo/check';

/** Setting up (console build, migrations, users) takes seconds; this long means it is stuck. */
const SETUP_TIMEOUT_MS = 300_000;

export interface DemoRunOptions {
  minutes: number;
  /** Options after `npm run demo --` (the port, the data directory are set here). */
  args: string[];
  /** Added to the demo's environment (e.g. NODE_OPTIONS=--expose-gc). */
  env?: Record<string, string>;
  onStderrLine?: (line: string) => void;
  log: (msg: string) => void;
}

export interface DemoRunResult {
  summary: Record<string, unknown> | null;
  /** The demo stayed up for the whole run. */
  ranFullTime: boolean;
  /** npm, once its child has exited, re-raises the SIGINT it got on itself: that (or 0) is a clean stop. */
  cleanStop: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export async function runDemoUntilCtrlC(o: DemoRunOptions): Promise<DemoRunResult> {
  const root = path.resolve(__dirname, '..');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-demo-run-'));
  const demo = spawn('npm', ['run', '--silent', 'demo', '--', '--port', '0', '--data-dir', dataDir, ...o.args], {
    cwd: root,
    detached: true, // its own process group, like a terminal's foreground job
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  demo.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  // The minutes count from the banner: setting up (migrations, users, agents) takes a while on a loaded machine, and
  // the summary's minutes start with the traffic.
  let markRunning: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  let partial = '';
  demo.stderr!.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('Switchboard demo is running.')) markRunning();
      if (o.onStderrLine) o.onStderrLine(line);
      else process.stderr.write(`${line}\n`);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => demo.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const setupTimeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), SETUP_TIMEOUT_MS).unref());
    const started = await Promise.race([exited, running.then(() => null), setupTimeout]);
    if (started === 'timeout') {
      o.log(`the demo was not running ${SETUP_TIMEOUT_MS / 1000} s after its start: killing it`);
      process.kill(-demo.pid!, 'SIGKILL');
      return { summary: null, ranFullTime: false, cleanStop: false, ...(await exited) };
    }
    if (started) {
      o.log(`the demo exited before it was running (code ${started.code}, signal ${started.signal})`);
      return { summary: lastJsonLine(stdout), ranFullTime: false, cleanStop: false, ...started };
    }
    const early = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), o.minutes * 60_000 + 5_000))]);
    if (early) {
      o.log(`the demo exited early (code ${early.code}, signal ${early.signal})`);
      return { summary: lastJsonLine(stdout), ranFullTime: false, cleanStop: false, ...early };
    }
    o.log('Ctrl-C (SIGINT to the process group)');
    process.kill(-demo.pid!, 'SIGINT');
    const timer = setTimeout(() => {
      o.log('no exit 120 s after Ctrl-C: killing it');
      try {
        process.kill(-demo.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 120_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    return { summary: lastJsonLine(stdout), ranFullTime: true, cleanStop: code === 0 || (code === null && signal === 'SIGINT'), code, signal };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
