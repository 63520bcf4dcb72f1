/**
 * `npm run bench [-- NAME...]`: every benchmark, or the named ones, one JSON object per figure on stdout (peers and
 * ceilings side by side in the same object, medians of several interleaved rounds). Progress goes to stderr.
 *
 *   esl-parse-json, esl-parse-plain   ESL framing + decoding vs modesl's parser and a bare JSON.parse/split ceiling
 *   cdr-insert                        batched CDR writer vs row-at-a-time, on MariaDB (TEST_MYSQL_URL or
 *                                     BENCH_MYSQL_URL) and embedded SQLite
 *   acd-decision                      routing decision latency (p50/p99) with 1,000 agents, 50 skills and 500
 *                                     waiting calls, and the engine's in-process route rate
 *   simulator                         the simulator alone: calls (park, originate, bridge, hangup) one simulator
 *                                     thread completes per second of its own CPU, one client subscribed to ALL
 *                                     in json
 *   acd-route                         the whole service and the simulator over TCP: offer latency, agent reuse
 *                                     latency and queue-to-agent calls/s with 1,000 agents and 500 waiting calls
 *   console-live                      the supervisor wallboard in Chromium: ACD state change -> the agent's row
 *                                     updated, beside a bare WebSocket client receiving the same event
 *   dialer                            predictive pacing in a simulation of the outbound model vs progressive, at
 *                                     10/50/200 agents (options: --agents, --contact-rate, --talk-mean, ...), then
 *                                     the issue-13 grid (10/50 agents x contact rate x talk time x AMD false
 *                                     positives; scripts/bench/dialer-grid.ts for its own options), then
 *                                     nailed-up agents with 2-s-slow phones on a predictive campaign
 *   reports                           period reports (each dimension and bucket, a month, through the 15-minute rollup)
 *                                     on 1 M generated queue calls, then the alerts bench
 *   alerts                            the KPI alert evaluator's cost per tick with 100 rules
 *                                     in MariaDB (BENCH_MYSQL_URL): median of 3 each, and the slowest
 */
import { runAcdDecisionBench } from './bench/acd-decision';
import { runAcdRouteBench } from './bench/acd-route';
import { runCdrInsertBench } from './bench/cdr-insert';
import { runConsoleLiveBench } from './bench/console-live';
import { runDialerBench } from './bench/dialer';
import { runDialerGridBench } from './bench/dialer-grid';
import { runNailedUpBench } from './bench/dialer-nailed-up';
import { runEslParseBench } from './bench/esl-parse';
import { runReportsBench } from './bench/reports';
import { runSimulatorBench } from './bench/simulator';
import { runAlertsBench } from './bench/alerts';

const BENCHES: Record<string, () => Promise<object[]>> = {
  'esl-parse-json': async () => [await runEslParseBench('json')],
  'esl-parse-plain': async () => [await runEslParseBench('plain')],
  'cdr-insert': runCdrInsertBench,
  'acd-decision': runAcdDecisionBench,
  simulator: () => runSimulatorBench(process.argv.slice(2)),
  'acd-route': runAcdRouteBench,
  'console-live': runConsoleLiveBench,
  // The base-case figures (options apply to them), the fixed grid of other traffic (its defaults), then nailed-up
  // agents on the simulator over TCP (the dialer-nailed-up line).
  dialer: async () => [...(await runDialerBench(process.argv.slice(2))), ...(await runDialerGridBench()), ...(await runNailedUpBench())],
  // The period reports on MariaDB, then the alert evaluator's cost per tick (issue 12's figures side by side).
  reports: async () => [...(await runReportsBench()), ...(await runAlertsBench())],
  alerts: runAlertsBench,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((n) => !BENCHES[n]);
  if (unknown.length) {
    process.stderr.write(`unknown bench ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  let failed = false;
  for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
    process.stderr.write(`bench ${name}...\n`);
    try {
      for (const result of await BENCHES[name]!()) {
        if ('error' in result) failed = true;
        process.stdout.write(`${JSON.stringify(result)}\n`);
      }
    } catch (err) {
      failed = true;
      process.stdout.write(`${JSON.stringify({ bench: name, error: (err as Error).message })}\n`);
    }
  }
  process.exit(failed ? 1 : 0);
}

void main();
