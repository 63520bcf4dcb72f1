/**
 * Predictive pacing over a grid of traffic parameter sets (issue 13): team size x contact rate x talk time x AMD
 * false-positive share, predictive beside progressive on the same seed, one JSON line per set.
 *
 *   npx tsx scripts/bench/dialer-grid.ts [--agents 10,50] [--contact-rate 0.05,0.12,0.35] [--talk-mean 60,400,600]
 *                                        [--amd-false-positive 0,0.02] [--days 10:30,50:8] [--seed N]
 *
 * Predictive runs `days` simulated days per set (more for small teams, whose daily abandonment is the noisy one:
 * 20 days resolve a share of 1/20, the bar); progressive runs a third of them, as its occupancy is steady
 * and it abandons only AMD false positives. The pacer is told the AMD false-positive share, as a campaign is from
 * its AMD audit. `ok` is the acceptance: days above 3% <= 5% and predictive occupancy >= progressive (>
 * with AMD false positives); `floor_days_above_3pct_share` is progressive's, what AMD false positives alone cost,
 * and `amd_floor_p` the same computed: P(Binomial(N, f) > 3% N) on a day of N live answers (the predictive run's
 * mean): above 0.05, no policy meets the bar on that set.
 */
import { runSimulation, type SimParams } from '../../src/dialer/simulation';

export interface GridSet {
  agents: number;
  contactRate: number;
  talkMeanS: number;
  amdFp: number;
}

export interface GridOptions {
  agents: number[];
  contactRates: number[];
  talkMeans: number[];
  amdFps: number[];
  /** Predictive days per team size (others: 10). */
  days: Record<number, number>;
  seed: number;
}

export const DEFAULT_GRID: GridOptions = {
  agents: [10, 50],
  contactRates: [0.05, 0.12, 0.35],
  talkMeans: [60, 400, 600],
  amdFps: [0, 0.02],
  days: { 10: 20, 50: 4 },
  seed: 1,
};

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

/** P(X > limit n) for X ~ Binomial(n, f): the share of days AMD false positives alone put above the limit. */
export function falsePositiveFloor(n: number, f: number, limit = 0.03): number {
  if (f <= 0 || n <= 0) return 0;
  const k0 = Math.floor(limit * n) + 1;
  // Terms from k = 0 in logs (no overflow), summing those above the limit.
  let logTerm = n * Math.log(1 - f);
  let tail = 0;
  for (let k = 0; k <= n; k++) {
    if (k >= k0) tail += Math.exp(logTerm);
    logTerm += Math.log((n - k) / (k + 1)) + Math.log(f / (1 - f));
  }
  return Math.min(1, tail);
}

export function parseGridArgs(argv: readonly string[]): GridOptions {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const list = (name: string, fallback: number[]): number[] => {
    const v = get(name);
    if (v === undefined) return fallback;
    const xs = v.split(',').map(Number);
    if (xs.some((x) => !Number.isFinite(x))) throw new Error(`--${name}: comma-separated numbers: ${v}`);
    return xs;
  };
  const days = { ...DEFAULT_GRID.days };
  const daysArg = get('days');
  if (daysArg) {
    for (const part of daysArg.split(',')) {
      const [agents, d] = part.includes(':') ? part.split(':').map(Number) : [NaN, Number(part)];
      if (!Number.isInteger(d) || d! <= 0) throw new Error(`--days: N or AGENTS:N,...: ${daysArg}`);
      if (Number.isNaN(agents)) for (const k of Object.keys(days)) days[Number(k)] = d!;
      else days[agents!] = d!;
    }
  }
  const seed = get('seed');
  return {
    agents: list('agents', DEFAULT_GRID.agents),
    contactRates: list('contact-rate', DEFAULT_GRID.contactRates),
    talkMeans: list('talk-mean', DEFAULT_GRID.talkMeans),
    amdFps: list('amd-false-positive', DEFAULT_GRID.amdFps),
    days,
    seed: seed === undefined ? DEFAULT_GRID.seed : Number(seed),
  };
}

export function gridSets(o: GridOptions): GridSet[] {
  const sets: GridSet[] = [];
  for (const agents of o.agents)
    for (const contactRate of o.contactRates)
      for (const talkMeanS of o.talkMeans) for (const amdFp of o.amdFps) sets.push({ agents, contactRate, talkMeanS, amdFp });
  return sets;
}

export function runGridSet(set: GridSet, days: number, seed: number): Record<string, number | boolean | string> {
  const params: Partial<SimParams> = {
    agents: set.agents,
    seed,
    pLive: set.contactRate,
    talkMeanS: set.talkMeanS,
    amdFalsePositive: set.amdFp,
    pacing: { amdFalsePositiveShare: set.amdFp },
  };
  const pred = runSimulation({ ...params, days, policy: 'predictive' });
  const prog = runSimulation({ ...params, days: Math.max(3, Math.round(days / 3)), policy: 'progressive' });
  const gainRequired = set.amdFp > 0;
  const ok = pred.daysOver3pct <= 0.05 && (gainRequired ? pred.occupancy > prog.occupancy : pred.occupancy >= prog.occupancy);
  return {
    bench: 'dialer-grid',
    agents: set.agents,
    contact_rate: set.contactRate,
    talk_mean_s: set.talkMeanS,
    amd_fp: set.amdFp,
    predictive_occupancy: round(pred.occupancy),
    progressive_occupancy: round(prog.occupancy),
    predictive_abandon: round(pred.abandon),
    progressive_abandon: round(prog.abandon),
    days_above_3pct_share: round(pred.daysOver3pct, 3),
    floor_days_above_3pct_share: round(prog.daysOver3pct, 3),
    amd_floor_p: round(falsePositiveFloor(Math.round(pred.liveAnswers / days), set.amdFp), 3),
    max_day_abandon: round(Math.max(...pred.dailyAbandon)),
    live_answers_per_day: Math.round(pred.liveAnswers / days),
    days,
    ok,
  };
}

export async function runDialerGridBench(argv: readonly string[] = []): Promise<object[]> {
  const o = parseGridArgs(argv);
  const results: object[] = [];
  for (const set of gridSets(o)) {
    const days = o.days[set.agents] ?? 10;
    process.stderr.write(`dialer-grid: ${set.agents} agents, contact ${set.contactRate}, talk ${set.talkMeanS} s, AMD FP ${set.amdFp}, ${days} days...\n`);
    const r = runGridSet(set, days, o.seed);
    results.push(r);
  }
  return results;
}

if (require.main === module) {
  const o = parseGridArgs(process.argv.slice(2));
  // Printed as each set finishes: the whole grid takes minutes.
  for (const set of gridSets(o)) {
    const r = runGridSet(set, o.days[set.agents] ?? 10, o.seed);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}
