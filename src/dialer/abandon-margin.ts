/**
 * How far below the 3% limit a day's abandonment must be aimed so that a day rarely ends above it (issue 13).
 * Pure functions of values the pacer measures live; nothing here knows the traffic model.
 *
 * A day's abandonment is R = (F + A) / N over the day's N live answers: F AMD false positives (binomial, the share f
 * from the campaign's AMD audit; the dialer cannot see them, it hears a machine) and A abandons caused by pacing,
 * which come in bursts (several people answer while every agent is busy), so their variance is `dispersion` times
 * their mean rather than binomial. With the aim T = E[R], the normal bound
 *
 *     T + z * sqrt((f (1 - f) + dispersion (T - f)) / N) <= limit,     z = Phi^-1(1 - breachShare)
 *
 * keeps P(day > limit) near `breachShare`. A small team (N of a few hundred) gets a wide margin, a large one a thin
 * one. When f alone breaks the bound, no pacing helps: the aim is f and the pacer dials progressive.
 */
import { normalQuantile } from './duration-model';

export interface DayMarginInput {
  /** The legal limit on abandoned / live answers (0.03). */
  limit: number;
  /** The campaign's own aim for a large team (abandon_target), scaled into what AMD false positives leave. */
  target: number;
  /** Share of live answers AMD hangs up on as machines: abandoned whatever the pacing. */
  amdFalsePositiveShare: number;
  /** Expected live answers in a day (false positives included). */
  dayLive: number;
  /** Variance of pacing abandons over their mean (1 = binomial); see `abandonDispersion`. */
  dispersion: number;
  /** Accepted share of days above the limit (0.05). */
  breachShare: number;
}

export interface DayMargin {
  /** Expected total abandonment aimed at (false positives included). */
  aim: number;
  /** Pacing abandons allowed per live answer the dialer sees (false positives are not seen as live). */
  pacingBudget: number;
  /** Which bound set the aim: the day's noise, the campaign's target, or false positives alone (no room). */
  boundBy: 'day_noise' | 'target' | 'amd_share';
}

/**
 * The largest pacing share x = T - f with x + z sqrt((c + d x) / N) <= L - f, c = f (1 - f): the smaller root of
 * (L' - x)^2 = k (c + d x), k = z^2 / N, L' = L - f (the left side falls and the right rises in x on [0, L']).
 */
export function noiseBoundedPacingShare(limit: number, f: number, dayLive: number, dispersion: number, z: number): number {
  const room = limit - f;
  if (room <= 0 || dayLive <= 0) return 0;
  const k = (z * z) / dayLive;
  const c = f * (1 - f);
  const d = Math.max(1, dispersion);
  const b = 2 * room + k * d;
  const disc = b * b - 4 * (room * room - k * c);
  const x = (b - Math.sqrt(Math.max(0, disc))) / 2;
  // room^2 < k c: the false positives' own spread already crosses the limit too often.
  return room * room - k * c <= 0 ? 0 : Math.max(0, Math.min(room, x));
}

export function dayMargin(input: DayMarginInput): DayMargin {
  const { limit, target, dayLive, dispersion, breachShare } = input;
  const f = Math.min(Math.max(0, input.amdFalsePositiveShare), limit);
  const z = normalQuantile(1 - breachShare);
  const noise = noiseBoundedPacingShare(limit, f, dayLive, dispersion, z);
  // The campaign's target says how much of the limit it is willing to use; with false positives it applies to what
  // they leave, so a 2% false-positive share still leaves the pacer a third of the remaining 1%, not nothing.
  const aimed = (limit - f) * Math.min(1, Math.max(0, target / limit));
  const share = Math.min(noise, aimed);
  const boundBy = noise <= 1e-6 && f > 0 ? 'amd_share' : noise < aimed ? 'day_noise' : 'target';
  return { aim: f + share, pacingBudget: share / Math.max(1e-9, 1 - f), boundBy };
}

export interface AbandonBlock {
  live: number;
  abandoned: number;
}

/**
 * Dispersion of pacing abandons across time blocks (e.g. 10 minutes): Pearson's chi-square over its degrees of
 * freedom against a common binomial rate, shrunk towards `prior` worth `priorBlocks` blocks, never below 1. It is
 * above 1 because abandons cluster when every agent is busy; the day's variance is taken as that many times binomial.
 */
export function abandonDispersion(blocks: readonly AbandonBlock[], prior = 2, priorBlocks = 24): number {
  const used = blocks.filter((b) => b.live > 0);
  const live = used.reduce((s, b) => s + b.live, 0);
  const abandoned = used.reduce((s, b) => s + b.abandoned, 0);
  if (used.length < 2 || abandoned === 0 || abandoned === live) return Math.max(1, prior);
  const r = abandoned / live;
  let chi2 = 0;
  for (const b of used) chi2 += (b.abandoned - r * b.live) ** 2 / (r * (1 - r) * b.live);
  return Math.max(1, (chi2 + prior * priorBlocks) / (used.length - 1 + priorBlocks));
}

/**
 * Expected live answers in a day. When the last 24 h hold a full day of history (the oldest answer in them is
 * `fullDayMs` old or more), their count is that day, whatever the campaign's hours; before (a first day, a return
 * after a pause), the rate over the span seen extrapolated to `dayMs` of dialling, the span at least `minSpanMs` so
 * the first minutes do not extrapolate from a handful of calls.
 */
export function expectedDayLive(input: { liveLast24h: number; spanMs: number; dayMs: number; fullDayMs?: number; minSpanMs?: number }): number {
  if (input.spanMs >= (input.fullDayMs ?? 23 * 3600 * 1000)) return input.liveLast24h;
  const span = Math.max(input.spanMs, input.minSpanMs ?? 30 * 60000);
  return Math.max(input.liveLast24h, (input.liveLast24h * input.dayMs) / span);
}

/**
 * The live answers a day would bring to busy agents: logged-in agents x the day / the mean handling time, at
 * `occupancy` (0.75, about what progressive dialling reaches in the base case). A pacer that is progressive because
 * the day looked small (a 2% false-positive share on a 650-answer progressive day) would otherwise never see the day
 * that pacing would bring, and stay progressive.
 */
export function capacityDayLive(input: { agents: number; dayMs: number; meanHandleMs: number; occupancy?: number }): number {
  if (input.agents <= 0 || input.meanHandleMs <= 0) return 0;
  return (input.agents * input.dayMs * (input.occupancy ?? 0.75)) / input.meanHandleMs;
}
