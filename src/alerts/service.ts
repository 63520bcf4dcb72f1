/**
 * KPI alerts on the active instance: every ALERT_TICK_MS the enabled rules are judged (src/alerts/evaluator.ts) on
 * the live figures (./figures.ts) and, for anomaly rules, the same hour of previous weeks from acd_queue_calls.
 * Each transition is stored (alerts, alert_events), pushed to supervisors over the WebSocket (`{type: "alert"}`; a
 * team-scoped alert only to the supervisors of that team and to admins, src/alerts/visibility.ts) and
 * sent as a webhook (alert.opened / alert.closed / alert.acknowledged) in the same transaction as its row.
 * Open alerts are read back at start, so a restart or a failover continues them instead of opening them again.
 */
import type { DataSource } from 'typeorm';
import type { Clock, ClockTimer } from '../clock/clock';
import { sqlDateTime } from '../db/entities/columns';
import { AlertEventSchema, AlertRuleSchema, AlertSchema, type AlertEventKind, type AlertEventRow, type AlertRow, type AlertRuleRow } from '../db/entities/alerts';
import type { Logger } from '../log/logger';
import { enqueueWebhook, notifyWebhooksEnqueued } from '../webhooks/outbox';
import { evaluate, seasonalBaseline, type Baseline, type RuleMemory, type Transition } from './evaluator';
import { liveFigure, QueueWindows, teamQueues, type AlertLiveSources } from './figures';
import { alertRuleSchema, scopeKey, teamOfScopeKey, type AlertRule } from './rules';

const WEEK = 7 * 24 * 3_600_000;
/** How long a seasonal baseline is reused (the history of past weeks does not change within minutes). */
const BASELINE_TTL_MS = 5 * 60_000;

export interface AlertServiceOptions {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  tickMs: number;
  sources: AlertLiveSources;
  /**
   * Pushes a message to the supervisors' WebSockets. `audience.team`: the alert is a team's, for that team's
   * supervisors (and admins) only; null: for every supervisor and admin.
   */
  publish(message: { type: 'alert' } & Record<string, unknown>, audience: { team: string | null }): void;
}

interface LoadedRule {
  row: AlertRuleRow;
  rule: AlertRule;
}

export function parseRule(row: AlertRuleRow): AlertRule | undefined {
  try {
    const r = alertRuleSchema.safeParse(JSON.parse(row.definition));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function alertView(a: AlertRow) {
  return {
    id: a.id,
    rule_id: a.rule_id,
    rule_name: a.rule_name,
    scope: a.scope,
    metric: a.metric,
    state: a.state,
    opened_at: a.opened_at.toISOString(),
    closed_at: a.closed_at ? a.closed_at.toISOString() : null,
    worst_value: a.worst_value,
    last_value: a.last_value,
    acknowledged_by: a.acknowledged_by,
    acknowledged_by_name: a.acknowledged_by_name,
    acknowledged_at: a.acknowledged_at ? a.acknowledged_at.toISOString() : null,
  };
}

export class AlertAckError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'AlertAckError';
  }
}

export class AlertService {
  readonly windows = new QueueWindows();
  private rules: LoadedRule[] = [];
  private readonly memory = new Map<number, RuleMemory>();
  /** Open alert row id per rule. */
  private readonly openIds = new Map<number, number>();
  private readonly baselines = new Map<number, { at: number; baseline: Baseline }>();
  private timer?: ClockTimer;
  private running = false;
  /** The evaluation in progress: a tick asked for meanwhile waits for it instead of running a second one. */
  private current?: Promise<void>;
  private ticks = 0;

  constructor(private readonly o: AlertServiceOptions) {}

  /** For the API where no evaluator runs here (tests, tools): acknowledgements only, pushed nowhere. */
  static forAcknowledgements(dataSource: DataSource, clock: Clock, logger: Logger): AlertService {
    const none = { queues: () => [], serviceLevelSec: () => undefined, teamAgents: () => [], campaignAbandonRate: () => null, nodesDown: () => 0, cdrBacklog: () => 0 };
    return new AlertService({ dataSource, clock, logger, tickMs: 60_000, sources: none, publish: () => undefined });
  }

