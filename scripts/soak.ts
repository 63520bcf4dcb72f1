/**
 * `npm run soak -- [--minutes 60] [--cps 20] [--every 60]`: the demo (simulator + service + traffic) at --cps calls
 * per second for --minutes, staffed for that rate (staffFor), run and stopped as scripts/demo-check.ts does (`npm run
 * demo` in its own process group, Ctrl-C after --minutes), with node --expose-gc so that each memory sample, every
 * --every seconds, follows a full collection: heap_used is then what is live, not what the collector has not got to
 * yet. Prints each sample as it comes (stderr) and one JSON line last (stdout): the samples, the memory verdict of
 * src/demo/memory-trend.ts (no growth trend over the last 40 minutes) and the demo's summary. Exits 1 when memory is
 * not flat, when the summary fails the demo's own checks (src/demo/check.ts: service level, not-ready spells, stuck
 * agents, supervision) or when there is no summary. CI runs it for 10 minutes (.ci/run).
 */
import { checkDemoSummary, DEFAULT_CHECK_THRESHOLDS, type DemoSummaryForCheck } from '../src/demo/check';
import { memoryTrend, type MemorySample } from '../src/demo/memory-trend';
import { numberOption } from './cli-options';
import { runDemoUntilCtrlC } from './demo-run';

/**
 * The demo's people for a rate: its defaults (20 softphones for outbound calls, 12 ACD agents) are sized for 4 calls/s,
 * so they grow with the rate. With the defaults at 20 calls/s the queues take 4 callers/s for agents who answer ~1/s:
 * the waiting callers (and what the service and the simulator hold for each) grow for as long as the run lasts, which
 * is a backlog, not a leak. Sized like this the queues stay short and what is live stays the same from minute to minute.
 */
function staffFor(cps: number): { agents: number; acdAgents: number } {
  const scale = Math.max(1, cps / 4);
  return { agents: Math.round(20 * scale), acdAgents: Math.round(12 * scale) };
}

const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x}`;

async function main(): Promise<void> {
  const minutes = numberOption('--minutes', 60);
  const cps = numberOption('--cps', 20);
  const every = numberOption('--every', 60);
  const staff = staffFor(cps);
  const log = (msg: string): void => void process.stderr.write(`soak: ${msg}\n`);
  const samples: MemorySample[] = [];
  let errTail = '';
  log(`the demo at ${cps} calls/s (${staff.acdAgents} ACD agents, ${staff.agents} softphones) for ${minutes} min, memory every ${every} s`);
  const run = await runDemoUntilCtrlC({
    minutes,
    args: ['--rate', String(cps), '--agents', String(staff.agents), '--acd-agents', String(staff.acdAgents), '--memory-every', String(every)],
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim() },
    log,
    onStderrLine: (line) => {
      if (line.startsWith('{"memory":')) {
        const m = (JSON.parse(line) as { memory: MemorySample }).memory;
        samples.push(m);
        log(`${(m.t_s / 60).toFixed(1)} min  rss ${m.rss_mb} MB  heap ${m.heap_used_mb} MB (of ${m.heap_total_mb ?? '?'})`);
      } else errTail = (errTail + line + '\n').slice(-4000);
    },
  });
  const { summary } = run;
  const trend = memoryTrend(samples);
  process.stdout.write(`${JSON.stringify({ soak: { minutes, cps, every_s: every, ...staff }, trend, samples, demo: summary })}\n`);
  const failures: string[] = [];
  if (!summary || !run.ranFullTime || !run.cleanStop) {
    failures.push(`the demo ended with code ${run.code}, signal ${run.signal} and ${summary ? 'a' : 'no'} summary${run.ranFullTime ? '' : ' before its time'}`);
    process.stderr.write(errTail);
  }
  if (summary) failures.push(...checkDemoSummary(summary as unknown as DemoSummaryForCheck, { ...DEFAULT_CHECK_THRESHOLDS, minutes }));
  const figures = `heap ${signed(trend.heap_growth_mb)} MB (${signed(trend.heap_slope_mb_per_min)} MB/min), rss ${signed(trend.rss_growth_mb)} MB (${signed(trend.rss_slope_mb_per_min)} MB/min) over the last ${trend.window_min} min`;
  if (!trend.flat) failures.push(`memory is not flat: ${figures}`);
  if (failures.length) {
    for (const f of failures) log(`FAIL ${f}`);
    process.exit(1);
  }
  log(`ok: memory flat (${figures}); service level by minute ${JSON.stringify(summary!.service_level_by_minute)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
