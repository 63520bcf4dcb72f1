/**
 * KPI alert rules (README "KPI alerts"): what is watched, where, and when an alert opens and closes.
 *
 * - threshold rules: the figure above (or below) `threshold`; the alert closes once it is back on the safe side of
 *   `clear_threshold` (default: the threshold itself) for `clear_for_sec`: the gap between the two thresholds and the
 *   clear delay are the hysteresis that keeps a figure hovering at the threshold from flapping.
 * - anomaly rules: the figure compared with the same weekday and hour of the previous `weeks` weeks (the seasonal
 *   mean and standard deviation from the call history); it opens beyond `sigmas` standard deviations (in the rule's
 *   direction) and clears inside `sigmas - 0.5`.
 * Both open only after the condition held for `for_sec` (0: at the first tick that sees it).
 */
import { z } from 'zod';

/** Figures of one queue (scope queue) over the last `window_min` minutes or now. */
export const QUEUE_METRICS = ['service_level', 'abandon_rate', 'asa_sec', 'longest_wait_sec', 'agents_ready', 'calls_offered'] as const;
/** Figures of one campaign (scope campaign). */
export const CAMPAIGN_METRICS = ['dialer_abandon_rate'] as const;
/** Figures of the whole service (scope global). */
export const GLOBAL_METRICS = ['fs_nodes_down', 'cdr_backlog'] as const;
/**
 * Figures of one agent group (scope team). A team is not a queue: its figures are those of the team's agents and of
 * the team's queues, i.e. the queues at least one enabled agent of the team serves in the ACD configuration now
 * (src/alerts/figures.ts teamFigure). agents_ready counts the team's agents available now; the call figures pool the
 * calls of the team's queues (each answered call judged against its own queue's serviceLevelSec); longest_wait_sec is
 * the longest wait in any of them. Campaign and service-wide figures have no team: they are refused.
 */
export const TEAM_METRICS = ['service_level', 'abandon_rate', 'asa_sec', 'longest_wait_sec', 'agents_ready', 'calls_offered'] as const;
/** Figures an anomaly rule can compare with the history (acd_queue_calls): of a queue, or pooled over a team's queues. */
export const SEASONAL_METRICS = ['calls_offered', 'abandon_rate', 'asa_sec'] as const;
/** The scopes an anomaly rule can have: the history is per queue (a team's is that of its queues). */
export const SEASONAL_SCOPES = ['queue', 'team'] as const;

export type QueueMetric = (typeof QUEUE_METRICS)[number];
export type CampaignMetric = (typeof CAMPAIGN_METRICS)[number];
export type GlobalMetric = (typeof GLOBAL_METRICS)[number];
export type TeamMetric = (typeof TEAM_METRICS)[number];
export type AlertMetric = QueueMetric | CampaignMetric | GlobalMetric;
export const ALERT_METRICS = [...QUEUE_METRICS, ...CAMPAIGN_METRICS, ...GLOBAL_METRICS] as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const alertScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('queue'), queue: z.string().regex(NAME, 'must be a queue name') }),
  z.strictObject({ kind: z.literal('campaign'), campaign: z.string().min(1).max(128) }),
  z.strictObject({ kind: z.literal('global') }),
  /** An agent group: the `teams` of the ACD agents (the same names supervisors are given). */
  z.strictObject({ kind: z.literal('team'), team: z.string().regex(NAME, 'must be a team name (letters, digits, _ . -, at most 64)') }),
]);
export type AlertScope = z.infer<typeof alertScopeSchema>;
export type AlertScopeKind = AlertScope['kind'];

/** Which metrics each scope kind can compute (the console's form offers the same lists). */
export const SCOPE_METRICS: Record<AlertScopeKind, readonly AlertMetric[]> = {
  queue: QUEUE_METRICS,
  team: TEAM_METRICS,
  campaign: CAMPAIGN_METRICS,
  global: GLOBAL_METRICS,
};

