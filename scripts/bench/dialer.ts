/**
 * Predictive dialer: the discrete-event simulation of ../shared/dialer/MODEL.md (src/dialer/simulation.ts) driving the
 * same PredictivePacer the dialer uses, beside progressive 1:1 dialling on the same seed, for 10, 50 and 200 agents.
 *
 *   npx tsx scripts/bench/dialer.ts [--agents 10,50] [--days N] [--seed N] [--contact-rate 0.15] [--talk-mean 300]
 *                                   [--wrap-mean 30] [--amd-false-positive 0.01] [--target 0.022] [--window 24h|30d]
 *
 * One JSON line per team size. occupancy = (talk + wrap) / logged-in time over the measured 8-h days; abandon =
 * abandoned / live answers over the run (AMD false positives included); days_over_3pct = share of days above 3%.
 */
import { runSimulation, type SimParams } from '../../src/dialer/simulation';

const BAR: Record<number, number> = { 10: 0.83, 50: 0.92, 200: 0.96 };
/** Days per size: small teams need more days for the per-day spread to show; large ones are costly. */
const DEFAULT_DAYS: Record<number, number> = { 10: 40, 50: 15, 200: 6 };

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export function parseDialerArgs(argv: readonly string[]): { agents: number[]; days?: number; params: Partial<SimParams> } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`--${name}=`));
    return eq?.slice(name.length + 3);
  };
  const num = (name: string): number | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name}: not a number: ${v}`);
    return n;
  };
  const params: Partial<SimParams> = {};
  const pacing: NonNullable<SimParams['pacing']> = {};
  const set = <K extends keyof SimParams>(key: K, value: SimParams[K] | undefined): void => {
    if (value !== undefined) params[key] = value;
  };
  set('seed', num('seed'));
  set('pLive', num('contact-rate'));
  set('talkMeanS', num('talk-mean'));
  set('talkCv', num('talk-cv'));
  set('wrapMeanS', num('wrap-mean'));
  set('amdFalsePositive', num('amd-false-positive'));
  set('linesPerAgent', num('lines-per-agent'));
  set('graceS', num('grace'));
  const target = num('target');
  if (target !== undefined) pacing.abandonTarget = target;
  const window = get('window');
  if (window) pacing.windowMs = window === '30d' ? 30 * 86400000 : window === '24h' ? 86400000 : Number(window);
  // The campaign knows its AMD audit figure: the pacer budgets for it.
  if (params.amdFalsePositive !== undefined) pacing.amdFalsePositiveShare = params.amdFalsePositive;
  params.pacing = pacing;
  const agents = get('agents')?.split(',').map(Number) ?? [10, 50, 200];
  if (agents.some((a) => !Number.isInteger(a) || a <= 0)) throw new Error('--agents: positive integers, comma-separated');
  return { agents, days: num('days'), params };
}

export async function runDialerBench(argv: readonly string[] = process.argv.slice(2)): Promise<object[]> {
  const { agents, days, params } = parseDialerArgs(argv);
  const results: object[] = [];
  for (const n of agents) {
    const d = days ?? DEFAULT_DAYS[n] ?? Math.max(4, Math.round(400 / n));
    process.stderr.write(`dialer: ${n} agents, ${d} days...\n`);
    const pred = runSimulation({ ...params, agents: n, days: d, policy: 'predictive' });
    const prog = runSimulation({ ...params, agents: n, days: d, policy: 'progressive' });
    results.push({
      bench: 'dialer',
      agents: n,
      occupancy: round(pred.occupancy),
      abandon: round(pred.abandon),
      days_over_3pct: round(pred.daysOver3pct, 3),
      max_day_abandon: round(Math.max(...pred.dailyAbandon)),
      talk_share: round(pred.talkShare),
      connects_per_agent_hour: round(pred.connectsPerAgentHour, 2),
      dials_per_agent_hour: round(pred.dialsPerAgentHour, 2),
      progressive_occupancy: round(prog.occupancy),
      progressive_talk_share: round(prog.talkShare),
      progressive_connects_per_agent_hour: round(prog.connectsPerAgentHour, 2),
      progressive_abandon: round(prog.abandon),
      days: d,
      ...(BAR[n] !== undefined ? { bar_occupancy: BAR[n] } : {}),
      compliant: pred.abandon <= 0.03 && pred.daysOver3pct <= 0.05,
    });
  }
  return results;
}

if (require.main === module) {
  runDialerBench()
    .then((results) => {
      for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`dialer bench: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
