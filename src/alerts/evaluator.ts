/**
 * The alert evaluator (pure): one rule, the figure seen at this tick, and what the rule remembered from the ticks
 * before, in; the next memory and at most one transition, out. No clock of its own: `now` is the tick's time, so
 * tests drive it with any sequence of times and values.
 *
 * An alert opens when the condition held for `for_sec`, stays the same alert (its worst value tracked) while it
 * holds, and closes when the figure was on the safe side of the clear threshold for `clear_for_sec` (README "KPI
 * alerts"). A tick without a figure (no calls in the window yet) neither opens nor holds an alert: it counts as clear.
 */
import type { AlertRule } from './rules';

/** The seasonal mean and standard deviation of a figure (anomaly rules), or why there is none. */
export type Baseline = { ok: true; mean: number; std: number; weeks: number } | { ok: false; reason: string };

export interface RuleMemory {
  /** Since when the condition holds (not yet open). */
  breachSince?: number;
  /** Since when an open alert's figure is back on the safe side. */
  clearSince?: number;
  open?: { openedAt: number; worst: number; last: number };
}

export type Transition =
  | { kind: 'open'; value: number; at: number }
  | { kind: 'worse'; value: number; at: number }
  | { kind: 'close'; value: number | null; at: number; openedAt: number; worst: number };

export interface Evaluation {
  memory: RuleMemory;
  transition?: Transition;
  /** Why the rule could not judge (anomaly without enough history). */
  note?: string;
}

/** The smallest standard deviation used: a flat history (every week the same) must not make any change anomalous. */
function floorStd(b: { mean: number; std: number }): number {
  return Math.max(b.std, Math.abs(b.mean) * 0.05, 1e-6);
}

/** Whether the figure is in alarm, and whether it is clear (the two differ in the hysteresis band). */
export function judge(rule: AlertRule, value: number, baseline?: Baseline): { breach: boolean; clear: boolean; note?: string } {
  const up = rule.direction === 'above';
  if (rule.kind === 'anomaly') {
    if (!baseline || !baseline.ok) return { breach: false, clear: true, note: baseline && !baseline.ok ? baseline.reason : 'no history' };
    const z = (value - baseline.mean) / floorStd(baseline);
    const dev = up ? z : -z;
    return { breach: dev > rule.sigmas, clear: dev <= rule.sigmas - 0.5 };
  }
  const t = rule.threshold!;
  const c = rule.clear_threshold ?? t;
  return up ? { breach: value > t, clear: value <= c } : { breach: value < t, clear: value >= c };
}

/** Worse of two values in the rule's direction. */
function worse(rule: AlertRule, a: number, b: number): number {
  return rule.direction === 'above' ? Math.max(a, b) : Math.min(a, b);
}

export function evaluate(rule: AlertRule, value: number | null, now: number, memory: RuleMemory, baseline?: Baseline): Evaluation {
  const j = value === null ? { breach: false, clear: true } : judge(rule, value, baseline);
  const note = 'note' in j ? j.note : undefined;
  const open = memory.open;
  if (!open) {
    if (!j.breach || value === null) return { memory: {}, ...(note ? { note } : {}) };
    const since = memory.breachSince ?? now;
    if (now - since < rule.for_sec * 1000) return { memory: { breachSince: since } };
    return { memory: { open: { openedAt: now, worst: value, last: value } }, transition: { kind: 'open', value, at: now } };
  }
  if (j.clear) {
    const since = memory.clearSince ?? now;
    if (now - since >= rule.clear_for_sec * 1000) {
      return { memory: {}, transition: { kind: 'close', value, at: now, openedAt: open.openedAt, worst: open.worst } };
    }
    return { memory: { open: { ...open, last: value ?? open.last }, clearSince: since } };
  }
  // Still in alarm, or in the hysteresis band: the alert stays open and the clear delay starts again.
  const v = value as number;
  const w = worse(rule, open.worst, v);
  const next: RuleMemory = { open: { openedAt: open.openedAt, worst: w, last: v } };
  return w !== open.worst ? { memory: next, transition: { kind: 'worse', value: w, at: now } } : { memory: next };
}

/** Mean and (population) standard deviation of the same hour of previous weeks; `counted` of them must have data. */
export function seasonalBaseline(samples: ReadonlyArray<number | null>, minWeeks: number): Baseline {
  const xs = samples.filter((x): x is number => x !== null && Number.isFinite(x));
  if (xs.length < minWeeks) return { ok: false, reason: `not enough history: ${xs.length} of ${minWeeks} previous weeks have calls at this hour` };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { ok: true, mean, std, weeks: xs.length };
}