/** The scope kinds that compute `metric`, e.g. ['queue', 'team'] for service_level. */
export function scopesOf(metric: AlertMetric): AlertScopeKind[] {
  return (Object.keys(SCOPE_METRICS) as AlertScopeKind[]).filter((k) => SCOPE_METRICS[k].includes(metric));
}

export const alertRuleSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(128),
    enabled: z.boolean().default(true),
    scope: alertScopeSchema,
    metric: z.enum(ALERT_METRICS),
    kind: z.enum(['threshold', 'anomaly']).default('threshold'),
    /** above: the figure going up is bad (abandon rate, waits); below: going down is (service level, agents ready). */
    direction: z.enum(['above', 'below']),
    threshold: z.number().finite().optional(),
    clear_threshold: z.number().finite().optional(),
    /** Minutes of recent calls the windowed figures (service_level, abandon_rate, asa_sec, calls_offered) cover. */
    window_min: z.number().int().min(1).max(24 * 60).default(15),
    for_sec: z.number().int().min(0).max(24 * 3600).default(0),
    clear_for_sec: z.number().int().min(0).max(24 * 3600).default(60),
    /** Anomaly rules: how many previous weeks, how many of them must have calls, and how far out is anomalous. */
    weeks: z.number().int().min(2).max(52).default(4),
    min_weeks: z.number().int().min(2).max(52).default(3),
    sigmas: z.number().min(1).max(10).default(3),
  })
  .superRefine((r, ctx) => {
    const want = scopesOf(r.metric);
    if (!want.includes(r.scope.kind)) {
      const kinds = want.map((k) => `{"kind":"${k}"...}`).join(' or ');
      ctx.addIssue({ code: 'custom', path: ['scope'], message: `${r.metric} is a ${want.join('/')} figure, not one of a ${r.scope.kind}: the scope must be ${kinds}; a ${r.scope.kind} scope computes ${SCOPE_METRICS[r.scope.kind].join(', ')}` });
    }
    if (r.kind === 'threshold') {
      if (r.threshold === undefined) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'a threshold rule needs a threshold' });
      else if (r.clear_threshold !== undefined && (r.direction === 'above' ? r.clear_threshold > r.threshold : r.clear_threshold < r.threshold)) {
        ctx.addIssue({ code: 'custom', path: ['clear_threshold'], message: `must be on the safe side of the threshold (${r.direction === 'above' ? 'at or below' : 'at or above'} ${r.threshold})` });
      }
    } else {
      if (!(SEASONAL_METRICS as readonly string[]).includes(r.metric)) ctx.addIssue({ code: 'custom', path: ['metric'], message: `anomaly rules compare ${SEASONAL_METRICS.join(', ')} with the history` });
      if (!(SEASONAL_SCOPES as readonly string[]).includes(r.scope.kind)) {
        ctx.addIssue({ code: 'custom', path: ['scope'], message: `anomaly rules watch a queue or a team (the call history is per queue), not a ${r.scope.kind}` });
      }
      if (r.min_weeks > r.weeks) ctx.addIssue({ code: 'custom', path: ['min_weeks'], message: 'must be at most weeks' });
    }
  });
export type AlertRule = z.output<typeof alertRuleSchema>;
export type AlertRuleInput = z.input<typeof alertRuleSchema>;

/** A scope as one string (stored on alerts, shown to supervisors): `queue:support`, `team:blue`, `campaign:renewals`, `global`. */
export function scopeKey(scope: AlertScope): string {
  switch (scope.kind) {
    case 'global':
      return 'global';
    case 'queue':
      return `queue:${scope.queue}`;
    case 'team':
      return `team:${scope.team}`;
    case 'campaign':
      return `campaign:${scope.campaign}`;
  }
}

/** The team of a stored scope key (`team:blue` -> blue), null for the other scopes (who sees an alert depends on it). */
export function teamOfScopeKey(key: string): string | null {
  return key.startsWith('team:') ? key.slice('team:'.length) : null;
}
