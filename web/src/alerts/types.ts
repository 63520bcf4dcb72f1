/** The alert API's shapes (src/api/routes/alerts.ts). */
export interface Alert {
  id: number;
  rule_id: number;
  rule_name: string;
  scope: string;
  metric: string;
  state: 'open' | 'closed';
  opened_at: string;
  closed_at: string | null;
  worst_value: number;
  last_value: number | null;
  acknowledged_by_name: string | null;
  acknowledged_at: string | null;
}

export interface AlertEvent {
  at: string;
  kind: string;
  value: number | null;
  actor_name: string | null;
}

export interface AlertRuleItem {
  id: number;
  name: string;
  enabled: boolean;
  rule: Record<string, unknown>;
  valid: boolean;
}

/** The WebSocket message the alert service pushes to supervisors and admins. */
export interface AlertMessage {
  type: 'alert';
  event: 'opened' | 'worse' | 'acknowledged' | 'closed';
  alert: Alert;
}

/** The metrics each scope kind accepts (src/alerts/rules.ts SCOPE_METRICS). */
export const METRICS = {
  queue: ['service_level', 'abandon_rate', 'asa_sec', 'longest_wait_sec', 'agents_ready', 'calls_offered'],
  team: ['service_level', 'abandon_rate', 'asa_sec', 'longest_wait_sec', 'agents_ready', 'calls_offered'],
  campaign: ['dialer_abandon_rate'],
  global: ['fs_nodes_down', 'cdr_backlog'],
} as const;
export type ScopeKind = keyof typeof METRICS;

/** Anomaly rules: the metrics with a call history, and the scopes that have one (src/alerts/rules.ts). */
export const SEASONAL_METRICS = ['calls_offered', 'abandon_rate', 'asa_sec'] as const;
export const SEASONAL_SCOPES: readonly ScopeKind[] = ['queue', 'team'];

/** A stored rule as the API returns it (defaults filled in); fields are optional since an invalid one may lack them. */
export interface RuleDefinition {
  name?: string;
  enabled?: boolean;
  scope?: { kind?: string; queue?: string; team?: string; campaign?: string };
  metric?: string;
  kind?: 'threshold' | 'anomaly';
  direction?: 'above' | 'below';
  threshold?: number;
  clear_threshold?: number;
  window_min?: number;
  for_sec?: number;
  clear_for_sec?: number;
  weeks?: number;
  min_weeks?: number;
  sigmas?: number;
}
