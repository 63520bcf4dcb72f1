/**
 * `npm run soak -- [--minutes 60] [--cps 20] [--every 60]`: the demo (simulator + service + traffic) at --cps calls
 * per second for --minutes, with node --expose-gc, sampling the process's memory every --every seconds. Prints each
 * sample as it comes (stderr) and one JSON line last (stdout): the demo's summary, the samples and the verdict of
 * src/demo/memory-trend.ts (no growth trend over the last 40 minutes). Exits 1 when memory is not flat or the demo
 * printed no summary. CI runs it for 10 minutes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastJsonLine } from '../src/demo/check';
import { memoryTrend, type MemorySample } from '../src/demo/memory-trend';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
  return n;
}

async function main(): Promise<void> {
  const minutes = option('--minutes', 60);
  const cps = option('--cps', 20);
  const every = option('--every', 60);
  const root = path.resolve(__dirname, '..');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-soak-'));
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'scripts/demo.ts', '--port', '0', '--rate', String(cps), '--duration', String(Math.round(minutes * 60)), '--memory-every', String(every), '--data-dir', dataDir],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const samples: MemorySample[] = [];
  let out = '';
  let errTail = '';
  let partial = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{"memory":')) {
        const m = (JSON.parse(line) as { memory: MemorySample }).memory;
        samples.push(m);
        process.stderr.write(`soak: ${(m.t_s / 60).toFixed(1)} min  rss ${m.rss_mb} MB  heap ${m.heap_used_mb} MB\n`);
      } else errTail = (errTail + line + '\n').slice(-4000);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
  const summary = lastJsonLine(out);
  const trend = memoryTrend(samples);
  process.stdout.write(`${JSON.stringify({ soak: { minutes, cps, every_s: every }, trend, samples, demo: summary ?? null })}\n`);
  if (!summary || code !== 0) {
    process.stderr.write(`soak: the demo ended with ${code} and ${summary ? 'a' : 'no'} summary\n${errTail}`);
    process.exit(1);
  }
  if (!trend.flat) {
    process.stderr.write(`soak: memory is not flat: heap +${trend.heap_growth_mb} MB, rss +${trend.rss_growth_mb} MB over ${trend.window_min} min\n`);
    process.exit(1);
  }
  process.stderr.write(`soak: flat (heap ${trend.heap_growth_mb >= 0 ? '+' : ''}${trend.heap_growth_mb} MB, rss ${trend.rss_growth_mb >= 0 ? '+' : ''}${trend.rss_growth_mb} MB over ${trend.window_min} min)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
