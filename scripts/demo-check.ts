/**
 * `npx tsx scripts/demo-check.ts [--minutes 10] [--seed 0] [--min-service-level 0.8]`: the free-running demo as CI
 * runs it (.ci/run, after the tests). Starts `npm run demo` in its own process group, lets it run for --minutes,
 * then stops it the way Ctrl-C in a terminal does (SIGINT to the whole group, npm included), reads the JSON summary
 * and checks it (src/demo/check.ts): every minute after the first two at or above the service level, no agent not
 * ready longer than meant (+2 s), no stuck agent, the supervisor on a call. Exits 1 with the reasons otherwise, or
 * when the demo prints no summary after Ctrl-C.
 */
import { checkDemoSummary, DEFAULT_CHECK_THRESHOLDS, type DemoSummaryForCheck } from '../src/demo/check';
import { runDemoUntilCtrlC } from './demo-run';

interface CheckArgs {
  minutes: number;
  seed: number;
  minServiceLevel: number;
}

function parseArgs(argv: string[]): CheckArgs {
  const args: CheckArgs = { minutes: DEFAULT_CHECK_THRESHOLDS.minutes, seed: 0, minServiceLevel: DEFAULT_CHECK_THRESHOLDS.minServiceLevel };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const n = Number(argv[++i]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number`);
    if (flag === '--minutes') args.minutes = Math.max(1, Math.floor(n));
    else if (flag === '--seed') args.seed = Math.floor(n);
    else if (flag === '--min-service-level') args.minServiceLevel = n;
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (msg: string): void => void process.stderr.write(`demo-check: ${msg}\n`);
  log(`running the demo for ${args.minutes} min (seed ${args.seed})`);
  const run = await runDemoUntilCtrlC({ minutes: args.minutes, args: ['--seed', String(args.seed)], log });
  if (!run.ranFullTime) process.exit(1);
  const { summary } = run;
  if (!summary) {
    log(`no JSON summary after Ctrl-C (exit code ${run.code}, signal ${run.signal})`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  const failures = checkDemoSummary(summary as unknown as DemoSummaryForCheck, {
    ...DEFAULT_CHECK_THRESHOLDS,
    minutes: args.minutes,
    minServiceLevel: args.minServiceLevel,
  });
  if (!run.cleanStop) failures.push(`the demo exited with code ${run.code}, signal ${run.signal} after Ctrl-C`);
  if (failures.length) {
    for (const f of failures) log(`FAIL ${f}`);
    process.exit(1);
  }
  log(`ok: service level by minute ${JSON.stringify(summary.service_level_by_minute)}, longest not ready ${String(summary.longest_not_ready_s)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo-check failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
