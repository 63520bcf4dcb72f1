/**
 * One Switchboard instance as a child process (`node --import tsx src/main.ts`), for fault drills that must kill it
 * for real (SIGKILL: no shutdown code runs). Its JSON log lines are read to learn its URL and when it became active.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { shippedPath } from '../config/package-root';

export interface LogLine {
  at: number;
  level?: string;
  message?: string;
  [k: string]: unknown;
}

/** A TCP port free right now on 127.0.0.1 (for HTTP_PORT / HA_ADVERTISE_URL known before the start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export class ServiceProcess {
  readonly lines: LogLine[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private readonly waiters: Array<{ test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  private stderr = '';

  private constructor(
    readonly name: string,
    readonly url: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(shippedPath('src'), 'main.ts')], {
      cwd: shippedPath('.'),
      env: { ...process.env, ...env, LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    // winston's console transport writes to stderr or stdout depending on level and version: read both.
    readline.createInterface({ input: this.child.stdout! }).on('line', (raw) => this.line(raw));
    readline.createInterface({ input: this.child.stderr! }).on('line', (raw) => {
      this.stderr = (this.stderr + raw + '\n').slice(-8000);
      this.line(raw);
    });
  }

  /** Starts an instance listening on `port` with `env` (DATABASE_URL, FREESWITCH_NODES, HA_*...). */
  static start(name: string, port: number, env: Record<string, string>): ServiceProcess {
    return new ServiceProcess(name, `http://127.0.0.1:${port}`, { ...env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port), HA_INSTANCE_ID: name });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private line(raw: string): void {
    let parsed: LogLine;
    try {
      parsed = { ...(JSON.parse(raw) as Record<string, unknown>), at: Date.now() };
    } catch {
      parsed = { at: Date.now(), message: raw };
    }
    this.lines.push(parsed);
    if (this.lines.length > 5000) this.lines.shift();
    for (const w of [...this.waiters]) {
      if (w.test(parsed)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(parsed);
      }
    }
  }

  /** The first log line (already seen or to come) that matches, or an error after `timeoutMs` or at exit. */
  waitForLog(test: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${what}" within ${timeoutMs} ms\n${this.stderr.slice(-2000)}`)), timeoutMs);
      const waiter = {
        test,
        resolve: (l: LogLine) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then((code) => {
        if (!this.waiters.includes(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}) before "${what}"\n${this.stderr.slice(-2000)}`));
      });
    });
  }

  /** SIGKILL: the process stops where it is. Resolves when it is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (graceful), then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.alive) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
