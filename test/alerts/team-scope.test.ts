import type { AgentState, QueueSnapshot } from '../../src/acd/contract';
import { liveFigure, QueueWindows, teamFigure, teamQueues, type AlertLiveSources } from '../../src/alerts/figures';
import { alertRuleSchema, scopeKey, teamOfScopeKey, TEAM_METRICS } from '../../src/alerts/rules';
import { alertVisibility, outOfScopeReason, seesScope } from '../../src/alerts/visibility';
import type { Principal } from '../../src/auth/principal';

/** Team-scoped alert rules: what they accept, the team's figures from live sources, and who sees a team's alerts. */

const NOW = Date.UTC(2026, 5, 1, 12);
const MIN = 60_000;

const snap = (queue: string, longestWaitMs: number, available = 0): QueueSnapshot => ({
  queue,
  waiting: longestWaitMs ? 1 : 0,
  longestWaitMs,
  serviceLevel: null,
  abandonRate: null,
  agents: { logged_out: 0, available, reserved: 0, on_call: 0, wrap_up: 0, not_ready: 0 },
  ewtSec: null,
});

/** Team blue: three agents serving sales and support (one of them only billing); team red: nobody. */
function sources(over: Partial<AlertLiveSources> = {}): AlertLiveSources {
  const blue: Array<{ state: AgentState | undefined; queues: string[] }> = [
    { state: 'available', queues: ['sales'] },
    { state: 'on_call', queues: ['sales', 'support'] },
    { state: 'available', queues: ['billing'] },
    { state: undefined, queues: ['support'] },
  ];
  return {
    queues: () => [snap('sales', 12_000), snap('support', 40_000), snap('billing', 5_000), snap('other', 900_000)],
    serviceLevelSec: (q) => ({ sales: 20, support: 60, billing: 20, other: 20 })[q],
    teamAgents: (t) => (t === 'blue' ? blue : []),
    campaignAbandonRate: () => null,
    nodesDown: () => 0,
    cdrBacklog: () => 0,
    ...over,
  };
}

/** A call entering at `at` and ending answered (with its wait) or abandoned. */
function call(w: QueueWindows, queue: string, at: number, outcome: 'answered' | 'abandoned', waitMs: number): void {
  w.onEffect({ kind: 'call_state', callId: `${queue}-${at}`, queue, state: 'waiting', at: at - waitMs });
  w.onEffect({ kind: 'call_state', callId: `${queue}-${at}`, queue, state: 'ended', outcome, waitMs, at });
}

const rule = (r: Record<string, unknown>) => alertRuleSchema.safeParse({ name: 'x', direction: 'below', threshold: 1, ...r });

