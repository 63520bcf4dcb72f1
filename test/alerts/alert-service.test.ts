import type { AgentState, QueueSnapshot } from '../../src/acd/contract';
import { AlertService } from '../../src/alerts/service';
import type { AlertLiveSources } from '../../src/alerts/figures';
import type { AlertRuleInput } from '../../src/alerts/rules';
import { alertRuleSchema } from '../../src/alerts/rules';
import { VirtualClock } from '../../src/clock/clock';
import { AlertEventSchema, AlertRuleSchema, AlertSchema, type AlertEventRow, type AlertRow, type AlertRuleRow } from '../../src/db/entities/alerts';
import { AcdQueueCallSchema, type AcdQueueCallRow } from '../../src/db/entities/acd-history';
import { WebhookDeliverySchema, WebhookEndpointSchema, type WebhookDeliveryRow, type WebhookEndpointRow } from '../../src/db/entities/webhooks';
import { silentLogger } from '../../src/log/logger';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

/**
 * The alert service on SQLite and MariaDB with a virtual clock: ticks judge the rules on live figures, transitions are
 * stored with their timeline, pushed and sent as webhooks; a restart continues an open alert; acknowledging is once.
 */
describeEachEngine('KPI alert service', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());

  const snapshot = (queue: string, longestWaitMs: number, available: number): QueueSnapshot => ({
    queue,
    waiting: longestWaitMs ? 1 : 0,
    longestWaitMs,
    serviceLevel: null,
    abandonRate: null,
    agents: { logged_out: 0, available, reserved: 0, on_call: 0, wrap_up: 0, not_ready: 0 } as QueueSnapshot['agents'],
    ewtSec: null,
  });

  async function setup(rules: AlertRuleInput[]) {
    await db.ds.getRepository(AlertEventSchema).createQueryBuilder().delete().execute();
    await db.ds.getRepository(AlertSchema).createQueryBuilder().delete().execute();
    await db.ds.getRepository(AlertRuleSchema).createQueryBuilder().delete().execute();
    await db.ds.getRepository(WebhookDeliverySchema).createQueryBuilder().delete().execute();
    await db.ds.getRepository(WebhookEndpointSchema).createQueryBuilder().delete().execute();
    const clock = new VirtualClock(Date.UTC(2026, 5, 1, 12));
    const at = new Date(clock.now());
    for (const r of rules) {
      const rule = alertRuleSchema.parse(r);
      await db.ds.getRepository<AlertRuleRow>(AlertRuleSchema).save({ name: rule.name, enabled: true, definition: JSON.stringify(rule), created_at: at, updated_at: at } as AlertRuleRow);
    }
    await db.ds.getRepository<WebhookEndpointRow>(WebhookEndpointSchema).save({ url: 'http://127.0.0.1:9/', secret: 's', events: JSON.stringify(['alert.opened', 'alert.closed', 'alert.acknowledged']), active: true, description: null, created_at: at, updated_at: at } as WebhookEndpointRow);
    const live = { wait: 0, ready: 3, blue: [] as Array<{ state: AgentState | undefined; queues: string[] }> };
    const sources: AlertLiveSources = {
      queues: () => [snapshot('support', live.wait, live.ready), snapshot('sales', 0, 0), snapshot('billing', 0, 0)],
      serviceLevelSec: (q) => (['support', 'sales', 'billing'].includes(q) ? 20 : undefined),
      teamAgents: (t) => (t === 'blue' ? live.blue : []),
      campaignAbandonRate: () => null,
      nodesDown: () => 0,
      cdrBacklog: () => 0,
    };
    const pushed: Array<Record<string, unknown>> = [];
    const audiences: Array<string | null> = [];
    const publish = (m: Record<string, unknown>, audience: { team: string | null }) => {
      pushed.push(m);
      audiences.push(audience.team);
    };
    const make = () => new AlertService({ dataSource: db.ds, clock, logger: silentLogger, tickMs: 5000, sources, publish });
    return { clock, live, pushed, audiences, make };
  }

  it('opens once while the wait is long, closes with hysteresis, keeps the timeline, pushes and sends webhooks', async () => {
    const { clock, live, pushed, make } = await setup([
      { name: 'long wait', scope: { kind: 'queue', queue: 'support' }, metric: 'longest_wait_sec', direction: 'above', threshold: 60, clear_threshold: 30, for_sec: 10, clear_for_sec: 15 },
    ]);
    const svc = make();
    await svc.start();
    const step = async (waitSec: number) => {
      live.wait = waitSec * 1000;
      clock.advance(5000);
      await svc.tick();
    };
    for (const w of [10, 70, 75, 80]) await step(w); // above 60 from t=10 s: opens at the tick 10 s later
    let alerts = await db.ds.getRepository<AlertRow>(AlertSchema).find();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'open', scope: 'queue:support', metric: 'longest_wait_sec', worst_value: 80 });
    for (const w of [50, 40, 61, 20, 20, 20, 20]) await step(w); // 50/40 in the band; 61 in alarm; then clear for 15 s
    alerts = await db.ds.getRepository<AlertRow>(AlertSchema).find();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'closed', worst_value: 80, last_value: 20 });
    const events = await db.ds.getRepository<AlertEventRow>(AlertEventSchema).find({ order: { id: 'ASC' } });
    expect(events.map((e) => e.kind)).toEqual(['opened', 'closed']);
    expect(pushed.map((m) => [m.type, m.event])).toEqual([
      ['alert', 'opened'],
      ['alert', 'closed'],
    ]);
    const hooks = await db.ds.getRepository<WebhookDeliveryRow>(WebhookDeliverySchema).find({ order: { id: 'ASC' } });
    expect(hooks.map((h) => h.event)).toEqual(['alert.opened', 'alert.closed']);
    svc.stop();
  });

  it('a restart continues the open alert; acknowledging is stored once and a second time is refused', async () => {
    const { clock, live, make } = await setup([{ name: 'few ready', scope: { kind: 'queue', queue: 'support' }, metric: 'agents_ready', direction: 'below', threshold: 2, for_sec: 0, clear_for_sec: 0 }]);
    live.ready = 1;
    const first = make();
    await first.start();
    await first.tick();
    first.stop();
    const second = make();
    await second.start();
    clock.advance(5000);
    await second.tick();
    expect(await db.ds.getRepository<AlertRow>(AlertSchema).count()).toBe(1);
    const [open] = await db.ds.getRepository<AlertRow>(AlertSchema).find();
    const acked = await second.acknowledge(open!.id, { userId: 7, name: 'sup1' });
    expect(acked).toMatchObject({ acknowledged_by: 7, acknowledged_by_name: 'sup1', state: 'open' });
    await expect(second.acknowledge(open!.id, { userId: 8, name: 'sup2' })).rejects.toMatchObject({ kind: 'conflict' });
    await expect(second.acknowledge(999_999, { userId: 8, name: 'sup2' })).rejects.toMatchObject({ kind: 'not_found' });
    live.ready = 3;
    clock.advance(5000);
    await second.tick();
    const events = await db.ds.getRepository<AlertEventRow>(AlertEventSchema).find({ order: { id: 'ASC' } });
    expect(events.map((e) => [e.kind, e.actor_name])).toEqual([
      ['opened', null],
      ['acknowledged', 'sup1'],
      ['closed', null],
    ]);
    second.stop();
  });

  it('window figures come from the ACD effects; an anomaly rule reads the same hour of previous weeks', async () => {
    const { clock, make } = await setup([
      { name: 'surge', scope: { kind: 'queue', queue: 'support' }, metric: 'calls_offered', kind: 'anomaly', direction: 'above', window_min: 60, for_sec: 0, clear_for_sec: 0 },
      { name: 'abandons', scope: { kind: 'queue', queue: 'support' }, metric: 'abandon_rate', direction: 'above', threshold: 0.3, window_min: 15, for_sec: 0, clear_for_sec: 0 },
    ]);
    // Four previous weeks with 10, 12, 8, 10 calls in the hour before now.
    const calls: AcdQueueCallRow[] = [];
    [10, 12, 8, 10].forEach((n, i) => {
      for (let c = 0; c < n; c++) {
        const entered = new Date(clock.now() - (i + 1) * 7 * 86_400_000 - (c + 1) * 60_000);
        calls.push({ id: `w${i}-${c}-${engine.name}`, fs_node: 'n', queue: 'support', priority: 0, caller_number: '+1', caller_name: null, entered_at: entered, offered_count: 1, answered_at: entered, ended_at: entered, agent_id: 1, wait_ms: 1000, talk_ms: 1000, outcome: 'answered', overflow_target: null, disposition: null, notes: null, data: null });
      }
    });
    await db.ds.getRepository<AcdQueueCallRow>(AcdQueueCallSchema).save(calls);
    const svc = make();
    await svc.start();
    // Now 30 calls enter in the last hour, 2 of 4 handled ones abandoned.
    for (let c = 0; c < 30; c++) svc.windows.onEffect({ kind: 'call_state', callId: `n${c}`, queue: 'support', state: 'waiting', at: clock.now() - c * 60_000 });
    for (const [i, outcome] of (['answered', 'abandoned', 'answered', 'abandoned'] as const).entries()) {
      svc.windows.onEffect({ kind: 'call_state', callId: `n${i}`, queue: 'support', state: 'ended', outcome, waitMs: 4000, at: clock.now() - i * 1000 });
    }
    await svc.tick();
    const open = await db.ds.getRepository<AlertRow>(AlertSchema).find({ order: { id: 'ASC' } });
    expect(open.map((a) => [a.rule_name, a.worst_value])).toEqual([
      ['surge', 30],
      ['abandons', 0.5],
    ]);
    svc.stop();
  });

  it('team rules: agents ready of the team, an anomaly on the pooled history of its queues; pushed for the team only', async () => {
    const { clock, live, audiences, make } = await setup([
      { name: 'blue ready', scope: { kind: 'team', team: 'blue' }, metric: 'agents_ready', direction: 'below', threshold: 2, for_sec: 0, clear_for_sec: 0 },
      { name: 'blue surge', scope: { kind: 'team', team: 'blue' }, metric: 'calls_offered', kind: 'anomaly', direction: 'above', window_min: 60, for_sec: 0, clear_for_sec: 0 },
      { name: 'red ready', scope: { kind: 'team', team: 'red' }, metric: 'agents_ready', direction: 'below', threshold: 2, for_sec: 0, clear_for_sec: 0 },
    ]);
    live.blue = [
      { state: 'available', queues: ['sales'] },
      { state: 'on_call', queues: ['sales', 'billing'] },
    ];
    // Four previous weeks with 28, 30, 26, 28 calls in the hour before now, split over the team's two queues.
    const calls: AcdQueueCallRow[] = [];
    [28, 30, 26, 28].forEach((n, i) => {
      for (let c = 0; c < n; c++) {
        const entered = new Date(clock.now() - (i + 1) * 7 * 86_400_000 - (c + 1) * 60_000);
        const queue = c % 2 ? 'sales' : 'billing';
        calls.push({ id: `t${i}-${c}-${engine.name}`, fs_node: 'n', queue, priority: 0, caller_number: '+1', caller_name: null, entered_at: entered, offered_count: 1, answered_at: entered, ended_at: entered, agent_id: 1, wait_ms: 1000, talk_ms: 1000, outcome: 'answered', overflow_target: null, disposition: null, notes: null, data: null });
      }
    });
    await db.ds.getRepository<AcdQueueCallRow>(AcdQueueCallSchema).save(calls);
    const svc = make();
    await svc.start();
    // 30 calls in the last hour over sales and billing: usual for the two queues together (it would be twice one
    // queue's history), and calls in another queue that do not count.
    const enter = (n: number, prefix: string, stepMs: number) => {
      for (let c = 0; c < n; c++) svc.windows.onEffect({ kind: 'call_state', callId: `${prefix}${c}`, queue: c % 2 ? 'sales' : 'billing', state: 'waiting', at: clock.now() - c * stepMs });
    };
    enter(30, 'b', 60_000);
    for (let c = 0; c < 50; c++) svc.windows.onEffect({ kind: 'call_state', callId: `s${c}`, queue: 'support', state: 'waiting', at: clock.now() - c * 1000 });
    await svc.tick();
    let alerts = await db.ds.getRepository<AlertRow>(AlertSchema).find({ order: { id: 'ASC' } });
    // red has no agents: no figure, no alert.
    expect(alerts.map((a) => [a.rule_name, a.scope, a.worst_value])).toEqual([['blue ready', 'team:blue', 1]]);
    // A surge on the team's queues: 60 more.
    enter(60, 'c', 10_000);
    clock.advance(5000);
    await svc.tick();
    alerts = await db.ds.getRepository<AlertRow>(AlertSchema).find({ order: { id: 'ASC' } });
    expect(alerts.map((a) => [a.rule_name, a.scope, a.worst_value])).toEqual([
      ['blue ready', 'team:blue', 1],
      ['blue surge', 'team:blue', 90],
    ]);
    expect(audiences).toEqual(['blue', 'blue']);
    // Both blue agents ready: the agents-ready alert closes.
    live.blue = live.blue.map((a) => ({ ...a, state: 'available' }));
    clock.advance(5000);
    await svc.tick();
    alerts = await db.ds.getRepository<AlertRow>(AlertSchema).find({ order: { id: 'ASC' } });
    expect(alerts.map((a) => [a.rule_name, a.state])).toEqual([
      ['blue ready', 'closed'],
      ['blue surge', 'open'],
    ]);
    expect(audiences).toEqual(['blue', 'blue', 'blue']);
    svc.stop();
  });
});
