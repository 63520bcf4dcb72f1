/**
 * Predictive pacing: how many new calls to launch now. Pure apart from the injected clock (which only dates the
 * abandonment window); no I/O. The live dialer and the simulation (src/dialer/simulation.ts) both call `decide`.
 *
 * Each decision models the next "wave": the live answers still to come from calls in flight (each weighted by the
 * measured probability that a call that has rung this long turns out to be a live person), the live answers waiting
 * for an agent now, and `n` new calls at the measured live rate; against them, the agents free now plus those whose
 * wrap-up (or talk + wrap-up) is likely to end within the horizon (the median dial-to-human delay plus the 2-s grace).
 * The excess D = answers - free agents is a difference of Bernoulli sums: computed exactly when small (src/dialer/
 * excess.ts), else taken as normal (plus the Beta posterior's uncertainty on the live rate, which grows with the
 * number of lines); E[max(D, 0)] is the expected number of abandoned calls.
 * The pacer launches the largest n whose expected abandons stay within `budget` x expected live answers. The budget
 * is what the day's margin (src/dialer/abandon-margin.ts) leaves for pacing: an aim below the limit chosen so that a
 * day rarely ends above it, given the day's expected live answers, how bursty abandons have been, and the AMD
 * false-positive share, which uses part of the limit whatever the pacing. It is scaled down as the rolling
 * abandonment rate (over the campaign's 24-h or 30-day window, false positives added) approaches the limit, and is
 * zero at the limit, where the pacer goes progressive. Too little data (attempts or live answers) also means
 * progressive: one call per free agent; so does a false-positive share whose own daily spread reaches the limit.
 */
import type { Clock } from '../clock/clock';
import { AbandonWindow, DAY_MS } from './abandon-window';
import { calibrationRatio, ForecastWindow } from './abandon-calibration';
import { abandonDispersion, capacityDayLive, dayMargin, expectedDayLive, type DayMargin } from './abandon-margin';
import { AnswerRateEstimator, type AttemptOutcome } from './answer-rate';
import { DurationModel, normalCdf, normalPdf } from './duration-model';
import { ExcessDistribution } from './excess';

/**
 * Up to this variance of the wave's excess, its distribution is computed exactly (Poisson-binomial): small teams
 * and low contact rates, where the normal understates the tail. Above it (large teams) the normal is close and the
 * exact sum would cost hundreds of terms per decision.
 */