describe('team-scoped rules: validation', () => {
  it('accepts the team metrics on a team scope, as threshold and anomaly rules', () => {
    for (const metric of TEAM_METRICS) expect(rule({ scope: { kind: 'team', team: 'blue' }, metric }).success).toBe(true);
    const anomaly = rule({ scope: { kind: 'team', team: 'blue' }, metric: 'calls_offered', kind: 'anomaly', direction: 'above', threshold: undefined });
    expect(anomaly.success).toBe(true);
    expect(scopeKey({ kind: 'team', team: 'blue' })).toBe('team:blue');
    expect(teamOfScopeKey('team:blue')).toBe('blue');
    expect(teamOfScopeKey('queue:team')).toBeNull();
  });

  it('refuses what a team cannot compute with a message that says what it can', () => {
    for (const metric of ['dialer_abandon_rate', 'fs_nodes_down', 'cdr_backlog']) {
      const r = rule({ scope: { kind: 'team', team: 'blue' }, metric, direction: 'above' });
      expect(r.success).toBe(false);
      const issue = r.error!.issues.find((i) => i.path[0] === 'scope')!;
      expect(issue.message).toContain(`${metric} is a `);
      expect(issue.message).toContain('not one of a team');
      expect(issue.message).toContain('a team scope computes service_level, abandon_rate, asa_sec, longest_wait_sec, agents_ready, calls_offered');
    }
    // A queue figure on the global scope names both scopes that have it.
    const g = rule({ scope: { kind: 'global' }, metric: 'service_level' });
    expect(g.error!.issues[0]!.message).toContain('the scope must be {"kind":"queue"...} or {"kind":"team"...}');
  });

  it('refuses a bad team name, and anomaly rules on scopes without call history', () => {
    const bad = rule({ scope: { kind: 'team', team: 'blue; drop' }, metric: 'agents_ready' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toMatch(/must be a team name/);
    const campaign = alertRuleSchema.safeParse({ name: 'x', scope: { kind: 'campaign', campaign: 'c' }, metric: 'dialer_abandon_rate', kind: 'anomaly', direction: 'above' });
    expect(campaign.success).toBe(false);
    expect(campaign.error!.issues.map((i) => i.message)).toContain('anomaly rules watch a queue or a team (the call history is per queue), not a campaign');
  });
});

describe('team figures', () => {
  it('the team serves the queues of its enabled agents', () => {
    expect(teamQueues('blue', sources())).toEqual(['billing', 'sales', 'support']);
    expect(teamQueues('red', sources())).toEqual([]);
  });

  it('agents_ready counts the team agents available now; longest wait is the longest of its queues', () => {
    const w = new QueueWindows();
    expect(teamFigure('agents_ready', 'blue', 15, NOW, sources(), w)).toBe(2);
    expect(teamFigure('longest_wait_sec', 'blue', 15, NOW, sources(), w)).toBe(40); // support; not "other" (900 s)
    expect(liveFigure('agents_ready', { kind: 'team', team: 'blue' }, 15, NOW, sources(), w)).toBe(2);
  });

  it('the call figures pool the team queues, each call judged on its own queue service level', () => {
    const w = new QueueWindows();
    call(w, 'sales', NOW - 1 * MIN, 'answered', 10_000); // in SL (20 s)
    call(w, 'sales', NOW - 2 * MIN, 'answered', 30_000); // out of SL (20 s)
    call(w, 'support', NOW - 3 * MIN, 'answered', 50_000); // in SL (60 s)
    call(w, 'support', NOW - 4 * MIN, 'abandoned', 70_000);
    call(w, 'other', NOW - 1 * MIN, 'abandoned', 1_000); // not a blue queue
    call(w, 'billing', NOW - 30 * MIN, 'abandoned', 1_000); // outside a 15-minute window
    const f = (m: 'service_level' | 'abandon_rate' | 'asa_sec' | 'calls_offered', win = 15) => teamFigure(m, 'blue', win, NOW, sources(), w);
    expect(f('service_level')).toBeCloseTo(2 / 4);
    expect(f('abandon_rate')).toBeCloseTo(1 / 4);
    expect(f('asa_sec')).toBeCloseTo(30);
    expect(f('calls_offered')).toBe(4);
    // A longer window takes the billing abandon too.
    expect(f('abandon_rate', 60)).toBeCloseTo(2 / 5);
  });

  it('an unknown team, or a team whose queues the engine does not know, has no figure', () => {
    const w = new QueueWindows();
    expect(teamFigure('agents_ready', 'red', 15, NOW, sources(), w)).toBeNull();
    expect(teamFigure('service_level', 'red', 15, NOW, sources(), w)).toBeNull();
    const none = sources({ queues: () => [snap('other', 1000)] });
    expect(teamFigure('longest_wait_sec', 'blue', 15, NOW, none, w)).toBeNull();
    expect(teamFigure('service_level', 'blue', 15, NOW, none, w)).toBeNull();
    // Its agents still count.
    expect(teamFigure('agents_ready', 'blue', 15, NOW, none, w)).toBe(2);
    // No call in the window: no service level, zero offered.
    expect(teamFigure('service_level', 'blue', 15, NOW, sources(), w)).toBeNull();
    expect(teamFigure('calls_offered', 'blue', 15, NOW, sources(), w)).toBe(0);
  });
});

describe('who sees a team alert', () => {
  const admin: Principal = { kind: 'api_key', id: 1, role: 'admin', name: 'ops' };
  const sue: Principal = { kind: 'user', id: 7, role: 'supervisor', username: 'sue' };
  const key: Principal = { kind: 'api_key', id: 2, role: 'supervisor', name: 'wallboard' };

  it('admins all; a supervisor their teams and every alert not of a team; a supervisor key no team alert', () => {
    const a = alertVisibility(admin, []);
    const s = alertVisibility(sue, ['blue']);
    const k = alertVisibility(key, ['blue']);
    for (const scope of ['team:blue', 'team:red', 'queue:support', 'global']) expect(seesScope(a, scope)).toBe(true);
    expect([seesScope(s, 'team:blue'), seesScope(s, 'team:red'), seesScope(s, 'queue:support'), seesScope(s, 'global')]).toEqual([true, false, true, true]);
    expect([seesScope(k, 'team:blue'), seesScope(k, 'queue:support')]).toEqual([false, true]);
    expect(outOfScopeReason(sue, 'team:red')).toBe('this is an alert of team red, which you do not supervise');
    expect(outOfScopeReason(key, 'team:red')).toMatch(/API key has no teams/);
  });
});