  /** Loads the rules and the open alerts, then ticks until stop(). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.reloadRules();
    const open = await this.o.dataSource.getRepository<AlertRow>(AlertSchema).findBy({ state: 'open' });
    for (const a of open) {
      this.openIds.set(a.rule_id, a.id);
      this.memory.set(a.rule_id, { open: { openedAt: a.opened_at.getTime(), worst: a.worst_value, last: a.last_value ?? a.worst_value } });
    }
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Re-reads the rules (after an API change); a deleted or disabled rule's open alert closes at the next tick. */
  async reloadRules(): Promise<void> {
    const rows = await this.o.dataSource.getRepository<AlertRuleRow>(AlertRuleSchema).find({ order: { id: 'ASC' } });
    this.rules = [];
    for (const row of rows) {
      const rule = parseRule(row);
      if (rule) this.rules.push({ row, rule });
      else this.o.logger.warn('alert rule does not parse; skipped', { rule: row.id, name: row.name });
    }
    this.windows.keep(Math.max(0, ...this.rules.map((r) => r.rule.window_min * 60_000)));
    for (const id of [...this.baselines.keys()]) this.baselines.delete(id);
  }

  stats(): { rules: number; open: number; ticks: number } {
    return { rules: this.rules.length, open: this.openIds.size, ticks: this.ticks };
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.o.clock.setTimeout(() => {
      void this.tick()
        .catch((err: unknown) => this.o.logger.error('alert tick failed', { error: (err as Error).message }))
        .finally(() => this.schedule());
    }, this.o.tickMs);
  }

