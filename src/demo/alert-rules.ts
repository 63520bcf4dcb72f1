/**
 * The demo's KPI alert rules (README "KPI alerts"), added through the API as an admin would: a long wait on each
 * demo queue. Demo callers wait a few seconds now and then and the queues empty again, so within a 45-s run an alert
 * opens and closes at least once (`alerts_opened` in the demo's summary); the supervisor sees them on the console.
 */
import type { AlertRuleInput } from '../alerts/rules';

export const DEMO_ALERT_RULES: AlertRuleInput[] = ['sales', 'support'].map((queue) => ({
  name: `demo: ${queue} callers waiting over 2 s`,
  scope: { kind: 'queue', queue },
  metric: 'longest_wait_sec',
  direction: 'above',
  threshold: 2,
  clear_threshold: 0.5,
  for_sec: 0,
  clear_for_sec: 3,
}));

export async function addDemoAlertRules(baseUrl: string, adminToken: string): Promise<void> {
  for (const rule of DEMO_ALERT_RULES) {
    const res = await fetch(`${baseUrl}/api/v1/alerts/rules`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(rule) });
    if (!res.ok) throw new Error(`demo alert rule ${rule.name}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  }
}
