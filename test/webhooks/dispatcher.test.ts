import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '../../src/clock/clock';
import {
  WebhookDeliveryAttemptSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  type WebhookDeliveryAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../../src/db/entities/webhooks';
import { silentLogger } from '../../src/log/logger';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher';
import { publishWebhook } from '../../src/webhooks/outbox';
import { verifySignature } from '../../src/webhooks/signing';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver answering each request with the next status of `answers` (the last one repeats). */
async function startReceiver(answers: number[]) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answers[Math.min(received.length - 1, answers.length - 1)]!;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describeEachEngine('webhook dispatcher', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());
  beforeEach(async () => {
    await db.ds.getRepository(WebhookEndpointSchema).createQueryBuilder().delete().execute();
  });

  const addEndpoint = async (url: string, events: string[], active = true): Promise<WebhookEndpointRow> =>
    db.ds.getRepository<WebhookEndpointRow>(WebhookEndpointSchema).save({
      url,
      secret: 'whsec_test_secret',
      events: JSON.stringify(events),
      active,
      description: null,
      created_at: new Date(),
      updated_at: new Date(),
    } as WebhookEndpointRow);
  const deliveries = (endpointId: number) => db.ds.getRepository<WebhookDeliveryRow>(WebhookDeliverySchema).find({ where: { endpoint_id: endpointId }, order: { id: 'ASC' } });
  const attempts = (deliveryId: number) => db.ds.getRepository<WebhookDeliveryAttemptRow>(WebhookDeliveryAttemptSchema).find({ where: { delivery_id: deliveryId }, order: { attempt: 'ASC' } });
  const dispatcher = (clock: VirtualClock, delaysMs: number[] = [10_000, 30_000, 120_000, 600_000, 3_600_000]) =>
    new WebhookDispatcher({ dataSource: db.ds, clock, logger: silentLogger, retry: { delaysMs, random: () => 0.5 } });

  it('signs each attempt, retries a failure after the backoff and logs every attempt', async () => {
    const receiver = await startReceiver([500, 200]);
    const clock = new VirtualClock(Date.UTC(2026, 4, 1, 8));
    const d = dispatcher(clock);
    try {
      const endpoint = await addEndpoint(receiver.url, ['ticket.status_changed']);
      d.start();
      await d.idle();
      const [row] = await publishWebhook(db.ds, 'ticket.status_changed', { ticket: { id: 7 }, from: 'open', to: 'resolved' }, new Date(clock.now()));
      await d.idle();
      clock.advance(0);
      await d.idle();
      expect(receiver.received).toHaveLength(1);
      let [stored] = await deliveries(endpoint.id);
      expect(stored).toMatchObject({ id: row!.id, status: 'pending', attempt: 1, last_status_code: 500, last_error: 'HTTP 500' });
      // random 0.5 -> factor 1.0: exactly 10 s later.
      expect(stored!.next_attempt_at!.getTime()).toBe(clock.now() + 10_000);

      clock.advance(9_999);
      await d.idle();
      expect(receiver.received).toHaveLength(1);
      clock.advance(1);
      await d.idle();
      expect(receiver.received).toHaveLength(2);
      [stored] = await deliveries(endpoint.id);
      expect(stored).toMatchObject({ status: 'delivered', attempt: 2, last_status_code: 200, last_error: null, next_attempt_at: null });
      expect(stored!.delivered_at!.getTime()).toBe(clock.now());
      expect((await attempts(stored!.id)).map((a) => [a.attempt, a.status_code, a.error])).toEqual([
        [1, 500, 'HTTP 500'],
        [2, 200, null],
      ]);

      for (const r of receiver.received) {
        expect(r.headers['x-switchboard-event']).toBe('ticket.status_changed');
        expect(r.headers['x-switchboard-delivery']).toBe(String(row!.id));
        expect(r.headers['content-type']).toBe('application/json');
        expect(JSON.parse(r.body)).toEqual({ event: 'ticket.status_changed', occurred_at: '2026-05-01T08:00:00.000Z', data: { ticket: { id: 7 }, from: 'open', to: 'resolved' } });
      }
      const [first, second] = receiver.received as [Received, Received];
      const nowSec = Math.floor(clock.now() / 1000);
      const sig = (r: Received) => ({ signature: r.headers['x-switchboard-signature'] as string, timestamp: r.headers['x-switchboard-timestamp'] as string });
      expect(sig(second).signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifySignature('whsec_test_secret', sig(second), second.body, nowSec)).toBe(true);
      // A wrong secret, a changed body, or an old timestamp (a replay) do not verify.
      expect(verifySignature('other', sig(second), second.body, nowSec)).toBe(false);
      expect(verifySignature('whsec_test_secret', sig(second), second.body.replace('resolved', 'closed'), nowSec)).toBe(false);
      expect(verifySignature('whsec_test_secret', sig(first), first.body, nowSec + 3600)).toBe(false);
      // Each attempt is signed with its own timestamp.
      expect(Number(sig(second).timestamp) - Number(sig(first).timestamp)).toBe(10);
    } finally {
      await d.close();
      await receiver.close();
    }
  });

  it('gives up after the last retry (status failed) and then leaves no timer', async () => {
    const receiver = await startReceiver([503]);
    const clock = new VirtualClock();
    const d = dispatcher(clock, [1_000, 2_000]);
    try {
      const endpoint = await addEndpoint(receiver.url, ['*']);
      d.start();
      await publishWebhook(db.ds, 'alert.opened', { rule: 1 }, new Date(clock.now()));
      await d.idle();
      for (const step of [0, 1_000, 2_000]) {
        clock.advance(step);
        await d.idle();
      }
      expect(receiver.received).toHaveLength(3);
      const [stored] = await deliveries(endpoint.id);
      expect(stored).toMatchObject({ status: 'failed', attempt: 3, last_status_code: 503, next_attempt_at: null });
      expect(clock.pending()).toBe(0);
    } finally {
      await d.close();
      await receiver.close();
    }
  });

  it('keeps pending deliveries across a restart: a new dispatcher sends what was enqueued or left failing', async () => {
    const receiver = await startReceiver([500, 204]);
    const clock = new VirtualClock(Date.UTC(2026, 4, 2));
    const endpoint = await addEndpoint(receiver.url, ['ticket.status_changed']);
    const first = dispatcher(clock);
    first.start();
    await publishWebhook(db.ds, 'ticket.status_changed', { n: 1 }, new Date(clock.now()));
    await first.idle();
    clock.advance(0);
    await first.idle();
    await first.close(); // the process stops with the retry pending
    expect(clock.pending()).toBe(0);
    // Enqueued while no dispatcher runs (e.g. written by the API during the restart).
    await publishWebhook(db.ds, 'ticket.status_changed', { n: 2 }, new Date(clock.now()));
    expect((await deliveries(endpoint.id)).map((r) => [r.status, r.attempt])).toEqual([
      ['pending', 1],
      ['pending', 0],
    ]);

    const later = new VirtualClock(clock.now() + 60_000);
    const second = dispatcher(later);
    try {
      second.start();
      await second.idle();
      later.advance(0);
      await second.idle();
      expect((await deliveries(endpoint.id)).map((r) => [r.status, r.attempt])).toEqual([
        ['delivered', 2],
        ['delivered', 1],
      ]);
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n).sort()).toEqual([1, 1, 2]);
    } finally {
      await second.close();
      await receiver.close();
    }
  });

  it('enqueues only for active endpoints subscribed to the event, and logs an unreachable endpoint', async () => {
    const clock = new VirtualClock();
    const closed = await startReceiver([200]);
    await closed.close(); // nothing listens on this port any more
    const subscribed = await addEndpoint(closed.url, ['ticket.status_changed']);
    const other = await addEndpoint(closed.url, ['ticket.created']);
    const inactive = await addEndpoint(closed.url, ['ticket.status_changed'], false);
    const rows = await publishWebhook(db.ds, 'ticket.status_changed', {}, new Date(clock.now()));
    expect(rows.map((r) => r.endpoint_id)).toEqual([subscribed.id]);
    expect(await deliveries(other.id)).toEqual([]);
    expect(await deliveries(inactive.id)).toEqual([]);
    const d = dispatcher(clock);
    try {
      d.start();
      await d.idle();
      clock.advance(0);
      await d.idle();
      const [stored] = await deliveries(subscribed.id);
      expect(stored).toMatchObject({ status: 'pending', attempt: 1, last_status_code: null, last_error: 'ECONNREFUSED' });
    } finally {
      await d.close();
    }
  });

  it('fails the pending deliveries of a deactivated endpoint at their next attempt, without sending them', async () => {
    const receiver = await startReceiver([200]);
    const clock = new VirtualClock();
    const endpoint = await addEndpoint(receiver.url, ['ticket.status_changed']);
    await publishWebhook(db.ds, 'ticket.status_changed', {}, new Date(clock.now()));
    await db.ds.getRepository<WebhookEndpointRow>(WebhookEndpointSchema).update({ id: endpoint.id }, { active: false });
    const d = dispatcher(clock);
    try {
      d.start();
      await d.idle();
      clock.advance(0);
      await d.idle();
      expect(receiver.received).toHaveLength(0);
      const [stored] = await deliveries(endpoint.id);
      expect(stored).toMatchObject({ status: 'failed', attempt: 1, last_error: 'endpoint deactivated', next_attempt_at: null });
      expect(clock.pending()).toBe(0);
    } finally {
      await d.close();
      await receiver.close();
    }
  });
});