  /** One evaluation of every rule (public for tests and the bench); joins the one in progress, if any. */
  tick(): Promise<void> {
    this.current ??= this.evaluateAll().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async evaluateAll(): Promise<void> {
    const now = this.o.clock.now();
    this.ticks++;
    this.windows.prune(now);
    const live = new Set<number>();
    for (const { row, rule } of this.rules) {
      if (!row.enabled || !rule.enabled) continue;
      live.add(row.id);
      const value = liveFigure(rule.metric, rule.scope, rule.window_min, now, this.o.sources, this.windows);
      const baseline = rule.kind === 'anomaly' ? await this.baseline(row.id, rule, now) : undefined;
      const ev = evaluate(rule, value, now, this.memory.get(row.id) ?? {}, baseline);
      this.memory.set(row.id, ev.memory);
      if (ev.transition) await this.apply(row, rule, ev.transition);
    }
    // Rules deleted or disabled while their alert was open: the alert closes.
    for (const [ruleId, alertId] of [...this.openIds]) {
      if (live.has(ruleId)) continue;
      this.memory.delete(ruleId);
      this.openIds.delete(ruleId);
      await this.record(alertId, 'closed', null, null, { state: 'closed', closed_at: new Date(now) });
    }
  }

  private async apply(row: AlertRuleRow, rule: AlertRule, t: Transition): Promise<void> {
    const at = new Date(t.at);
    if (t.kind === 'open') {
      const alert = await this.o.dataSource.getRepository<AlertRow>(AlertSchema).save({
        rule_id: row.id,
        rule_name: row.name,
        scope: scopeKey(rule.scope),
        metric: rule.metric,
        state: 'open',
        opened_at: at,
        closed_at: null,
        worst_value: t.value,
        last_value: t.value,
        acknowledged_by: null,
        acknowledged_by_name: null,
        acknowledged_at: null,
      } as AlertRow);
      this.openIds.set(row.id, alert.id);
      await this.record(alert.id, 'opened', t.value, null, {});
      this.o.logger.warn('KPI alert opened', { rule: row.name, scope: alert.scope, metric: rule.metric, value: t.value });
      return;
    }
    const alertId = this.openIds.get(row.id);
    if (alertId === undefined) return;
    if (t.kind === 'worse') {
      await this.record(alertId, 'worse', t.value, null, { worst_value: t.value, last_value: t.value });
      return;
    }
    this.openIds.delete(row.id);
    await this.record(alertId, 'closed', t.value, null, { state: 'closed', closed_at: at, last_value: t.value });
    this.o.logger.info('KPI alert closed', { rule: row.name, value: t.value });
  }

  /** Acknowledges an alert (once): stored, on its timeline, pushed and sent. */
  async acknowledge(id: number, actor: { userId: number | null; name: string }): Promise<AlertRow> {
    const repo = this.o.dataSource.getRepository<AlertRow>(AlertSchema);
    const a = await repo.findOneBy({ id });
    if (!a) throw new AlertAckError('not_found', `alert ${id} does not exist`);
    if (a.acknowledged_at) throw new AlertAckError('conflict', `alert ${id} was acknowledged by ${a.acknowledged_by_name ?? 'someone'} at ${a.acknowledged_at.toISOString()}`);
    return this.record(id, 'acknowledged', null, actor.name, { acknowledged_by: actor.userId, acknowledged_by_name: actor.name, acknowledged_at: new Date(this.o.clock.now()) });
  }

  /** Updates the alert, adds the timeline event and (opened, closed, acknowledged) the webhook, in one transaction. */
  private async record(alertId: number, kind: AlertEventKind, value: number | null, actor: string | null, change: Partial<AlertRow>): Promise<AlertRow> {
    const at = new Date(this.o.clock.now());
    const { alert, enqueued } = await this.o.dataSource.transaction(async (m) => {
      const repo = m.getRepository<AlertRow>(AlertSchema);
      if (Object.keys(change).length) await repo.update({ id: alertId }, change);
      await m.getRepository<AlertEventRow>(AlertEventSchema).insert({ alert_id: alertId, at, kind, value, actor_name: actor });
      const alert = (await repo.findOneBy({ id: alertId }))!;
      const enqueued = kind === 'worse' ? 0 : (await enqueueWebhook(m, `alert.${kind}`, { alert: alertView(alert) }, at)).length;
      return { alert, enqueued };
    });
    if (enqueued) notifyWebhooksEnqueued(this.o.dataSource);
    this.o.publish({ type: 'alert', event: kind, alert: alertView(alert) }, { team: teamOfScopeKey(alert.scope) });
    return alert;
  }

  /**
   * The seasonal mean of the rule's figure at this weekday and hour, cached for a few minutes: the queue's history,
   * or for a team the history of the team's queues (as served now) pooled, as the live figure is.
   */
  private async baseline(ruleId: number, rule: AlertRule, now: number): Promise<Baseline> {
    const cached = this.baselines.get(ruleId);
    if (cached && now - cached.at < BASELINE_TTL_MS) return cached.baseline;
    const queues = rule.scope.kind === 'queue' ? [rule.scope.queue] : rule.scope.kind === 'team' ? teamQueues(rule.scope.team, this.o.sources) : [];
    if (queues.length === 0) {
      // Not cached: the team may get agents at any moment.
      return { ok: false, reason: rule.scope.kind === 'team' ? `team ${rule.scope.team} has no enabled agent serving a queue` : 'anomaly rules watch a queue or a team' };
    }
    const inList = queues.map(() => '?').join(', ');
    const windowMs = rule.window_min * 60_000;
    const samples: Array<number | null> = [];
    for (let k = 1; k <= rule.weeks; k++) {
      const to = now - k * WEEK;
      const [r] = (await this.o.dataSource.query(
        `SELECT COUNT(*) AS offered,
                SUM(CASE WHEN outcome = 'abandoned' THEN 1 ELSE 0 END) AS abandoned,
                SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END) AS answered,
                AVG(CASE WHEN outcome = 'answered' THEN wait_ms END) AS asa_ms
           FROM acd_queue_calls WHERE queue IN (${inList}) AND entered_at >= ? AND entered_at < ?`,
        [...queues, sqlDateTime(to - windowMs), sqlDateTime(to)],
      )) as Array<{ offered: number | string; abandoned: number | string | null; answered: number | string | null; asa_ms: number | string | null }>;
      const offered = Number(r?.offered ?? 0);
      const abandoned = Number(r?.abandoned ?? 0);
      const answered = Number(r?.answered ?? 0);
      if (offered === 0) samples.push(null);
      else if (rule.metric === 'calls_offered') samples.push(offered);
      else if (rule.metric === 'abandon_rate') samples.push(answered + abandoned ? abandoned / (answered + abandoned) : null);
      else samples.push(r?.asa_ms === null || r?.asa_ms === undefined ? null : Number(r.asa_ms) / 1000);
    }
    const baseline = seasonalBaseline(samples, rule.min_weeks);
    this.baselines.set(ruleId, { at: now, baseline });
    return baseline;
  }
}
