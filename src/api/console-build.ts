/**
 * Builds the web console (web/) with Vite when its sources changed since the last build. Build-time only: the
 * service itself just serves web/dist (./console.ts); Vite and React are devDependencies.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { shippedPath } from '../config/package-root';

const STAMP = '.build-stamp';

/** A hash over every source file of the console (and the lock file, which pins React, Vite, uPlot...). */
export function consoleSourceHash(webDir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      if (name === 'dist' || name === 'node_modules') continue;
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else h.update(path.relative(webDir, p)).update('\0').update(fs.readFileSync(p)).update('\0');
    }
  };
  walk(webDir);
  const lock = path.join(webDir, '..', 'package-lock.json');
  if (fs.existsSync(lock)) h.update(fs.readFileSync(lock));
  return h.digest('hex');
}

export interface ConsoleBuildResult {
  built: boolean;
  outDir: string;
  ms: number;
}

export async function buildConsole(opts: { force?: boolean; webDir?: string } = {}): Promise<ConsoleBuildResult> {
  const webDir = opts.webDir ?? shippedPath('web');
  const outDir = path.join(webDir, 'dist');
  const started = Date.now();
  if (!fs.existsSync(path.join(webDir, 'index.html'))) throw new Error(`no console sources in ${webDir}`);
  const hash = consoleSourceHash(webDir);
  const stampFile = path.join(outDir, STAMP);
  if (!opts.force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8').trim() === hash && fs.existsSync(path.join(outDir, 'index.html')))
    return { built: false, outDir, ms: Date.now() - started };
  // Vite's own CLI in a child process: Vite is ESM only, and the service is CommonJS.
  const viteBin = path.join(webDir, '..', 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(viteBin)) throw new Error(`Vite is not installed (${viteBin}); run npm install`);
  const run = spawnSync(process.execPath, [viteBin, 'build', '--config', path.join(webDir, 'vite.config.mts'), '--logLevel', 'warn', webDir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`vite build failed (exit ${run.status ?? run.signal})`);
  const index = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
  // The console's CSP has no 'unsafe-inline': a build that inlined a script would not run. Fail here, not in a browser.
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(index)) throw new Error('the built index.html has an inline script, which the console CSP blocks');
  fs.writeFileSync(stampFile, `${hash}\n`);
  return { built: true, outDir, ms: Date.now() - started };
}
