/**
 * A follow-up survey call end to end on the simulator and the whole service: a ticket is resolved with a survey
 * follow-up through the API; the follow-up campaign (configured by name, agentless with a `flow`) dials the caller
 * through the gateway; the answered call runs the survey flow (the IVR runtime on the dialer's channel, with the
 * ticket and follow-up channel variables); the caller's DTMF is collected; the call's end settles the follow-up as
 * reached; the survey node's answer (csat_answers, linked by the channel variables) comes back through the CSAT store's
 * listener: a low score reopens the ticket.
 */
import { AcdQueueCallSchema, CsatAnswerSchema, IvrCallSchema, type AcdQueueCallRow, type CsatAnswerRow, type IvrCallRow } from '../../src/db/entities';
import { uuidGetVar } from '../../src/freeswitch';
import { AcdHarness, waitFor } from '../acd-runtime/harness';
import { describeEachEngine } from '../helpers/databases';

describeEachEngine('follow-up survey call end to end', (engine) => {
  const h = new AcdHarness(engine, { env: { OUTBOUND_GATEWAY: 'carrier', CALLBACK_CALLER_ID: '+14155550000', FOLLOWUP_SURVEY_FLOW: 'fu-survey', FOLLOWUP_WINDOW: '00:00-23:59', FOLLOWUP_REOPEN_DISPOSITIONS: 'not_fixed' } });

  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  it('a resolved ticket is followed up: the dialer calls the caller, the survey flow runs on the call, a low score reopens the ticket', async () => {
    h.sim.setFileDuration('/sounds/survey.wav', 300);
    await h.flow('fu-survey', 'ask', {
      ask: { type: 'survey', question: [{ kind: 'file', path: '/sounds/survey.wav' }], timeoutMs: 5000 },
    });
    // The survey campaign configured by name before the first follow-up: AMD off (the simulator's PSTN is a person).
    const created = await h.api('/api/v1/dialer/campaigns', {
      method: 'POST',
      json: { name: 'followup-survey', type: 'agentless', queue: 'followups', timezone: 'UTC', window_start: '00:00', window_end: '23:59', enabled: true, settings: { amd: 'off', flow: 'fu-survey' } },
    });
    expect(created.status).toBe(201);
    const campaignId = ((await created.json()) as { id: number }).id;
    h.sim.setGatewayOutcome('+14155557001', { outcome: 'answer', ringMs: 200 });

    const category = (await (await h.api('/api/v1/tickets/categories', { method: 'POST', json: { name: 'Rides' } })).json()) as { id: number };
    // The call the ticket comes from: a queue call the caller had with agent 77 on queue `rides` an hour ago.
    const callAt = new Date(Date.now() - 3_600_000);
    await h.service.dataSource.getRepository<AcdQueueCallRow>(AcdQueueCallSchema).save({
      id: 'fu-origin-call', fs_node: 'sim1', queue: 'rides', priority: 0, caller_number: '+14155557001', caller_name: null, entered_at: callAt, offered_count: 1,
      answered_at: callAt, ended_at: callAt, agent_id: 77, wait_ms: 3000, talk_ms: 60_000, outcome: 'answered', overflow_target: null, disposition: null, notes: null, data: null,
    });
    const ticket = (await (await h.api('/api/v1/tickets', { method: 'POST', json: { category_id: category.id, subject: 'Lost phone in the car', caller_number: '+14155557001', call_uuid: 'fu-origin-call' } })).json()) as { id: number };
    const resolved = await h.api(`/api/v1/tickets/${ticket.id}`, { method: 'PATCH', json: { status: 'resolved', followup: { kind: 'survey', after_minutes: 0 } } });
    expect(resolved.status).toBe(200);

    const followup = await waitFor('the follow-up dialling', async () => {
      const items = ((await (await h.api(`/api/v1/tickets/${ticket.id}/followups`)).json()) as { items: Array<{ id: number; status: string; campaign_id: number }> }).items;
      return items.find((f) => f.status !== 'scheduled');
    });
    expect(followup.campaign_id).toBe(campaignId);
    const dial = await waitFor('the dial in the ledger', async () => {
      const rows = ((await (await h.api(`/api/v1/dialer/campaigns/${campaignId}/ledger?limit=10`)).json()) as { items: Array<{ action: string; call_uuid: string | null }> }).items;
      return rows.find((r) => r.action === 'dial' && r.call_uuid);
    });
    const uuid = dial.call_uuid!;
    // The survey flow asks on the dialer's channel, which carries the ticket and follow-up ids for the survey node.
    await waitFor('the survey prompt', () => h.eventsOf(uuid, 'CHANNEL_EXECUTE').find((e) => e.app === 'play_and_get_digits'));
    const client = h.service.cluster.client(h.service.cluster.nodeNames()[0]!);
    expect((await client.api(uuidGetVar(uuid, 'switchboard_ticket_id'))).body.trim()).toBe(String(ticket.id));
    expect((await client.api(uuidGetVar(uuid, 'switchboard_followup_id'))).body.trim()).toBe(String(followup.id));
    h.sim.pressDigits(uuid, '2');

    const row = await waitFor('the IVR call row', async () => {
      await h.service.ivr.flush();
      return (await h.service.dataSource.getRepository<IvrCallRow>(IvrCallSchema).findOneBy({ uuid })) ?? undefined;
    });
    expect(row).toMatchObject({ flow: 'fu-survey', did: `campaign:${campaignId}` });
    const answer = await waitFor('the survey answer', async () => (await h.service.dataSource.getRepository<CsatAnswerRow>(CsatAnswerSchema).findOneBy({ call_uuid: uuid })) ?? undefined);
    // Credited to the queue and agent of the ticket's call: the survey's score is in that queue's period report.
    expect(answer).toMatchObject({ source: 'followup', score: 2, ticket_id: ticket.id, followup_id: followup.id, caller_number: '+14155557001', queue: 'rides', agent_id: 77 });
    const next = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const report = (await (await h.api(`/api/v1/reports/queue?from=${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}&to=${next}&bucket=month`)).json()) as { items: Array<{ key: string | null; csat_count: number; csat_mean: number | null; tickets_opened?: number }> };
    expect(report.items.filter((r) => r.key === 'rides').reduce((n, r) => n + r.csat_count, 0)).toBe(1);
    expect(report.items.find((r) => r.key === 'rides' && r.csat_count === 1)).toMatchObject({ csat_mean: 2 });

    // The score settles the follow-up as reopened (the dialer's later `delivered` does not replace what the caller said).
    const settled = await waitFor('the follow-up settled', async () => {
      const items = ((await (await h.api(`/api/v1/tickets/${ticket.id}/followups`)).json()) as { items: Array<{ status: string; outcome: string | null; score: number | null }> }).items;
      return items.find((f) => f.status === 'done' && f.outcome === 'reopened');
    });
    expect(settled).toMatchObject({ status: 'done', outcome: 'reopened', score: 2 });
    await waitFor('the dial delivered', async () => {
      const ledger = ((await (await h.api(`/api/v1/dialer/campaigns/${campaignId}/ledger?limit=10`)).json()) as { items: Array<{ action: string; outcome: string | null }> }).items;
      return ledger.find((r) => r.action === 'dial' && r.outcome === 'delivered');
    });
    const view = (await (await h.api(`/api/v1/tickets/${ticket.id}`)).json()) as { status: string; comments: Array<{ body: string }>; history: Array<{ field: string; new: string }> };
    expect(view.status).toBe('open');
    expect(view.comments.map((c) => c.body)).toContainEqual(expect.stringMatching(new RegExp(`Follow-up F${followup.id} \\(survey, score 2\\)`)));
    expect(view.history.filter((e) => e.field === 'followup').map((e) => e.new)).toEqual(expect.arrayContaining([expect.stringMatching(/scheduled survey/), expect.stringMatching(/reopened/)]));
  }, 60_000);
  it("a preview follow-up is offered to the ticket's agent (not in the campaign's queue), dialled through them, and their disposition reopens the ticket", async () => {
    await h.queue('rides');
    const a = await h.agent('4700', ['rides'], { answerDelayMs: 80 });
    h.sim.setGatewayOutcome('+14155557002', { outcome: 'answer', ringMs: 300, hangupAfterMs: 500 });
    const category = (await (await h.api('/api/v1/tickets/categories', { method: 'POST', json: { name: 'Drivers' } })).json()) as { id: number };
    const ticket = (await (await h.api('/api/v1/tickets', { method: 'POST', json: { category_id: category.id, subject: 'Fare dispute', caller_number: '+14155557002', assignee_agent_id: a } })).json()) as { id: number };
    expect((await h.api(`/api/v1/tickets/${ticket.id}`, { method: 'PATCH', json: { status: 'resolved', followup: { kind: 'preview', after_minutes: 0 } } })).status).toBe(200);

    const username = ((await h.service.dataSource.query(`SELECT u.username FROM users u JOIN acd_agents g ON g.user_id = u.id WHERE g.id = ?`, [a])) as Array<{ username: string }>)[0]!.username;
    const login = await fetch(`${h.service.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'agent-password-123' }) });
    const token = ((await login.json()) as { token: string }).token;
    const asAgent = (p: string, json?: unknown) =>
      fetch(`${h.service.url}${p}`, { method: json === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
    const next = (await (await asAgent('/api/v1/dialer/me/preview')).json()) as { lead: { id: number; phone_e164: string; fields: Record<string, string> }; campaign: { name: string } };
    expect(next.campaign.name).toBe('followup-preview');
    expect(next.lead).toMatchObject({ phone_e164: '+14155557002', fields: { ticket_id: String(ticket.id) } });
    expect((await asAgent('/api/v1/dialer/me/preview/dial', { lead_id: next.lead.id })).status).toBe(200);
    const reached = await waitFor('the preview follow-up reached', async () => {
      const items = ((await (await h.api(`/api/v1/tickets/${ticket.id}/followups`)).json()) as { items: Array<{ id: number; status: string; outcome: string | null }> }).items;
      return items.find((f) => f.status === 'done');
    });
    expect(reached.outcome).toBe('reached');
    const disposed = await asAgent(`/api/v1/tickets/${ticket.id}/followups/${reached.id}/disposition`, { disposition: 'not_fixed' });
    expect(disposed.status).toBe(200);
    expect(await disposed.json()).toMatchObject({ outcome: 'reopened' });
    const view = (await (await h.api(`/api/v1/tickets/${ticket.id}`)).json()) as { status: string; comments: Array<{ body: string }> };
    expect(view.status).toBe('open');
    expect(view.comments[0]!.body).toMatch(new RegExp(`Follow-up F${reached.id} \\(preview\\)`));
    await h.settled([a]);
  }, 60_000);
});
