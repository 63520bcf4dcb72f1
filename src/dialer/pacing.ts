/**
 * Predictive pacing: how many new calls to launch now. Pure apart from the injected clock (which only dates the
 * abandonment window); no I/O. The live dialer and the simulation (src/dialer/simulation.ts) both call `decide`.
 *
 * Each decision models the next "wave": the live answers still to come from calls in flight (each weighted by the
 * measured probability that a call that has rung this long turns out to be a live person), the live answers waiting
 * for an agent now, and `n` new calls at the measured live rate; against them, the agents free now plus those whose
 * wrap-up (or talk + wrap-up) is likely to end within the horizon (the median dial-to-human delay plus the 2-s grace).
 * The excess D = answers - free agents is taken as normal (Bernoulli sums, plus the Beta posterior's uncertainty
 * on the live rate, which grows with the number of lines); E[max(D, 0)] is the expected number of abandoned calls.
 * The pacer launches the largest n whose expected abandons stay within `budget` x expected live answers, where the
 * budget is the campaign's safety target less the AMD false-positive share, scaled down as the rolling abandonment
 * rate (over the campaign's 24-h or 30-day window) approaches the limit and zero at the limit, where it goes
 * progressive. Too little data (attempts or live answers) also means progressive: one call per free agent.
 */
import type { Clock } from '../clock/clock';
import { AbandonWindow, DAY_MS } from './abandon-window';
import { AnswerRateEstimator, type AttemptOutcome } from './answer-rate';
import { DurationModel, normalCdf, normalPdf } from './duration-model';

export interface PacingConfig {
  /** Cap on calls ringing at once per logged-in agent. */
  linesPerAgent: number;
  /** The legal limit on abandoned / live answers (0.03). */
  abandonLimit: number;
  /** The safety target the pacer aims at, below the limit. */
  abandonTarget: number;
  /** Rolling compliance window: 24 h (Ofcom) or 30 days (FTC/FCC). */
  windowMs: number;
  /** Time allowed after the human decision before the call is abandoned (2-s rule minus the decision). */
  graceMs: number;
  /** Progressive until this many recent attempts and live answers were seen. */
  minAttempts: number;
  minLiveAnswers: number;
  /** Live answers in the window worth as much as the target itself when the window is young. */
  windowPriorLive: number;
  /** Share of live answers AMD wrongly hangs up on (from the campaign's AMD audit): abandoned whatever the pacing. */
  amdFalsePositiveShare: number;
}

export const DEFAULT_PACING: PacingConfig = {
  linesPerAgent: 3,
  abandonLimit: 0.03,
  abandonTarget: 0.02,
  windowMs: DAY_MS,
  graceMs: 1000,
  minAttempts: 100,
  minLiveAnswers: 20,
  windowPriorLive: 200,
  amdFalsePositiveShare: 0,
};

export interface BusyAgent {
  phase: 'talk' | 'wrap';
  /** Ms since the talk (or the wrap-up) began. */
  elapsedMs: number;
}

export interface PacingState {
  agentsLoggedIn: number;
  /** Agents idle and ready now. */
  agentsAvailable: number;
  busyAgents: readonly BusyAgent[];
  /** Calls dialled and not yet resolved (ringing, or picked up before the AMD decision). */
  callsInFlight: readonly { ringElapsedMs: number }[];
  /** Live persons answered and waiting for an agent (inside the grace period). */
  liveWaiting: number;
}

export interface PacingDecision {
  launch: number;
  mode: 'progressive' | 'predictive';
  reason: 'no_agents' | 'too_little_data' | 'at_limit' | 'predictive' | 'line_cap';
  liveRate: number;
  /** Abandon budget used for this decision (expected abandons per expected live answer). */
  budget: number;
  /** Rolling abandonment rate (observed plus AMD false-positive share). */
  rollingAbandon: number;
  expectedLive: number;
  expectedAbandons: number;
}

/** Progressive: one call per available agent not already covered by a call in flight or waiting. */
export function progressiveDialCount(state: PacingState, linesPerAgent = DEFAULT_PACING.linesPerAgent): number {
  const want = state.agentsAvailable - state.callsInFlight.length - state.liveWaiting;
  return Math.max(0, Math.min(want, lineRoom(state, linesPerAgent)));
}

function lineRoom(state: PacingState, linesPerAgent: number): number {
  return Math.max(0, Math.floor(linesPerAgent * state.agentsLoggedIn) - state.callsInFlight.length);
}

/** E[max(X, 0)] for X ~ N(mu, sigma^2). */
export function expectedPositivePart(mu: number, sigma: number): number {
  if (sigma <= 1e-9) return Math.max(0, mu);
  const z = mu / sigma;
  return mu * normalCdf(z) + sigma * normalPdf(z);
}

