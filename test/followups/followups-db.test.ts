import { VirtualClock } from '../../src/clock/clock';
import { loadConfig } from '../../src/config/config';
import { LeadSchema, type LeadRow } from '../../src/db/entities/dialer';
import { WebhookDeliverySchema, WebhookEndpointSchema, type WebhookDeliveryRow, type WebhookEndpointRow } from '../../src/db/entities/webhooks';
import { DialerStore } from '../../src/dialer/runtime/dialer-store';
import { FollowupService } from '../../src/followups/service';
import { TicketService, type TicketActor } from '../../src/tickets/service';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

/** Follow-ups on SQLite and MariaDB: scheduling through the dialer's lead, the dialer's lead changes, the survey answer. */
describeEachEngine('ticket follow-ups', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());

  const actor: TicketActor = { userId: null, name: 'crm-key', isAdmin: false };

  async function setup() {
    const clock = new VirtualClock(Date.UTC(2026, 5, 1, 12)); // 08:00 in New York (EDT)
    const tickets = new TicketService(db.ds, clock);
    const reloads: number[] = [];
    const config = loadConfig({ FOLLOWUP_WINDOW: '09:00-20:00', FOLLOWUP_REOPEN_DISPOSITIONS: 'not_fixed' }).followups;
    const followups = new FollowupService({ dataSource: db.ds, clock, tickets, config, dialer: { reload: async (id) => void reloads.push(id) } });
    const store = new DialerStore(db.ds);
    const pending: Array<Promise<void>> = [];
    store.onLeadChange((c) => pending.push(followups.onLeadChange(c)));
    const settle = async () => {
      while (pending.length) await pending.shift();
    };
    await db.ds.getRepository<WebhookEndpointRow>(WebhookEndpointSchema).save({
      url: 'http://127.0.0.1:9/',
      secret: 's3cret',
      events: JSON.stringify(['ticket.followup']),
      active: true,
      description: null,
      created_at: new Date(clock.now()),
      updated_at: new Date(clock.now()),
    } as WebhookEndpointRow);
    const category = await tickets.createCategory({ parent_id: null, name: `General ${Math.random()}`, sla: {}, active: true });
    const newTicket = async (caller: string, agent: number | null = null) => {
      const t = await tickets.create({ category_id: category.id, priority: 'normal', subject: 'Refund', description: '', caller_number: caller, profile_id: null, call_uuid: null, recording_id: null, assignee_agent_id: agent, assignee_team: null }, actor);
      await tickets.update(t.id, { status: 'resolved' }, actor);
      return t;
    };
    return { clock, tickets, followups, store, settle, newTicket, reloads };
  }

  it('a survey follow-up: a lead in the survey campaign inside the window, dialled, answered, a low score reopens the ticket', async () => {
    const { followups, store, settle, newTicket, tickets, reloads } = await setup();
    const ticket = await newTicket('+12125550147');
    const f = await followups.schedule(ticket.id, { kind: 'survey', when: { after_minutes: 5 } }, actor);
    // 12:05 UTC is 08:05 in New York: moved to 09:00 EDT.
    expect(f).toMatchObject({ kind: 'survey', status: 'scheduled', phone_e164: '+12125550147', scheduled_for: new Date('2026-06-01T13:00:00Z') });
    const campaign = await followups.campaignFor('survey');
    expect(campaign).toMatchObject({ name: 'followup-survey', type: 'agentless', enabled: true });
    expect(JSON.parse(campaign.settings)).toMatchObject({ flow: 'csat-survey' });
    expect(reloads).toContain(campaign.id);
    const lead = (await db.ds.getRepository(LeadSchema).findOneBy({ id: f.lead_id! })) as LeadRow;
    expect(lead).toMatchObject({ campaign_id: campaign.id, status: 'scheduled', next_attempt_at: new Date('2026-06-01T13:00:00Z'), callback_agent_id: null });
    expect(FollowupService.dialVariables(lead)).toEqual({ switchboard_ticket_id: String(ticket.id), switchboard_followup_id: String(f.id) });

    // A second survey of the same number while this one is pending is refused.
    const again = await newTicket('+12125550147');
    await expect(followups.schedule(again.id, { kind: 'survey', when: { after_minutes: 5 } }, actor)).rejects.toThrow(/already scheduled/);

    // The dialer claims the lead, a busy attempt is retried, then the person answers and the flow ends.
    expect(await store.claim(lead, new Date())).toBe(true);
    await settle();
    expect(await followups.get(f.id)).toMatchObject({ status: 'dialing' });
    await store.applyStep(lead.id, 'busy', { status: 'scheduled', at: new Date(), reason: 'retry' });
    await settle();
    expect(await followups.get(f.id)).toMatchObject({ status: 'scheduled', detail: 'retry after busy' });
    // The survey answer comes before the hangup's lead result: the score wins.
    await followups.onCsatAnswer(f.id, 2);
    await store.applyStep(lead.id, 'delivered', { status: 'done', reason: 'delivered' });
    await settle();
    expect(await followups.get(f.id)).toMatchObject({ status: 'done', outcome: 'reopened', score: 2 });

    const after = await tickets.get(ticket.id);
    expect(after?.status).toBe('open');
    const comments = await tickets.comments(ticket.id);
    expect(comments.map((c) => c.body)).toEqual([expect.stringContaining(`Follow-up F${f.id} (survey, score 2)`)]);
    const history = await tickets.history(ticket.id);
    expect(history.filter((e) => e.field === 'followup').map((e) => e.new_value)).toEqual([
      expect.stringMatching(/scheduled survey/),
      expect.stringMatching(/done reopened: survey score 2/),
    ]);
    expect(history.filter((e) => e.field === 'status').map((e) => e.new_value)).toEqual(['resolved', 'open']);
    const hooks = await db.ds.getRepository<WebhookDeliveryRow>(WebhookDeliverySchema).findBy({ event: 'ticket.followup' });
    expect(hooks.length).toBeGreaterThanOrEqual(2);
    expect(hooks.map((h) => JSON.parse(h.payload).data.followup.outcome)).toContain('reopened');
  });

  it('a satisfied survey leaves the ticket resolved; an unanswered one is unreached; a cancel takes the lead out', async () => {
    const { followups, store, settle, newTicket, tickets } = await setup();
    const t1 = await newTicket('+33142685300');
    const f1 = await followups.schedule(t1.id, { kind: 'survey', when: { after_minutes: 1 } }, actor);
    expect(f1.scheduled_for).toEqual(new Date('2026-06-01T12:01:00Z')); // 14:01 in Paris
    await followups.onCsatAnswer(f1.id, 5);
    expect(await followups.get(f1.id)).toMatchObject({ status: 'done', outcome: 'satisfied', score: 5 });
    expect((await tickets.get(t1.id))?.status).toBe('resolved');
    await expect(followups.onCsatAnswer(f1.id, 9)).rejects.toThrow(/1-5/);

    const t2 = await newTicket('+33142685301');
    const f2 = await followups.schedule(t2.id, { kind: 'survey', when: { after_minutes: 1 } }, actor);
    await store.closeLead(f2.lead_id!, 'failed', 'max_attempts');
    await settle();
    expect(await followups.get(f2.id)).toMatchObject({ status: 'failed', outcome: 'unreached' });

    const t3 = await newTicket('+33142685302');
    const f3 = await followups.schedule(t3.id, { kind: 'survey', when: { after_minutes: 1 } }, actor);
    expect(await followups.cancel(f3.id, actor)).toMatchObject({ status: 'cancelled' });
    expect(await db.ds.getRepository(LeadSchema).findOneBy({ id: f3.lead_id! })).toMatchObject({ status: 'done', last_outcome: 'cancelled' });
    await expect(followups.cancel(f3.id, actor)).rejects.toThrow(/cancelled already/);
    // Once ended, the number can be followed up again: the same lead comes back fresh.
    const f4 = await followups.schedule(t3.id, { kind: 'survey', when: { after_minutes: 1 } }, actor);
    expect(f4.lead_id).toBe(f3.lead_id);
    expect(await db.ds.getRepository(LeadSchema).findOneBy({ id: f4.lead_id! })).toMatchObject({ status: 'scheduled', attempts: 0 });
  });

  it('a preview follow-up is a lead targeted to the assigned agent; their disposition is the outcome', async () => {
    const { followups, newTicket, tickets } = await setup();
    const noAgent = await newTicket('+442079460958');
    await expect(followups.schedule(noAgent.id, { kind: 'preview', when: { after_minutes: 1 } }, actor)).rejects.toThrow(/assigned agent/);
    const t = await newTicket('+442079460959', 7);
    const f = await followups.schedule(t.id, { kind: 'preview', when: { after_minutes: 1 } }, actor);
    expect(f).toMatchObject({ kind: 'preview', agent_id: 7 });
    expect(await followups.campaignFor('preview')).toMatchObject({ name: 'followup-preview', type: 'preview' });
    expect(await db.ds.getRepository(LeadSchema).findOneBy({ id: f.lead_id! })).toMatchObject({ callback_agent_id: 7, status: 'scheduled' });
    expect(await followups.onDisposition(f.id, 'not_fixed', actor)).toMatchObject({ status: 'done', outcome: 'reopened' });
    expect((await tickets.get(t.id))?.status).toBe('open');
    expect(await followups.list(t.id)).toHaveLength(1);
  });
});
