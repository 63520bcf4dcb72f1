/**
 * One way to run the free-running demo for a while and stop it as a person does (scripts/demo-check.ts and
 * scripts/soak.ts): `npm run demo` in its own process group (like a terminal's foreground job), SIGINT to the whole
 * group after --minutes (Ctrl-C, npm included), SIGKILL if it has not exited 120 s later; then the JSON summary it
 * printed last. Its stderr goes to `onStderrLine` line by line (or to ours).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastJsonLine } from '../src/demo/check';

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
    stdio: ['ignore', 'pipe', o.onStderrLine ? 'pipe' : 'inherit'],
  });
  let stdout = '';
  demo.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  if (o.onStderrLine) {
    let partial = '';
    demo.stderr!.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) o.onStderrLine!(line);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => demo.on('exit', (code, signal) => resolve({ code, signal })));
  try {
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
