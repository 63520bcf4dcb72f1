import { problemOf } from '../api/helpers';
import { describeEachEngine } from '../helpers/databases';
import { insertQueueCall, startAcdTestApi, type AcdTestApi, type TestRuntime } from './helpers';

interface StateOut {
  id: number;
  state: string;
  reason: string | null;
  version: number;
  call_id: string | null;
}

describeEachEngine('ACD agent API on the real engine', (engine) => {
  let api: AcdTestApi;
  let acd: TestRuntime;
  let a1 = 0;
  let a2 = 0;
  let agentKey = '';

  beforeAll(async () => {
    api = await startAcdTestApi(engine);
    await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'sales', wrapUpSec: 30, serviceLevelSec: 20 } });
    for (const [user, ext] of [
      ['agent1', '1001'],
      ['agent2', '1002'],
    ] as const) {
      const res = await api.fetch('/api/v1/acd/agents', {
        method: 'POST',
        token: api.tokens.admin1,
        json: { user_id: api.userIds[user], extension: ext, skills: { sales: 5 }, teams: ['red'], queues: [{ queue: 'sales', tier: 1 }] },
      });
      expect(res.status).toBe(201);
    }
    const teams = await api.fetch(`/api/v1/supervision/supervisors/${api.userIds.supervisor1}/teams`, { method: 'PUT', token: api.tokens.admin1, json: { teams: ['red'] } });
    expect(teams.status).toBe(200);
    a1 = api.store.agentByUserId(api.userIds.agent1!)!.id;
    a2 = api.store.agentByUserId(api.userIds.agent2!)!.id;
    const key = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin1, json: { name: 'agent-key', role: 'agent' } });
    agentKey = ((await key.json()) as { key: string }).key;
  });
  afterAll(() => api?.close());

  const post = (path: string, token: string, json?: unknown) => api.fetch(path, { method: 'POST', token, ...(json !== undefined ? { json } : {}) });

  it('answers 503 while the ACD is not running; GET /me still shows the configuration', async () => {
    const res = await post('/api/v1/acd/me/login', api.tokens.agent1!);
    expect(res.status).toBe(503);
    expect((await problemOf(res)).detail).toMatch(/not running/);
    const me = await api.fetch('/api/v1/acd/me', { token: api.tokens.agent1 });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ agent: { id: a1, extension: '1001' }, acd_running: false, state: null, call: null });
    expect((await api.fetch('/api/v1/acd/live/queues', { token: api.tokens.supervisor1 })).status).toBe(503);
  });

  it('runs agent state transitions through the engine; repeated requests answer the current state; invalid ones are 409', async () => {
    acd = await api.startAcd();
    let res = await post('/api/v1/acd/me/login', api.tokens.agent1!);
    expect(res.status).toBe(200);
    const s1 = (await res.json()) as StateOut;
    expect(s1).toMatchObject({ id: a1, state: 'available', reason: null });

    // Login again, or ready right after login: 200 with the state unchanged (same version: the engine was not asked).
    for (const path of ['/api/v1/acd/me/login', '/api/v1/acd/me/ready', '/api/v1/acd/me/wrap-up/end']) {
      res = await post(path, api.tokens.agent1!);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ state: 'available', version: s1.version });
    }

    res = await post('/api/v1/acd/me/not-ready', api.tokens.agent1!, { reason: 'lunch' });
    const lunch = (await res.json()) as StateOut;
    expect(lunch).toMatchObject({ state: 'not_ready', reason: 'lunch' });
    res = await post('/api/v1/acd/me/not-ready', api.tokens.agent1!, { reason: 'lunch' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'not_ready', reason: 'lunch', version: lunch.version });
    // Not ready for another reason is a change, not a repeat.
    res = await post('/api/v1/acd/me/not-ready', api.tokens.agent1!, { reason: 'break' });
    expect(await res.json()).toMatchObject({ state: 'not_ready', reason: 'break' });
    res = await post('/api/v1/acd/me/not-ready', api.tokens.agent1!, { reason: 'lunch' });
    expect(await res.json()).toMatchObject({ state: 'not_ready', reason: 'lunch' });
    res = await post('/api/v1/acd/me/not-ready', api.tokens.agent1!, { reason: 'napping' });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.field).toBe('reason');

    res = await post('/api/v1/acd/me/ready', api.tokens.agent1!);
    const s2 = (await res.json()) as StateOut;
    expect(s2.state).toBe('available');
    expect(s2.version).toBeGreaterThan(s1.version);

    // Logout twice: the second answers logged_out; then back in.
    res = await post('/api/v1/acd/me/logout', api.tokens.agent1!);
    const out = (await res.json()) as StateOut;
    expect(out.state).toBe('logged_out');
    res = await post('/api/v1/acd/me/logout', api.tokens.agent1!);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'logged_out', version: out.version });
    // A real conflict stays one: wrap-up cannot end while logged out.
    res = await post('/api/v1/acd/me/wrap-up/end', api.tokens.agent1!);
    expect(res.status).toBe(409);
    expect((await problemOf(res)).detail).toMatch(/not allowed while logged_out/);
    expect((await post('/api/v1/acd/me/login', api.tokens.agent1!)).status).toBe(200);

    expect(acd.engine.agent(a1)?.state).toBe('available');
  });

  it('an agent acts only on themselves (403 on another agent); supervisors act on the agents of their teams, audited', async () => {
    let res = await post(`/api/v1/acd/agents/${a2}/state`, api.tokens.agent1!, { action: 'login' });
    expect(res.status).toBe(403);
    expect(acd.engine.agent(a2)?.state).toBe('logged_out');

    res = await post(`/api/v1/acd/agents/${a1}/state`, api.tokens.agent1!, { action: 'not_ready', reason: 'break' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'not_ready', reason: 'break' });
    res = await post(`/api/v1/acd/agents/${a1}/state`, api.tokens.agent1!, { action: 'not_ready' });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.field).toBe('reason');

    res = await post(`/api/v1/acd/agents/${a2}/state`, api.tokens.supervisor1!, { action: 'login' });
    expect(res.status).toBe(200);
    res = await post(`/api/v1/acd/agents/${a2}/state`, api.tokens.supervisor1!, { action: 'not_ready', reason: 'meeting' });
    expect(await res.json()).toMatchObject({ id: a2, state: 'not_ready', reason: 'meeting' });
    const audit = (await (await api.fetch('/api/v1/audit?action=acd_agent.login', { token: api.tokens.admin1 })).json()) as { items: Array<{ target_id: string; after: unknown }> };
    expect(audit.items[0]).toMatchObject({ target_id: String(a2), after: { state: 'available' } });

    // API keys are not agents; a user without an agent row has no /me.
    expect((await api.fetch('/api/v1/acd/me/ready', { method: 'POST', apiKey: agentKey })).status).toBe(403);
    expect((await post(`/api/v1/acd/agents/${a1}/state`, '', { action: 'ready' })).status).toBe(401);
    expect((await api.fetch(`/api/v1/acd/agents/${a1}/state`, { method: 'POST', apiKey: agentKey, json: { action: 'ready' } })).status).toBe(403);
    expect((await post('/api/v1/acd/me/login', api.tokens.agent3!)).status).toBe(404);
    expect((await post('/api/v1/acd/agents/99999/state', api.tokens.admin1!, { action: 'login' })).status).toBe(404);
  });

  it('an offered and answered call shows on GET /me with its screen pop; dispositions only on own calls', async () => {
    await post('/api/v1/acd/me/ready', api.tokens.agent1!);
    acd.enqueue({ id: 'call-1', node: 'fs1', queue: 'sales', priority: 0, skills: [], callerNumber: '15551230001', callerName: 'Ada', data: { crm_name: 'Ada Lovelace', crm_vip: 'yes' } });
    const offer = acd.offerTo(a1);
    expect(offer).toMatchObject({ callId: 'call-1', agentIds: [a1] });
    expect(acd.engine.agent(a1)?.state).toBe('reserved');
    api.clock.advance(4000);
    acd.engine.offerAnswered(offer!.offerId, a1);
    expect(acd.engine.agent(a1)?.state).toBe('on_call');
    await insertQueueCall(api, { id: 'call-1', queue: 'sales', entered_at: api.clock.now() - 4000, answered_at: api.clock.now(), agent_id: a1, wait_ms: 4000, caller_number: '15551230001' });

    const me = (await (await api.fetch('/api/v1/acd/me', { token: api.tokens.agent1 })).json()) as {
      state: StateOut;
      call: { call_id: string; queue: string; screen_pop: { caller_number: string; caller_name: string; data: Record<string, string> } };
    };
    expect(me.state).toMatchObject({ state: 'on_call', call_id: 'call-1' });
    expect(me.call).toMatchObject({ call_id: 'call-1', queue: 'sales' });
    expect(me.call.screen_pop).toMatchObject({ caller_number: '15551230001', caller_name: 'Ada', data: { crm_name: 'Ada Lovelace', crm_vip: 'yes' } });

    // Live figures for supervisors.
    const live = (await (await api.fetch('/api/v1/acd/live/agents', { token: api.tokens.supervisor1 })).json()) as { items: Array<StateOut & { queues: string[] }> };
    expect(live.items.find((a) => a.id === a1)).toMatchObject({ state: 'on_call', call_id: 'call-1', queues: ['sales'] });
    const queues = (await (await api.fetch('/api/v1/acd/live/queues', { token: api.tokens.admin1 })).json()) as { items: Array<{ queue: string; agents: Record<string, number>; service_level_sec: number }> };
    expect(queues.items.find((q) => q.queue === 'sales')).toMatchObject({ service_level_sec: 20, agents: { on_call: 1, not_ready: 1 } });
    expect((await api.fetch('/api/v1/acd/live/queues', { token: api.tokens.agent1 })).status).toBe(403);

    // Disposition: own call only.
    let res = await post('/api/v1/acd/me/disposition', api.tokens.agent2!, { call_id: 'call-1', disposition: 'sale' });
    expect(res.status).toBe(403);
    res = await post('/api/v1/acd/me/disposition', api.tokens.agent1!, { call_id: 'no-such-call', disposition: 'sale' });
    expect(res.status).toBe(404);
    res = await post('/api/v1/acd/me/disposition', api.tokens.agent1!, { call_id: 'call-1', disposition: 'sale', notes: 'two licences' });
    expect(res.status).toBe(200);
    const [row] = (await api.db.ds.query('SELECT disposition, notes FROM acd_queue_calls WHERE id = ?', ['call-1'])) as Array<{ disposition: string; notes: string }>;
    expect(row).toEqual({ disposition: 'sale', notes: 'two licences' });

    // The call ends: wrap-up, ended early through the API.
    acd.engine.callEnded('call-1');
    expect(acd.engine.agent(a1)?.state).toBe('wrap_up');
    res = await post('/api/v1/acd/me/wrap-up/end', api.tokens.agent1!);
    expect(await res.json()).toMatchObject({ state: 'available' });
    // After the call, the history row still proves ownership.
    res = await post('/api/v1/acd/me/disposition', api.tokens.agent1!, { call_id: 'call-1', disposition: 'follow-up' });
    expect(res.status).toBe(200);
    res = await post('/api/v1/acd/me/disposition', api.tokens.agent2!, { call_id: 'call-1', disposition: 'follow-up' });
    expect(res.status).toBe(403);

    // A disposition can schedule a follow-up of the call's ticket; without a ticket it is a 409 and nothing is written.
    res = await post('/api/v1/acd/me/disposition', api.tokens.agent1!, { call_id: 'call-1', disposition: 'solved', followup: { kind: 'survey', after_minutes: 30 } });
    expect(res.status).toBe(409);
    const [kept] = (await api.db.ds.query('SELECT disposition FROM acd_queue_calls WHERE id = ?', ['call-1'])) as Array<{ disposition: string }>;
    expect(kept?.disposition).toBe('follow-up');
    const category = (await (await api.fetch('/api/v1/tickets/categories', { method: 'POST', token: api.tokens.admin1, json: { name: 'General' } })).json()) as { id: number };
    const ticket = (await (await api.fetch('/api/v1/tickets', { method: 'POST', token: api.tokens.agent1, json: { category_id: category.id, subject: 'Billing', caller_number: '+442079460958', call_uuid: 'call-1' } })).json()) as { id: number };
    res = await post('/api/v1/acd/me/disposition', api.tokens.agent1!, { call_id: 'call-1', disposition: 'solved', followup: { kind: 'survey', after_minutes: 30 } });
    expect(res.status).toBe(200);
    const followups = (await (await api.fetch(`/api/v1/tickets/${ticket.id}/followups`, { token: api.tokens.agent1 })).json()) as { items: Array<{ kind: string; status: string }> };
    expect(followups.items).toEqual([expect.objectContaining({ kind: 'survey', status: 'scheduled' })]);
  });

  it('exports per-queue Prometheus figures', async () => {
    const text = await (await api.fetch('/metrics', { token: api.tokens.admin1 })).text();
    expect(text).toMatch(/switchboard_acd_calls_total\{queue="sales",outcome="answered"\} 1/);
    expect(text).toMatch(/switchboard_acd_calls_waiting\{queue="sales"\} 0/);
    expect(text).toMatch(/switchboard_acd_agents\{queue="sales",state="available"\} 1/);
    expect(text).toMatch(/switchboard_acd_longest_wait_seconds\{queue="sales"\} 0/);
  });

  it('refuses to delete or disable a logged-in agent', async () => {
    expect((await api.fetch(`/api/v1/acd/agents/${a1}`, { method: 'DELETE', token: api.tokens.admin1 })).status).toBe(409);
    expect((await api.fetch(`/api/v1/acd/agents/${a1}`, { method: 'PATCH', token: api.tokens.admin1, json: { enabled: false } })).status).toBe(409);
    expect((await post('/api/v1/acd/me/logout', api.tokens.agent1!)).status).toBe(200);
    expect((await api.fetch(`/api/v1/acd/agents/${a1}`, { method: 'PATCH', token: api.tokens.admin1, json: { enabled: false } })).status).toBe(200);
    const res = await post('/api/v1/acd/me/login', api.tokens.agent1!);
    expect(res.status).toBe(409);
    expect((await problemOf(res)).detail).toMatch(/disabled/);
  });
});
