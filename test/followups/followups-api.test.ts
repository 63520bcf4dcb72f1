import { startAcdTestApi, type AcdTestApi } from '../acd-api/helpers';
import { describeEachEngine } from '../helpers/databases';

/** The follow-up routes: scheduling on resolve or alone, the scope of the ticket, bad input, cancel, disposition. */
describeEachEngine('ticket follow-ups API', (engine) => {
  let api: AcdTestApi;
  const agents: Record<string, number> = {};
  let category = 0;

  const call = async (who: string, path: string, init: { method?: string; json?: unknown } = {}) => {
    const res = await api.fetch(path, { ...init, token: api.tokens[who] });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    api = await startAcdTestApi(engine);
    agents.agent1 = (await api.store.createAgent({ user_id: api.userIds.agent1!, extension: '1001', teams: ['red'] })).id;
    agents.agent2 = (await api.store.createAgent({ user_id: api.userIds.agent2!, extension: '1002', teams: ['blue'] })).id;
    category = (await call('admin1', '/api/v1/tickets/categories', { method: 'POST', json: { name: 'Support' } })).body.id;
  });
  afterAll(() => api?.close());

  it('resolving with a follow-up schedules it; the ticket view lists it; cancel ends it', async () => {
    const t = (await call('agent1', '/api/v1/tickets', { method: 'POST', json: { category_id: category, subject: 'Refund', caller_number: '+33 1 42 68 53 00', assignee_agent_id: agents.agent1 } })).body;
    // Bad input of each kind: 400, and the ticket is not changed.
    expect((await call('agent1', `/api/v1/tickets/${t.id}`, { method: 'PATCH', json: { status: 'resolved', followup: { kind: 'survey' } } })).status).toBe(400);
    expect((await call('agent1', `/api/v1/tickets/${t.id}`, { method: 'PATCH', json: { status: 'resolved', followup: { kind: 'call', after_minutes: 5 } } })).status).toBe(400);
    expect((await call('agent1', `/api/v1/tickets/${t.id}`, { method: 'PATCH', json: { priority: 'high', followup: { kind: 'survey', after_minutes: 5 } } })).status).toBe(400);
    expect((await call('agent1', `/api/v1/tickets/${t.id}`)).body.status).toBe('open');

    const resolved = await call('agent1', `/api/v1/tickets/${t.id}`, { method: 'PATCH', json: { status: 'resolved', followup: { kind: 'survey', after_minutes: 10 } } });
    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe('resolved');
    const view = (await call('agent1', `/api/v1/tickets/${t.id}`)).body;
    expect(view.followups).toEqual([expect.objectContaining({ kind: 'survey', status: 'scheduled', phone_e164: '+33142685300' })]);
    expect(view.history.map((e: { field: string }) => e.field)).toContain('followup');

    const preview = await call('agent1', `/api/v1/tickets/${t.id}/followups`, { method: 'POST', json: { kind: 'preview', at: new Date(api.clock.now() + 3_600_000).toISOString() } });
    expect(preview.status).toBe(201);
    expect(preview.body).toMatchObject({ kind: 'preview', agent_id: agents.agent1 });
    // Another agent's ticket is outside agent2's scope.
    expect((await call('agent2', `/api/v1/tickets/${t.id}/followups`)).status).toBe(403);
    expect((await call('agent2', `/api/v1/tickets/${t.id}/followups`, { method: 'POST', json: { kind: 'survey', after_minutes: 1 } })).status).toBe(403);
    expect((await call('agent1', `/api/v1/tickets/999999/followups`)).status).toBe(404);
    // The same number already has a pending survey follow-up.
    expect((await call('agent1', `/api/v1/tickets/${t.id}/followups`, { method: 'POST', json: { kind: 'survey', after_minutes: 1 } })).status).toBe(409);

    const list = (await call('supervisor1', `/api/v1/tickets/${t.id}/followups`)).status;
    expect(list).toBe(403); // supervisor1 has no teams here
    const items = (await call('admin1', `/api/v1/tickets/${t.id}/followups`)).body.items;
    expect(items).toHaveLength(2);
    const survey = items.find((f: { kind: string }) => f.kind === 'survey');
    expect((await call('agent1', `/api/v1/tickets/${t.id}/followups/${survey.id}/disposition`, { method: 'POST', json: { disposition: 'ok' } })).status).toBe(409);
    expect((await call('agent1', `/api/v1/tickets/${t.id}/followups/${survey.id}/cancel`, { method: 'POST' })).body).toMatchObject({ status: 'cancelled' });
    expect((await call('agent1', `/api/v1/tickets/${t.id}/followups/${survey.id}/cancel`, { method: 'POST' })).status).toBe(409);
    expect((await call('agent1', `/api/v1/tickets/${t.id}/followups/${preview.body.id}/disposition`, { method: 'POST', json: { disposition: 'solved' } })).body).toMatchObject({ status: 'done', outcome: 'reached' });
  });

  it('a ticket without a caller number, or a preview without an agent, is a 400 that changes nothing', async () => {
    const t = (await call('admin1', '/api/v1/tickets', { method: 'POST', json: { category_id: category, subject: 'No number' } })).body;
    const r = await call('admin1', `/api/v1/tickets/${t.id}`, { method: 'PATCH', json: { status: 'resolved', followup: { kind: 'survey', after_minutes: 1 } } });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/no caller number/);
    expect((await call('admin1', `/api/v1/tickets/${t.id}`)).body.status).toBe('open');
    const t2 = (await call('admin1', '/api/v1/tickets', { method: 'POST', json: { category_id: category, subject: 'No agent', caller_number: '+442079460958' } })).body;
    expect((await call('admin1', `/api/v1/tickets/${t2.id}/followups`, { method: 'POST', json: { kind: 'preview', after_minutes: 1 } })).status).toBe(400);
  });
});
