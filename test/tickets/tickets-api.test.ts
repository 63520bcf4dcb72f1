import { AuditLogSchema } from '../../src/db/entities';
import { startAcdTestApi, type AcdTestApi } from '../acd-api/helpers';
import { describeEachEngine } from '../helpers/databases';

interface TicketOut {
  id: number;
  number: string;
  status: string;
  priority: string;
  due_at: string | null;
  overdue: boolean;
  caller_number: string | null;
  assignee_agent_id: number | null;
  assignee_team: string | null;
  created_at: string;
  created_by_name: string;
}

describeEachEngine('tickets API', (engine) => {
  let api: AcdTestApi;
  const agents: Record<string, number> = {};
  const cat: Record<string, number> = {};
  const t: Record<string, TicketOut> = {};

  const call = async (who: string, path: string, init: { method?: string; json?: unknown } = {}) => {
    const res = await api.fetch(path, { ...init, token: api.tokens[who] });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const ids = (items: TicketOut[]) => items.map((i) => i.id).sort((a, b) => a - b);

  beforeAll(async () => {
    api = await startAcdTestApi(engine);
    agents.agent1 = (await api.store.createAgent({ user_id: api.userIds.agent1!, extension: '1001', teams: ['red'] })).id;
    agents.agent2 = (await api.store.createAgent({ user_id: api.userIds.agent2!, extension: '1002', teams: ['blue'] })).id;
    expect((await call('admin1', `/api/v1/supervision/supervisors/${api.userIds.supervisor1}/teams`, { method: 'PUT', json: { teams: ['red'] } })).status).toBe(200);
  });
  afterAll(() => api?.close());

  it('categories: admins manage the tree, everyone reads it', async () => {
    const support = await call('admin1', '/api/v1/tickets/categories', { method: 'POST', json: { name: 'Support', sla: { low: 4320, normal: 1440, high: 240, urgent: 60 } } });
    expect(support.status).toBe(201);
    cat.support = support.body.id;
    const refunds = await call('admin1', '/api/v1/tickets/categories', { method: 'POST', json: { name: 'Refunds', parent_id: cat.support, sla: { urgent: 30 } } });
    expect(refunds.body).toMatchObject({ name: 'Refunds', parent_id: cat.support, sla: { urgent: 30 }, active: true });
    cat.refunds = refunds.body.id;
    expect((await call('agent1', '/api/v1/tickets/categories', { method: 'POST', json: { name: 'x' } })).status).toBe(403);
    expect((await call('supervisor1', `/api/v1/tickets/categories/${cat.refunds}`, { method: 'PATCH', json: { name: 'y' } })).status).toBe(403);
    expect((await call('admin1', '/api/v1/tickets/categories', { method: 'POST', json: { name: 'x', sla: { critical: 5 } } })).status).toBe(400);
    expect((await call('admin1', '/api/v1/tickets/categories', { method: 'POST', json: { name: 'x', parent_id: 999999 } })).status).toBe(400);
    // The tree stays a tree.
    expect((await call('admin1', `/api/v1/tickets/categories/${cat.support}`, { method: 'PATCH', json: { parent_id: cat.refunds } })).status).toBe(400);
    const list = await call('agent2', '/api/v1/tickets/categories');
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['Support', 'Refunds']);
    const tmp = await call('admin1', '/api/v1/tickets/categories', { method: 'POST', json: { name: 'tmp' } });
    expect((await call('admin1', `/api/v1/tickets/categories/${tmp.body.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('creates tickets with an SLA due time, linked to caller, call and assignee', async () => {
    const created = new Date(api.clock.now());
    const r1 = await call('agent1', '/api/v1/tickets', {
      method: 'POST',
      json: { category_id: cat.refunds, priority: 'urgent', subject: 'Refund for a double charge', description: 'Card charged twice on 3 March', caller_number: '(415) 555-2671', call_uuid: 'call-uuid-1', assignee_team: 'red' },
    });
    expect(r1.status).toBe(201);
    t.one = r1.body;
    expect(t.one).toMatchObject({ number: `T-${String(t.one.id).padStart(6, '0')}`, status: 'open', caller_number: '+14155552671', assignee_team: 'red', overdue: false, created_by_name: 'agent1' });
    expect(t.one.due_at).toBe(new Date(created.getTime() + 30 * 60_000).toISOString());

    const r2 = await call('admin1', '/api/v1/tickets', { method: 'POST', json: { category_id: cat.support, subject: 'Address change', caller_number: '+44 20 7183 8750', assignee_agent_id: agents.agent2 } });
    t.two = r2.body;
    expect(t.two).toMatchObject({ priority: 'normal', caller_number: '+442071838750', assignee_agent_id: agents.agent2, due_at: new Date(created.getTime() + 1440 * 60_000).toISOString() });
    t.three = (await call('admin1', '/api/v1/tickets', { method: 'POST', json: { category_id: cat.support, priority: 'low', subject: 'Lost item 50%_off', assignee_team: 'blue', profile_id: 77 } })).body;

    expect((await call('admin1', '/api/v1/tickets', { method: 'POST', json: { category_id: 999999, subject: 'x' } })).status).toBe(400);
    expect((await call('admin1', '/api/v1/tickets', { method: 'POST', json: { category_id: cat.support, subject: 'x', assignee_agent_id: 999999 } })).status).toBe(400);
    expect((await call('admin1', '/api/v1/tickets', { method: 'POST', json: { category_id: cat.support, subject: 'x', caller_number: 'abc' } })).status).toBe(400);
    // from_current_call needs the agent to be on a call.
    expect((await call('agent1', '/api/v1/tickets', { method: 'POST', json: { category_id: cat.support, subject: 'x', from_current_call: true } })).status).toBe(409);
  });

  it('scopes tickets: agents see theirs, supervisors their teams, admins all', async () => {
    expect(ids((await call('admin1', '/api/v1/tickets')).body.items)).toEqual([t.one!.id, t.two!.id, t.three!.id]);
    expect(ids((await call('agent1', '/api/v1/tickets')).body.items)).toEqual([t.one!.id]); // created by them
    expect(ids((await call('agent2', '/api/v1/tickets')).body.items)).toEqual([t.two!.id]); // assigned to them
    expect(ids((await call('supervisor1', '/api/v1/tickets')).body.items)).toEqual([t.one!.id]); // team red
    expect(ids((await call('agent3', '/api/v1/tickets')).body.items)).toEqual([]);
    expect((await call('agent2', `/api/v1/tickets/${t.one!.id}`)).status).toBe(403);
    expect((await call('supervisor1', `/api/v1/tickets/${t.two!.id}`, { method: 'PATCH', json: { priority: 'high' } })).status).toBe(403);
    expect((await call('supervisor1', `/api/v1/tickets/${t.three!.id}/comments`, { method: 'POST', json: { body: 'hi' } })).status).toBe(403);
    expect((await call('admin1', '/api/v1/tickets/999999')).status).toBe(404);
    const key = await call('admin1', '/api/v1/api-keys', { method: 'POST', json: { name: 'sup-key', role: 'supervisor' } });
    expect((await api.fetch('/api/v1/tickets', { apiKey: key.body.key })).status).toBe(403);
  });

  it('searches by caller, number, status, assignee, category and text', async () => {
    const search = async (qs: string) => ids((await call('admin1', `/api/v1/tickets?${qs}`)).body.items);
    expect(await search('caller=%2B14155552671')).toEqual([t.one!.id]);
    expect(await search('caller=020%207183%208750&country=GB')).toEqual([t.two!.id]);
    expect(await search(`number=${t.two!.number}`)).toEqual([t.two!.id]);
    expect(await search(`number=${t.two!.id}`)).toEqual([t.two!.id]);
    expect(await search('call_uuid=call-uuid-1')).toEqual([t.one!.id]);
    expect(await search('profile_id=77')).toEqual([t.three!.id]);
    expect(await search('status=open')).toEqual([t.one!.id, t.two!.id, t.three!.id]);
    expect(await search('status=resolved,closed')).toEqual([]);
    expect(await search(`assignee_agent_id=${agents.agent2}`)).toEqual([t.two!.id]);
    expect(await search('assignee_team=blue')).toEqual([t.three!.id]);
    expect(await search(`category_id=${cat.support}`)).toEqual([t.two!.id, t.three!.id]);
    expect(await search('q=charged%20twice')).toEqual([t.one!.id]);
    expect(await search('q=50%25_')).toEqual([t.three!.id]); // % and _ are literal text
    expect(await search('q=5%25')).toEqual([]);
    const page = await call('admin1', '/api/v1/tickets?limit=2&offset=0');
    expect([page.body.items.length, page.body.total]).toEqual([2, 3]);
    expect((await call('admin1', '/api/v1/tickets?status=bogus')).status).toBe(400);
  });

  it('flags overdue tickets and counts them in the team queues', async () => {
    api.clock.advance(31 * 60_000);
    const overdue = await call('admin1', '/api/v1/tickets?overdue=true');
    expect(ids(overdue.body.items)).toEqual([t.one!.id]);
    expect(overdue.body.items[0].overdue).toBe(true);
    expect(ids((await call('admin1', '/api/v1/tickets?overdue=false')).body.items)).toEqual([t.two!.id, t.three!.id]);
    const queues = await call('admin1', '/api/v1/tickets/queues');
    expect(queues.body.items).toEqual([
      { team: null, counts: { open: 1, in_progress: 0, waiting_customer: 0, resolved: 0, closed: 0 }, overdue: 0 },
      { team: 'blue', counts: { open: 1, in_progress: 0, waiting_customer: 0, resolved: 0, closed: 0 }, overdue: 0 },
      { team: 'red', counts: { open: 1, in_progress: 0, waiting_customer: 0, resolved: 0, closed: 0 }, overdue: 1 },
    ]);
    expect((await call('supervisor1', '/api/v1/tickets/queues')).body.items.map((q: { team: string }) => q.team)).toEqual(['red']);
  });

  it('records every change in the history with actor and time, audits it, and follows the workflow', async () => {
    const path = `/api/v1/tickets/${t.one!.id}`;
    const changed = await call('agent1', path, { method: 'PATCH', json: { status: 'in_progress', priority: 'normal' } });
    expect(changed.status).toBe(200);
    // The due time is recomputed: normal is inherited from Support (1440 min from creation), no longer overdue.
    expect(changed.body).toMatchObject({ status: 'in_progress', priority: 'normal', overdue: false, due_at: new Date(Date.parse(t.one!.created_at) + 1440 * 60_000).toISOString() });
    expect((await call('supervisor1', path, { method: 'PATCH', json: { assignee_agent_id: agents.agent1 } })).status).toBe(200);
    expect((await call('agent1', path, { method: 'PATCH', json: { status: 'resolved' } })).body.resolved_at).not.toBeNull();
    expect((await call('agent1', path, { method: 'PATCH', json: { status: 'waiting_customer' } })).status).toBe(409);
    expect((await call('agent1', path, { method: 'PATCH', json: { status: 'open' } })).body).toMatchObject({ status: 'open', resolved_at: null }); // reopen
    expect((await call('agent1', path, { method: 'PATCH', json: { status: 'closed' } })).body.closed_at).not.toBeNull();
    expect((await call('agent1', path, { method: 'PATCH', json: { status: 'open' } })).status).toBe(409); // closed is final
    expect((await call('supervisor1', path, { method: 'PATCH', json: { status: 'open' } })).status).toBe(409);
    expect((await call('admin1', path, { method: 'PATCH', json: { status: 'open' } })).body.status).toBe('open'); // admin reopen
    expect((await call('supervisor1', `${path}/comments`, { method: 'POST', json: { body: 'Called the customer back' } })).status).toBe(201);

    const detail = (await call('agent1', path)).body;
    expect(detail.comments).toEqual([expect.objectContaining({ author_name: 'supervisor1', author_id: api.userIds.supervisor1, body: 'Called the customer back' })]);
    expect(detail.next_statuses).toEqual(['in_progress', 'waiting_customer', 'resolved', 'closed']);
    expect(detail.history.map((e: { actor_name: string; field: string; old: string | null; new: string | null }) => [e.actor_name, e.field, e.old, e.new])).toEqual([
      ['agent1', 'created', null, 'open'],
      ['agent1', 'status', 'open', 'in_progress'],
      ['agent1', 'priority', 'urgent', 'normal'],
      ['agent1', 'due_at', t.one!.due_at, changed.body.due_at],
      ['supervisor1', 'assignee_agent_id', null, String(agents.agent1)],
      ['agent1', 'status', 'in_progress', 'resolved'],
      ['agent1', 'status', 'resolved', 'open'],
      ['agent1', 'status', 'open', 'closed'],
      ['admin1', 'status', 'closed', 'open'],
    ]);
    expect(detail.history[1].at).toBe(new Date(api.clock.now()).toISOString());
    const audits = await api.db.ds.getRepository(AuditLogSchema).find({ where: { target_type: 'ticket', target_id: String(t.one!.id) } });
    expect(audits.map((a) => a.action).sort()).toEqual(['ticket.comment', 'ticket.create', ...Array(6).fill('ticket.update')].sort());
    // A PATCH that changes nothing writes no history and no audit.
    expect((await call('admin1', path, { method: 'PATCH', json: { priority: 'normal' } })).status).toBe(200);
    expect((await call('admin1', path)).body.history).toHaveLength(9);
    // A category with tickets cannot be deleted.
    expect((await call('admin1', `/api/v1/tickets/categories/${cat.refunds}`, { method: 'DELETE' })).status).toBe(409);
  });

  it('webhook endpoints: the secret is shown once; a status change enqueues a delivery in the log', async () => {
    const created = await call('admin1', '/api/v1/webhooks/endpoints', { method: 'POST', json: { url: 'http://127.0.0.1:9/hook', events: ['ticket.status_changed'] } });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const id = created.body.id;
    expect((await call('admin1', `/api/v1/webhooks/endpoints/${id}`)).body).not.toHaveProperty('secret');
    expect((await call('admin1', '/api/v1/webhooks/endpoints')).body.items[0]).not.toHaveProperty('secret');
    expect((await call('supervisor1', '/api/v1/webhooks/endpoints')).status).toBe(403);
    expect((await call('admin1', '/api/v1/webhooks/endpoints', { method: 'POST', json: { url: 'ftp://x', events: ['a.b'] } })).status).toBe(400);

    await call('agent2', `/api/v1/tickets/${t.two!.id}`, { method: 'PATCH', json: { status: 'waiting_customer' } });
    await call('agent2', `/api/v1/tickets/${t.two!.id}`, { method: 'PATCH', json: { priority: 'high' } }); // not a status change
    const log = await call('admin1', `/api/v1/webhooks/deliveries?endpoint_id=${id}`);
    expect(log.body.total).toBe(1);
    expect(log.body.items[0]).toMatchObject({ event: 'ticket.status_changed', status: 'pending', attempt: 0 });
    const one = await call('admin1', `/api/v1/webhooks/deliveries/${log.body.items[0].id}`);
    expect(one.body.payload).toMatchObject({ event: 'ticket.status_changed', data: { from: 'open', to: 'waiting_customer', actor: 'agent2', ticket: { id: t.two!.id, status: 'waiting_customer' } } });
    expect(one.body.attempts).toEqual([]);
    expect((await call('admin1', `/api/v1/webhooks/endpoints/${id}`, { method: 'PATCH', json: { active: false } })).body.active).toBe(false);
    expect((await call('admin1', `/api/v1/webhooks/endpoints/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call('admin1', '/api/v1/webhooks/deliveries')).body.total).toBe(0);
  });

  it("an agent on a call creates a ticket from it: the call's uuid and caller number are linked", async () => {
    expect((await call('admin1', '/api/v1/acd/queues', { method: 'POST', json: { name: 'sales' } })).status).toBe(201);
    expect((await call('admin1', `/api/v1/acd/agents/${agents.agent1}`, { method: 'PATCH', json: { queues: [{ queue: 'sales', tier: 1 }] } })).status).toBe(200);
    const acd = await api.startAcd();
    acd.engine.login(agents.agent1!);
    acd.enqueue({ id: 'call-live-1', node: 'fs1', queue: 'sales', priority: 0, skills: [], callerNumber: '4155552671', callerName: 'Cy', data: {} });
    acd.engine.offerAnswered(acd.offerTo(agents.agent1!)!.offerId, agents.agent1!);
    const made = await call('agent1', '/api/v1/tickets', { method: 'POST', json: { category_id: cat.support, subject: 'From the call', from_current_call: true } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ call_uuid: 'call-live-1', caller_number: '+14155552671', created_by_name: 'agent1' });
    // agent2 is on no call.
    expect((await call('agent2', '/api/v1/tickets', { method: 'POST', json: { category_id: cat.support, subject: 'x', from_current_call: true } })).status).toBe(409);
    api.stopAcd();
  });
});
