import { AlertSchema, type AlertRow } from '../../src/db/entities/alerts';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';
import { PASSWORDS, problemOf, startTestApi, type TestApi } from '../api/helpers';

/**
 * The alert routes on SQLite and MariaDB: team-scoped rules (validation with clear problems), who sees and
 * acknowledges a team's alerts (admins all; a supervisor their teams' and every alert not of a team; a supervisor key
 * none of a team), and enabling / disabling / editing a rule (admin, audited, in the OpenAPI document).
 */
describeEachEngine('KPI alert API', (engine) => {
  let db: TestDatabase;
  let api: TestApi;
  let redSup: string;
  let supKey: string;

  beforeAll(async () => {
    db = await engine.open();
    const url = db.config.type === 'mysql' ? db.config.url : `sqlite:${db.config.file}`;
    api = await startTestApi({ env: { DATABASE_URL: url } });
    const teams = (userId: number, t: string[]) => api.fetch(`/api/v1/supervision/supervisors/${userId}/teams`, { method: 'PUT', token: api.tokens.admin, json: { teams: t } });
    expect((await teams(api.ids.supervisor, ['blue'])).status).toBe(200);
    const red = await api.users.create({ username: 'redsup', password: PASSWORDS.supervisor, role: 'supervisor' });
    expect((await teams(red.id, ['red'])).status).toBe(200);
    redSup = ((await (await api.login('redsup', PASSWORDS.supervisor)).json()) as { token: string }).token;
    const key = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name: 'wallboard', role: 'supervisor' } });
    supKey = ((await key.json()) as { key: string }).key;
  });
  afterAll(async () => {
    await api?.close();
    await db?.close();
  });

  const as = (token: string) => ({ token });
  const json = async <T>(res: Response, status: number): Promise<T> => {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const rule = (over: Record<string, unknown>) => ({ name: 'blue ready', scope: { kind: 'team', team: 'blue' }, metric: 'agents_ready', direction: 'below', threshold: 2, ...over });
  const create = (body: unknown) => api.fetch('/api/v1/alerts/rules', { method: 'POST', ...as(api.tokens.admin), json: body });

  it('team rules: accepted for the team metrics, refused with a problem naming the scope otherwise', async () => {
    const ok = await json<{ id: number; rule: Record<string, unknown> }>(await create(rule({})), 201);
    expect(ok.rule).toMatchObject({ scope: { kind: 'team', team: 'blue' }, metric: 'agents_ready', kind: 'threshold' });
    await json(await create(rule({ name: 'blue surge', metric: 'calls_offered', kind: 'anomaly', direction: 'above', threshold: undefined })), 201);

    const wrong = await create(rule({ name: 'x', metric: 'dialer_abandon_rate', direction: 'above' }));
    expect(wrong.status).toBe(400);
    const p = await problemOf(wrong);
    const scopeErr = p.errors!.find((e) => e.field === 'scope')!;
    expect(scopeErr.detail).toMatch(/dialer_abandon_rate is a campaign figure, not one of a team/);
    expect(scopeErr.detail).toMatch(/a team scope computes service_level, .*agents_ready/);

    const badName = await problemOf(await create(rule({ scope: { kind: 'team', team: '' } })));
    expect(badName.errors!.map((e) => e.detail).join(' ')).toMatch(/must be a team name/);
    const anomaly = await problemOf(await create({ name: 'x', scope: { kind: 'global' }, metric: 'cdr_backlog', kind: 'anomaly', direction: 'above' }));
    expect(anomaly.errors!.map((e) => e.detail)).toContain('anomaly rules watch a queue or a team (the call history is per queue), not a global');
  });

  it("a supervisor sees and acknowledges their teams' alerts and every alert not of a team; a key none of a team", async () => {
    const red = await json<{ id: number }>(await create(rule({ name: 'red ready', scope: { kind: 'team', team: 'red' } })), 201);
    const rows = await api.fetch('/api/v1/alerts/rules', as(api.tokens.supervisor));
    expect((await json<{ items: Array<{ name: string }> }>(rows, 200)).items.map((r) => r.name)).toEqual(['blue ready', 'blue surge']);
    const redRules = await json<{ items: Array<{ id: number }> }>(await api.fetch('/api/v1/alerts/rules', as(redSup)), 200);
    expect(redRules.items.map((r) => r.id)).toEqual([red.id]);

    const repo = api.ds.getRepository<AlertRow>(AlertSchema);
    const alert = (scope: string, rule_name: string) =>
      repo.save({ rule_id: 1, rule_name, scope, metric: 'agents_ready', state: 'open', opened_at: new Date(), closed_at: null, worst_value: 1, last_value: 1, acknowledged_by: null, acknowledged_by_name: null, acknowledged_at: null } as AlertRow);
    const blueA = await alert('team:blue', 'blue ready');
    const redA = await alert('team:red', 'red ready');
    await alert('queue:support', 'support wait');
    await alert('global', 'nodes');

    const names = async (auth: { token?: string; apiKey?: string }) => {
      const page = await json<{ items: Array<{ rule_name: string }>; total: number }>(await api.fetch('/api/v1/alerts?state=open', auth), 200);
      expect(page.total).toBe(page.items.length);
      return page.items.map((a) => a.rule_name).sort();
    };
    expect(await names(as(api.tokens.admin))).toEqual(['blue ready', 'nodes', 'red ready', 'support wait']);
    expect(await names(as(api.tokens.supervisor))).toEqual(['blue ready', 'nodes', 'support wait']);
    expect(await names(as(redSup))).toEqual(['nodes', 'red ready', 'support wait']);
    expect(await names({ apiKey: supKey })).toEqual(['nodes', 'support wait']);

    const other = await api.fetch(`/api/v1/alerts/${redA.id}`, as(api.tokens.supervisor));
    expect(other.status).toBe(403);
    expect((await problemOf(other)).detail).toBe('this is an alert of team red, which you do not supervise');
    const otherAck = await api.fetch(`/api/v1/alerts/${redA.id}/ack`, { method: 'POST', ...as(api.tokens.supervisor) });
    expect(otherAck.status).toBe(403);
    expect((await repo.findOneByOrFail({ id: redA.id })).acknowledged_at).toBeNull();
    const keyAck = await api.fetch(`/api/v1/alerts/${blueA.id}/ack`, { method: 'POST', apiKey: supKey });
    expect(keyAck.status).toBe(403);
    expect((await problemOf(keyAck)).detail).toMatch(/API key has no teams/);

    const acked = await json<{ acknowledged_by_name: string }>(await api.fetch(`/api/v1/alerts/${blueA.id}/ack`, { method: 'POST', ...as(api.tokens.supervisor) }), 200);
    expect(acked.acknowledged_by_name).toBe('supervisor1');
    const timeline = await json<{ events: Array<{ kind: string; actor_name: string | null }> }>(await api.fetch(`/api/v1/alerts/${blueA.id}`, as(api.tokens.supervisor)), 200);
    expect(timeline.events).toEqual([expect.objectContaining({ kind: 'acknowledged', actor_name: 'supervisor1' })]);
    const audit = await json<{ items: Array<{ action: string; target_id: string }> }>(await api.fetch('/api/v1/audit?action=alert.acknowledge', as(api.tokens.admin)), 200);
    expect(audit.items.map((a) => a.target_id)).toEqual([String(blueA.id)]);
  });

  it('PATCH enables / disables a rule (admin, audited), PUT edits it; bad bodies are clear 400s', async () => {
    const r = await json<{ id: number }>(await create(rule({ name: 'toggle me', scope: { kind: 'queue', queue: 'support' } })), 201);
    const patch = (body: unknown, token = api.tokens.admin) => api.fetch(`/api/v1/alerts/rules/${r.id}`, { method: 'PATCH', token, json: body });

    const off = await json<{ enabled: boolean; rule: { enabled: boolean; threshold: number } }>(await patch({ enabled: false }), 200);
    expect(off).toMatchObject({ enabled: false, rule: { enabled: false, threshold: 2 } });
    expect((await patch({ enabled: true }, api.tokens.supervisor)).status).toBe(403);
    const bad = await patch({ enabled: 'no' });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors!.map((e) => e.field)).toEqual(['enabled']);
    const extra = await patch({ enabled: true, threshold: 3 });
    expect(extra.status).toBe(400);
    expect((await api.fetch('/api/v1/alerts/rules/999999', { method: 'PATCH', token: api.tokens.admin, json: { enabled: true } })).status).toBe(404);

    const on = await json<{ enabled: boolean }>(await patch({ enabled: true }), 200);
    expect(on.enabled).toBe(true);
    const audit = await json<{ items: Array<{ action: string; before: { enabled: boolean }; after: { enabled: boolean } }> }>(
      await api.fetch(`/api/v1/audit?target_id=${r.id}`, as(api.tokens.admin)),
      200,
    );
    const toggles = [...audit.items].reverse().filter((a) => a.action.startsWith('alert_rule.') && a.action !== 'alert_rule.create');
    expect(toggles.map((a) => [a.action, a.before.enabled, a.after.enabled])).toEqual([
      ['alert_rule.disable', true, false],
      ['alert_rule.enable', false, true],
    ]);

    const edited = await json<{ name: string; rule: Record<string, unknown> }>(
      await api.fetch(`/api/v1/alerts/rules/${r.id}`, { method: 'PUT', token: api.tokens.admin, json: rule({ name: 'edited', scope: { kind: 'team', team: 'blue' }, threshold: 3 }) }),
      200,
    );
    expect(edited).toMatchObject({ name: 'edited', rule: { scope: { kind: 'team', team: 'blue' }, threshold: 3 } });

    const doc = await json<{ paths: Record<string, Record<string, { operationId: string }>> }>(await api.fetch('/api/v1/openapi.json', as(api.tokens.admin)), 200);
    expect(Object.keys(doc.paths).find((p) => p.startsWith('/api/v1/alerts/rules/'))).toBeDefined();
    const ops = Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/alerts/rules/')).flatMap(([, v]) => Object.values(v).map((o) => o.operationId));
    expect(ops).toEqual(expect.arrayContaining(['replaceAlertRule', 'setAlertRuleEnabled', 'deleteAlertRule']));
  });
});
