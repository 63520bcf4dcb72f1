/**
 * The agent desktop's API: the directory, /acd/me with reasons, queue settings and the wrap-up end, queue
 * dispositions enforced, the screen pop's previous calls with agent name and notes, today's figures, own callbacks.
 */
import { LeadSchema } from '../../src/db/entities/dialer';
import { sqlDateTime } from '../../src/db/entities/columns';
import { problemOf } from '../api/helpers';
import { describeEachEngine } from '../helpers/databases';
import { insertQueueCall, startAcdTestApi, type AcdTestApi, type TestRuntime } from './helpers';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

describeEachEngine('agent desktop API', (engine) => {
  let api: AcdTestApi;
  let acd: TestRuntime;
  let a1 = 0;
  let a2 = 0;

  beforeAll(async () => {
    api = await startAcdTestApi(engine);
    const q = await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'sales', wrapUpSec: 30, dispositions: ['sale', 'no sale'] } });
    expect(q.status).toBe(201);
    await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'support' } });
    for (const [user, ext, name] of [
      ['agent1', '1001', 'Ann Agent'],
      ['agent2', '1002', 'Bo Agent'],
    ] as const) {
      const res = await api.fetch('/api/v1/acd/agents', {
        method: 'POST',
        token: api.tokens.admin1,
        json: { user_id: api.userIds[user], name, extension: ext, skills: { secret_skill: 5 }, teams: ['red'], queues: [{ queue: 'sales', tier: 1 }] },
      });
      expect(res.status).toBe(201);
    }
    a1 = api.store.agentByUserId(api.userIds.agent1!)!.id;
    a2 = api.store.agentByUserId(api.userIds.agent2!)!.id;
  });
  afterAll(() => api?.close());

  const getJson = async <T>(path: string, token: string | undefined): Promise<T> => {
    const res = await api.fetch(path, { token });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  it('queue dispositions are validated by the admin API', async () => {
    const res = await api.fetch('/api/v1/acd/queues/sales', { method: 'PATCH', token: api.tokens.admin1, json: { dispositions: ['sale', 'sale'] } });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]).toMatchObject({ field: 'dispositions' });
    const bad = await api.fetch('/api/v1/acd/queues/sales', { method: 'PATCH', token: api.tokens.admin1, json: { dispositions: ['<b>'] } });
    expect(bad.status).toBe(400);
  });

  it('the directory lists agents (name, extension, state, queues) and queues, nothing private, to every signed-in user', async () => {
    type Dir = { agents: Array<Record<string, unknown>>; queues: Array<Record<string, unknown>> };
    let dir = await getJson<Dir>('/api/v1/acd/directory', api.tokens.agent1);
    expect(dir.agents).toEqual([
      { id: a1, name: 'Ann Agent', extension: '1001', state: 'logged_out', queues: ['sales'] },
      { id: a2, name: 'Bo Agent', extension: '1002', state: 'logged_out', queues: ['sales'] },
    ]);
    expect(dir.queues).toEqual([
      { name: 'sales', waiting: null, agents_available: null },
      { name: 'support', waiting: null, agents_available: null },
    ]);
    expect(JSON.stringify(dir)).not.toMatch(/secret_skill|red|user_id/);
    expect((await api.fetch('/api/v1/acd/directory')).status).toBe(401);

    acd = await api.startAcd();
    acd.engine.login(a2);
    dir = await getJson<Dir>('/api/v1/acd/directory', api.tokens.supervisor1);
    expect(dir.agents.find((a) => a.id === a2)).toMatchObject({ state: 'available' });
    expect(dir.queues.find((q) => q.name === 'sales')).toMatchObject({ waiting: 0, agents_available: 1 });
    acd.engine.logout(a2);
  });

  it('/acd/me has the not-ready reasons, the queue settings, and the wrap-up with its end; dispositions come from the list', async () => {
    type Me = {
      not_ready_reasons: string[];
      queues: Array<{ name: string; wrap_up_sec: number; dispositions: string[] }>;
      wrap_up: { call_id: string; queue: string; ends_at: string } | null;
      call: { screen_pop: { previous_queue_calls: Array<Record<string, unknown>> } } | null;
    };
    let me = await getJson<Me>('/api/v1/acd/me', api.tokens.agent1);
    expect(me.not_ready_reasons).toEqual(expect.arrayContaining(['break', 'lunch', 'training']));
    expect(me.queues).toEqual([{ name: 'sales', wrap_up_sec: 30, dispositions: ['sale', 'no sale'], recording_policy: 'never' }]);
    expect(me.wrap_up).toBeNull();

    // A previous call of the same caller, taken by Bo, with notes.
    await insertQueueCall(api, { id: 'old-1', queue: 'sales', entered_at: T0 - 86_400_000, answered_at: T0 - 86_390_000, agent_id: a2, outcome: 'answered', caller_number: '15557770001' });
    await api.db.ds.query('UPDATE acd_queue_calls SET disposition = ?, notes = ? WHERE id = ?', ['sale', 'wants <b>more</b>', 'old-1']);

    acd.engine.login(a1);
    acd.enqueue({ id: 'call-d1', node: 'fs1', queue: 'sales', priority: 0, skills: [], callerNumber: '15557770001', callerName: 'Cy', data: {} });
    const offer = acd.offerTo(a1);
    acd.engine.offerAnswered(offer!.offerId, a1);
    await insertQueueCall(api, { id: 'call-d1', queue: 'sales', entered_at: api.clock.now(), answered_at: api.clock.now(), agent_id: a1, caller_number: '15557770001' });
    me = await getJson<Me>('/api/v1/acd/me', api.tokens.agent1);
    expect(me.call!.screen_pop.previous_queue_calls).toEqual([
      expect.objectContaining({ id: 'old-1', agent_id: a2, agent_name: 'Bo Agent', disposition: 'sale', notes: 'wants <b>more</b>' }),
    ]);

    acd.engine.callEnded('call-d1');
    const endedAt = api.clock.now();
    me = await getJson<Me>('/api/v1/acd/me', api.tokens.agent1);
    expect(me.wrap_up).toEqual({ call_id: 'call-d1', queue: 'sales', ends_at: new Date(endedAt + 30_000).toISOString() });

    let res = await api.fetch('/api/v1/acd/me/disposition', { method: 'POST', token: api.tokens.agent1, json: { call_id: 'call-d1', disposition: 'resolved' } });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.detail).toMatch(/sale, no sale/);
    expect(p.errors?.[0]).toMatchObject({ field: 'disposition' });
    res = await api.fetch('/api/v1/acd/me/disposition', { method: 'POST', token: api.tokens.agent1, json: { call_id: 'call-d1', disposition: 'no sale', notes: 'price' } });
    expect(res.status).toBe(200);

    api.clock.advance(30_000);
    expect(acd.engine.agent(a1)?.state).toBe('available');
    me = await getJson<Me>('/api/v1/acd/me', api.tokens.agent1);
    expect(me.wrap_up).toBeNull();
  });

  it("/acd/me/today sums the agent report of today: calls, AHT, occupancy", async () => {
    const log = (state: string, previous: string, at: number, version: number) =>
      api.db.ds.query('INSERT INTO acd_agent_state_log (agent_id, state, previous, reason, version, at) VALUES (?, ?, ?, ?, ?, ?)', [a2, state, previous, null, version, sqlDateTime(at)]);
    await log('available', 'logged_out', T0, 1);
    await log('on_call', 'available', T0 + 10 * 60_000, 2);
    await log('wrap_up', 'on_call', T0 + 20 * 60_000, 3);
    await log('available', 'wrap_up', T0 + 21 * 60_000, 4);
    await insertQueueCall(api, { id: 'b-1', queue: 'sales', entered_at: T0 + 9 * 60_000, answered_at: T0 + 10 * 60_000, agent_id: a2, talk_ms: 600_000, outcome: 'answered' });
    api.clock.advance(T0 + 60 * 60_000 - api.clock.now());
    const t = await getJson<Record<string, unknown>>('/api/v1/acd/me/today', api.tokens.agent2);
    expect(t).toMatchObject({ agent_id: a2, calls_answered: 1, talk_sec: 600, wrap_up_sec: 60, aht_sec: 660, logged_in_sec: 3600, from: new Date(Date.UTC(2026, 2, 2)).toISOString() });
    expect(t.occupancy).toBeCloseTo(660 / 3600, 3);
    // Another agent's figures are their own.
    const mine = await getJson<Record<string, unknown>>('/api/v1/acd/me/today', api.tokens.agent1);
    expect(mine).toMatchObject({ agent_id: a1 });
    expect((await api.fetch('/api/v1/acd/me/today', { token: api.tokens.admin1 })).status).toBe(404);
  });

  it('/dialer/me/callbacks lists only your own callbacks, soonest first', async () => {
    const c = await api.fetch('/api/v1/dialer/campaigns', { method: 'POST', token: api.tokens.admin1, json: { name: 'renewals', type: 'preview', queue: 'sales' } });
    expect(c.status).toBe(201);
    const campaignId = ((await c.json()) as { id: number }).id;
    const repo = api.db.ds.getRepository(LeadSchema);
    const lead = (phone: string, name: string, at: number | null, agentId: number | null) =>
      repo.save({
        campaign_id: campaignId,
        phone_e164: phone,
        phone_raw: phone,
        name,
        fields: '{}',
        time_zones: '[]',
        status: 'scheduled',
        attempts: 1,
        next_attempt_at: at === null ? null : new Date(at),
        created_at: new Date(T0),
        callback_at: at === null ? null : new Date(at),
        callback_agent_id: agentId,
        last_outcome: null,
        last_called_at: null,
      });
    await lead('+15550000003', 'Later', T0 + 7_200_000, a1);
    await lead('+15550000001', 'Sooner', T0 + 3_600_000, a1);
    await lead('+15550000002', 'Not mine', T0 + 3_600_000, a2);
    await lead('+15550000004', 'No callback', null, null);
    const out = await getJson<{ items: Array<Record<string, unknown>> }>('/api/v1/dialer/me/callbacks', api.tokens.agent1);
    expect(out.items.map((i) => i.name)).toEqual(['Sooner', 'Later']);
    expect(out.items[0]).toMatchObject({ campaign: 'renewals', campaign_id: campaignId, phone_e164: '+15550000001', callback_at: new Date(T0 + 3_600_000).toISOString() });
  });
});
