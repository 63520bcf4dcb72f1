/**
 * What a healthy demo run's summary must show (scripts/demo-check.ts runs it in CI): a steady service level once
 * the first minutes have filled the queues, no agent not ready longer than the length meant for it (a break, or the
 * time an agent takes to notice the ACD set it not ready), no stuck agent, calls answered, and the supervisor on at
 * least one call. Pure: the summary in, the failures out.
 */

/** The fields of the demo's JSON summary the check reads. */
export interface DemoSummaryForCheck {
  queue_calls: number;
  answered_by_agent: number;
  service_level_by_minute: Array<number | null>;
  longest_not_ready_s: number;
  longest_not_ready_planned_s: number;
  max_not_ready_overrun_s: number;
  stuck_agents: number;
  supervision_sessions: number;
  /** The follow-through around calls (issue 12): tickets filed, follow-up calls, survey answers, alerts opened. */
  tickets: number;
  followup_calls: number;
  csat_answers: number;
  alerts_opened: number;
}

/** The follow-through figures each demo run must show above 0. */
const FOLLOW_THROUGH = ['tickets', 'followup_calls', 'csat_answers', 'alerts_opened'] as const;

export interface DemoCheckThresholds {
  /** Whole minutes the summary must cover. */
  minutes: number;
  /** Minutes at the start left out of the service-level check (the queues fill). */
  warmupMinutes: number;
  /** Lowest service level of any minute after the warm-up. */
  minServiceLevel: number;
  /** How much longer than meant a not-ready spell may last (timer and event-loop lag). */
  notReadyMarginS: number;
}

export const DEFAULT_CHECK_THRESHOLDS: DemoCheckThresholds = { minutes: 10, warmupMinutes: 2, minServiceLevel: 0.8, notReadyMarginS: 2 };

export function checkDemoSummary(summary: DemoSummaryForCheck, t: DemoCheckThresholds = DEFAULT_CHECK_THRESHOLDS): string[] {
  const failures: string[] = [];
  const minutes = summary.service_level_by_minute ?? [];
  if (minutes.length < t.minutes) failures.push(`the summary covers ${minutes.length} whole minutes, not ${t.minutes}`);
  minutes.forEach((level, i) => {
    if (i < t.warmupMinutes) return;
    if (level === null) failures.push(`minute ${i + 1}: no queue call answered or abandoned`);
    else if (level < t.minServiceLevel) failures.push(`minute ${i + 1}: service level ${level} < ${t.minServiceLevel}`);
  });
  if (summary.max_not_ready_overrun_s > t.notReadyMarginS) {
    failures.push(
      `an agent stayed not ready ${summary.max_not_ready_overrun_s} s longer than meant (longest spell ${summary.longest_not_ready_s} s for a planned ${summary.longest_not_ready_planned_s} s; margin ${t.notReadyMarginS} s)`,
    );
  }
  if (summary.stuck_agents !== 0) failures.push(`${summary.stuck_agents} agents stuck reserved or on a call without a live leg`);
  if (!(summary.queue_calls > 0) || !(summary.answered_by_agent > 0)) failures.push(`no queue calls answered (queue_calls ${summary.queue_calls}, answered ${summary.answered_by_agent})`);
  if (!(summary.supervision_sessions >= 1)) failures.push('the supervisor listened to no call');
  for (const f of FOLLOW_THROUGH) if (!(summary[f] > 0)) failures.push(`${f} is ${summary[f]}: the demo's follow-through did not happen`);
  return failures;
}

/** The last line of the demo's stdout that is a JSON object (the summary), or null. */
export function lastJsonLine(stdout: string): Record<string, unknown> | null {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{') && l.endsWith('}'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const v: unknown = JSON.parse(lines[i]!);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // not the summary
    }
  }
  return null;
}