export class PredictivePacer {
  readonly config: PacingConfig;
  readonly answers: AnswerRateEstimator;
  readonly abandons: AbandonWindow;
  readonly talk: DurationModel;
  readonly wrap: DurationModel;

  constructor(
    readonly clock: Clock,
    config: Partial<PacingConfig> = {},
    priors: { talkMeanMs?: number; talkCv?: number; wrapMeanMs?: number; wrapCv?: number } = {},
  ) {
    this.config = { ...DEFAULT_PACING, ...config };
    this.answers = new AnswerRateEstimator();
    this.abandons = new AbandonWindow(clock, this.config.windowMs);
    this.talk = new DurationModel(priors.talkMeanMs ?? 180000, priors.talkCv ?? 1);
    this.wrap = new DurationModel(priors.wrapMeanMs ?? 30000, priors.wrapCv ?? 0.5);
  }

  /** A dial resolved (live, machine, busy, no answer). */
  recordAttempt(outcome: AttemptOutcome): void {
    this.answers.record(outcome);
  }

  /** A live answer (or an AMD false positive, abandoned) for the compliance window. */
  recordLive(abandoned: boolean): void {
    this.abandons.recordLive(abandoned);
  }

  recordTalk(ms: number): void {
    this.talk.observe(ms);
  }

  recordWrap(ms: number): void {
    this.wrap.observe(ms);
  }

  /** The rolling rate, with a young window pulled towards the target, plus the AMD false-positive share. */
  rollingAbandon(): number {
    const { live, abandoned } = this.abandons.counts();
    const k = this.config.windowPriorLive;
    const fp = this.config.amdFalsePositiveShare;
    return (abandoned + k * Math.max(0, this.config.abandonTarget - fp)) / (live + k) + fp;
  }

  decide(state: PacingState): PacingDecision {
    const c = this.config;
    const { mean: p, variance: pVar } = this.answers.posterior();
    const rolling = this.rollingAbandon();
    const base = { liveRate: p, rollingAbandon: rolling, expectedLive: 0, expectedAbandons: 0 };
    if (state.agentsLoggedIn <= 0) return { ...base, launch: 0, mode: 'progressive', reason: 'no_agents', budget: 0 };
    const progressive = (reason: PacingDecision['reason']): PacingDecision => ({ ...base, launch: progressiveDialCount(state, c.linesPerAgent), mode: 'progressive', reason, budget: 0 });
    if (this.answers.attempts() < c.minAttempts || this.answers.lives() < c.minLiveAnswers) return progressive('too_little_data');

    // Budget for pacing-caused abandons: the target less AMD false positives, tightened as the window nears the limit.
    const headroom = (c.abandonLimit - rolling) / Math.max(1e-6, c.abandonLimit - c.abandonTarget);
    const budget = Math.max(0, c.abandonTarget - c.amdFalsePositiveShare) * Math.min(1.5, headroom);
    if (budget <= 1e-4) return progressive('at_limit');

    const room = lineRoom(state, c.linesPerAgent);
    if (room === 0) return { ...base, launch: 0, mode: 'predictive', reason: 'line_cap', budget };

    // Horizon: when a call dialled now is typically a live person needing an agent.
    const horizon = this.answers.liveDelayQuantile(0.5) + c.graceMs;
    const wrapMedian = this.wrap.quantile(0.5);

    let liveMean = state.liveWaiting;
    let liveVar = 0;
    let lines = state.liveWaiting;
    for (const call of state.callsInFlight) {
      const q = this.answers.liveGivenRinging(call.ringElapsedMs);
      liveMean += q;
      liveVar += q * (1 - q);
      lines += q / Math.max(p, 1e-6);
    }
    let freeMean = state.agentsAvailable;
    let freeVar = 0;
    for (const agent of state.busyAgents) {
      const q = agent.phase === 'wrap' ? this.wrap.endsWithin(agent.elapsedMs, horizon) : this.talk.endsWithin(agent.elapsedMs, horizon - wrapMedian);
      freeMean += q;
      freeVar += q * (1 - q);
    }

    let launch = 0;
    let expectedLive = liveMean;
    let expectedAbandons = expectedPositivePart(liveMean - freeMean, Math.sqrt(liveVar + freeVar + lines * lines * pVar));
    for (let n = 1; n <= room; n++) {
      const mu = liveMean + n * p;
      const sd = Math.sqrt(liveVar + freeVar + n * p * (1 - p) + (lines + n) * (lines + n) * pVar);
      const ab = expectedPositivePart(mu - freeMean, sd);
      if (ab > budget * mu) break;
      launch = n;
      expectedLive = mu;
      expectedAbandons = ab;
    }
    return { ...base, launch, mode: 'predictive', reason: launch === room ? 'line_cap' : 'predictive', budget, expectedLive, expectedAbandons };
  }
}