const EXACT_MAX_VARIANCE = 30;

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
  /**
   * Share of days allowed above the limit by the normal bound. The bar is 5%; the bound is aimed at 2% because the
   * bound is approximate (a small day's count is skewed, and the 24-h corrections make neighbouring days alike).
   */
  maxDayBreachShare: number;
  /**
   * Dialling time in a day: with the agents logged in, the least day (capacityDayLive), and until the pacer has
   * seen 24 h, the span its answers so far are extrapolated to (after that it counts the last 24 h's answers).
   */
  dayMs: number;
  /** Block length over which the burstiness of abandons is measured. */
  dispersionBlockMinutes: number;
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
  maxDayBreachShare: 0.02,
  dayMs: 8 * 3600 * 1000,
  dispersionBlockMinutes: 10,
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
  reason: 'no_agents' | 'too_little_data' | 'at_limit' | 'amd_share' | 'predictive' | 'line_cap';
  liveRate: number;
  /** Abandon budget used for this decision (expected abandons per expected live answer). */
  budget: number;
  /** Rolling abandonment rate (observed plus AMD false-positive share). */
  rollingAbandon: number;
  /** The day's aim (false positives included) and what set it. */
  margin: DayMargin;
  expectedLive: number;
  expectedAbandons: number;
  /** Abandons the launch was allowed: the model's budget x the launched calls' expected live answers. */
  allowedAbandons: number;
  /** Observed / allowed abandons over the last 24 h; the budget the model was given is `budget / calibration`. */
  calibration: number;
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
  /** The last 24 h whatever the compliance window: how many live answers a day brings, how bursty abandons are. */
  readonly day: AbandonWindow;
  private marginCache: { minute: number; margin: DayMargin } | undefined;
  private readonly forecasts: ForecastWindow;
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
    this.day = new AbandonWindow(clock, DAY_MS);
    this.forecasts = new ForecastWindow(clock, DAY_MS);
    this.talk = new DurationModel(priors.talkMeanMs ?? 180000, priors.talkCv ?? 1);
    this.wrap = new DurationModel(priors.wrapMeanMs ?? 30000, priors.wrapCv ?? 0.5);
  }

  /** A dial resolved (live, machine, busy, no answer). */
  recordAttempt(outcome: AttemptOutcome): void {
    this.answers.record(outcome);
  }

  /**
   * A live answer the dialer saw (connected or abandoned), now or replayed from the ledger (`at`, in time order).
   * AMD false positives are not among them: the dialer heard a machine; the configured share stands for them.
   */
  recordLive(abandoned: boolean, at: number = this.clock.now()): void {
    this.abandons.recordLive(abandoned, at);
    this.day.recordLive(abandoned, at);
  }

  /** `count` calls of `decision` were dialled (fewer than asked when leads ran short): their forecast abandons count. */
  launched(decision: PacingDecision, count: number): void {
    if (decision.launch <= 0 || count <= 0) return;
    this.forecasts.add((decision.allowedAbandons * Math.min(count, decision.launch)) / decision.launch);
  }

  /** How many times more abandons happened than the model was allowed, over the last 24 h. */
  calibration(): number {
    return calibrationRatio(this.day.counts().abandoned, this.forecasts.sum());
  }

  recordTalk(ms: number): void {
    this.talk.observe(ms);
  }

  recordWrap(ms: number): void {
    this.wrap.observe(ms);
  }

  /**
   * The day's margin, recomputed once a minute (it scans the last 24 h): the aim, and the pacing budget under it.
   * Live answers the dialer sees are 1 - f of all; the day's count is scaled back up to include false positives.
   * The day is at least what `agentsLoggedIn` busy agents would take (see capacityDayLive).
   */
  margin(agentsLoggedIn = 0): DayMargin {
    const c = this.config;
    const minute = Math.floor(this.clock.now() / 60000);
    if (this.marginCache?.minute === minute) return this.marginCache.margin;
    const f = c.amdFalsePositiveShare;
    const seen = this.day.counts().live;
    const oldest = this.day.oldestAt();
    const spanMs = oldest === undefined ? 0 : this.clock.now() - oldest;
    const margin = dayMargin({
      limit: c.abandonLimit,
      target: c.abandonTarget,
      amdFalsePositiveShare: f,
      dayLive: Math.max(
        expectedDayLive({ liveLast24h: seen, spanMs, dayMs: c.dayMs }) / Math.max(1e-6, 1 - f),
        capacityDayLive({ agents: agentsLoggedIn, dayMs: c.dayMs, meanHandleMs: this.talk.mean() + this.wrap.mean() }),
      ),
      dispersion: abandonDispersion(this.day.blocks(c.dispersionBlockMinutes)),
      breachShare: c.maxDayBreachShare,
    });
    this.marginCache = { minute, margin };
    return margin;
  }

  /**
   * The rolling rate of all live answers: false positives (f of them, all abandoned) plus the observed rate on the
   * other 1 - f, a young window pulled towards the pacing budget.
   */
  rollingAbandon(margin: DayMargin = this.margin()): number {
    const { live, abandoned } = this.abandons.counts();
    const k = this.config.windowPriorLive;
    const fp = this.config.amdFalsePositiveShare;
    return fp + (1 - fp) * ((abandoned + k * margin.pacingBudget) / (live + k));
  }

  decide(state: PacingState): PacingDecision {
    const c = this.config;
    const { mean: p, variance: pVar } = this.answers.posterior();
    const margin = this.margin(state.agentsLoggedIn);
    const rolling = this.rollingAbandon(margin);
    const calibration = this.calibration();
    const base = { liveRate: p, rollingAbandon: rolling, margin, calibration, expectedLive: 0, expectedAbandons: 0, allowedAbandons: 0 };
    if (state.agentsLoggedIn <= 0) return { ...base, launch: 0, mode: 'progressive', reason: 'no_agents', budget: 0 };
    const progressive = (reason: PacingDecision['reason']): PacingDecision => ({ ...base, launch: progressiveDialCount(state, c.linesPerAgent), mode: 'progressive', reason, budget: 0 });
    if (this.answers.attempts() < c.minAttempts || this.answers.lives() < c.minLiveAnswers) return progressive('too_little_data');

    if (margin.pacingBudget <= 1e-4) return progressive(margin.boundBy === 'amd_share' ? 'amd_share' : 'at_limit');
    // Budget for pacing-caused abandons: the day's, tightened as the window nears the limit (and loosened a little
    // while it runs below the aim, so a quiet morning is not wasted).
    const headroom = (c.abandonLimit - rolling) / Math.max(1e-6, c.abandonLimit - margin.aim);
    const budget = margin.pacingBudget * Math.min(1, headroom);
    if (budget <= 1e-4) return progressive('at_limit');

    const room = lineRoom(state, c.linesPerAgent);
    if (room === 0) return { ...base, launch: 0, mode: 'predictive', reason: 'line_cap', budget };

    // Horizon: when a call dialled now is typically a live person needing an agent.
    const horizon = this.answers.liveDelayQuantile(0.5) + c.graceMs;
    const wrapMedian = this.wrap.quantile(0.5);

    let liveMean = state.liveWaiting;
    let liveVar = 0;
    let lines = state.liveWaiting;
    const liveOdds: number[] = [];
    for (const call of state.callsInFlight) {
      const q = this.answers.liveGivenRinging(call.ringElapsedMs);
      liveOdds.push(q);
      liveMean += q;
      liveVar += q * (1 - q);
      lines += q / Math.max(p, 1e-6);
    }
    let freeMean = state.agentsAvailable;
    let freeVar = 0;
    const freeOdds: number[] = [];
    for (const agent of state.busyAgents) {
      const q = agent.phase === 'wrap' ? this.wrap.endsWithin(agent.elapsedMs, horizon) : this.talk.endsWithin(agent.elapsedMs, horizon - wrapMedian);
      freeOdds.push(q);
      freeMean += q;
      freeVar += q * (1 - q);
    }
    let exact: ExcessDistribution | undefined;
    if (liveVar + freeVar + room * p * (1 - p) <= EXACT_MAX_VARIANCE) {
      exact = new ExcessDistribution(state.liveWaiting - state.agentsAvailable);
      for (const q of liveOdds) exact.addLive(q);
      for (const q of freeOdds) exact.addFree(q);
    }

    // The model is held to the budget divided by how far the abandons it was allowed fell short of those that
    // happened: an integral correction of its bias, so the abandonment obtained is the one aimed at.
    const modelBudget = budget / calibration;
    let launch = 0;
    let expectedLive = liveMean;
    const start = exact ? exact.expectedPositive() : expectedPositivePart(liveMean - freeMean, Math.sqrt(liveVar + freeVar + lines * lines * pVar));
    let expectedAbandons = start;
    for (let n = 1; n <= room; n++) {
      const mu = liveMean + n * p;
      const sd = Math.sqrt(liveVar + freeVar + n * p * (1 - p) + (lines + n) * (lines + n) * pVar);
      const ab = exact ? exact.addLive(p).expectedPositive() : expectedPositivePart(mu - freeMean, sd);
      if (ab > modelBudget * mu) break;
      launch = n;
      expectedLive = mu;
      expectedAbandons = ab;
    }
    const allowedAbandons = modelBudget * launch * p;
    return { ...base, launch, mode: 'predictive', reason: launch === room ? 'line_cap' : 'predictive', budget, expectedLive, expectedAbandons, allowedAbandons };
  }
}
