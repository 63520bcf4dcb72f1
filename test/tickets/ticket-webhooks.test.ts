import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '../../src/clock/clock';
import { WebhookDeliverySchema, WebhookEndpointSchema, type WebhookDeliveryRow, type WebhookEndpointRow } from '../../src/db/entities/webhooks';
import { silentLogger } from '../../src/log/logger';
import { TicketService, type TicketActor } from '../../src/tickets/service';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher';
import { verifySignature } from '../../src/webhooks/signing';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

/** A ticket's status change reaches a subscribed receiver, signed, after a failed first attempt. */
describeEachEngine('ticket status webhooks', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());

  it('a status change is delivered to the subscriber; a rolled-back change enqueues nothing', async () => {
    const received: Array<{ body: string; signature: string; timestamp: string; event: string }> = [];
    let answer = 500;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['x-switchboard-signature']), timestamp: String(req.headers['x-switchboard-timestamp']), event: String(req.headers['x-switchboard-event']) });
        res.statusCode = answer;
        answer = 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const clock = new VirtualClock(Date.UTC(2026, 5, 1, 9));
    const dispatcher = new WebhookDispatcher({ dataSource: db.ds, clock, logger: silentLogger, retry: { delaysMs: [10_000], random: () => 0.5 } });
    try {
      await db.ds.getRepository<WebhookEndpointRow>(WebhookEndpointSchema).save({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        secret: 's3cret',
        events: JSON.stringify(['ticket.status_changed']),
        active: true,
        description: null,
        created_at: new Date(clock.now()),
        updated_at: new Date(clock.now()),
      } as WebhookEndpointRow);
      const tickets = new TicketService(db.ds, clock);
      const actor: TicketActor = { userId: null, name: 'crm-key', isAdmin: false };
      const category = await tickets.createCategory({ parent_id: null, name: 'General', sla: { normal: 60 }, active: true });
      const ticket = await tickets.create(
        { category_id: category.id, priority: 'normal', subject: 'Lost card', description: '', caller_number: '+14155552671', profile_id: 42, call_uuid: 'c-1', recording_id: null, assignee_agent_id: null, assignee_team: 'red' },
        actor,
      );
      dispatcher.start();
      await expect(tickets.update(ticket.id, { status: 'open' }, actor)).resolves.toMatchObject({ after: { status: 'open' } }); // no change, no event
      await expect(tickets.update(ticket.id, { status: 'resolved', category_id: 999999 }, actor)).rejects.toThrow(/category 999999/); // rolled back
      await tickets.update(ticket.id, { status: 'resolved' }, actor);
      await dispatcher.idle();
      clock.advance(0);
      await dispatcher.idle();
      clock.advance(10_000);
      await dispatcher.idle();

      const deliveries = await db.ds.getRepository<WebhookDeliveryRow>(WebhookDeliverySchema).find();
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ event: 'ticket.status_changed', status: 'delivered', attempt: 2 });
      expect(received).toHaveLength(2);
      const last = received[1]!;
      expect(last.event).toBe('ticket.status_changed');
      expect(verifySignature('s3cret', last, last.body, Math.floor(clock.now() / 1000))).toBe(true);
      expect(JSON.parse(last.body)).toMatchObject({
        event: 'ticket.status_changed',
        occurred_at: '2026-06-01T09:00:00.000Z',
        data: { from: 'open', to: 'resolved', actor: 'crm-key', ticket: { id: ticket.id, status: 'resolved', caller_number: '+14155552671', profile_id: 42, call_uuid: 'c-1' } },
      });
    } finally {
      await dispatcher.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
