/**
 * The webhook outbox: an event becomes one pending webhook_deliveries row per active endpoint subscribed to it,
 * written in the caller's transaction (the ticket change and its notification commit or roll back together, and
 * survive a restart). The dispatcher of this database (WebhookDispatcher) is told after the commit, in process, so it
 * schedules the new delivery without polling; at start it picks up whatever is pending.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { WebhookDeliverySchema, WebhookEndpointSchema, type WebhookDeliveryRow, type WebhookEndpointRow } from '../db/entities/webhooks';

/** Event names: dotted lowercase words, e.g. ticket.status_changed, alert.opened. */
export const EVENT_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export function parseEvents(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((e): e is string => typeof e === 'string') : [];
  } catch {
    return [];
  }
}

export function subscribes(endpoint: Pick<WebhookEndpointRow, 'active' | 'events'>, event: string): boolean {
  if (!endpoint.active) return false;
  const events = parseEvents(endpoint.events);
  return events.includes(event) || events.includes('*');
}

/** The body every endpoint receives for an event. */
export function webhookBody(event: string, occurredAt: Date, data: unknown): string {
  return JSON.stringify({ event, occurred_at: occurredAt.toISOString(), data });
}

type Listener = () => void;
const listenersByDs = new WeakMap<DataSource, Set<Listener>>();

function listenersOf(ds: DataSource): Set<Listener> {
  let set = listenersByDs.get(ds);
  if (!set) listenersByDs.set(ds, (set = new Set()));
  return set;
}

/** Subscribes to "new deliveries were committed" on this database (the dispatcher). */
export function onWebhooksEnqueued(ds: DataSource, listener: Listener): () => void {
  listenersOf(ds).add(listener);
  return () => listenersOf(ds).delete(listener);
}

/** Tells this database's dispatcher that deliveries were committed. Call after the transaction of enqueueWebhook. */
export function notifyWebhooksEnqueued(ds: DataSource): void {
  for (const l of [...listenersOf(ds)]) l();
}

/**
 * Writes one pending delivery per subscribed endpoint, inside `manager`'s transaction. Returns the deliveries
 * (empty when nobody subscribes). The caller calls notifyWebhooksEnqueued after its commit.
 */
export async function enqueueWebhook(manager: EntityManager, event: string, data: unknown, at: Date): Promise<WebhookDeliveryRow[]> {
  if (!EVENT_NAME.test(event)) throw new Error(`invalid webhook event name ${event}`);
  const endpoints = (await manager.getRepository<WebhookEndpointRow>(WebhookEndpointSchema).findBy({ active: true })).filter((e) => subscribes(e, event));
  if (!endpoints.length) return [];
  const payload = webhookBody(event, at, data);
  const repo = manager.getRepository<WebhookDeliveryRow>(WebhookDeliverySchema);
  const rows: WebhookDeliveryRow[] = [];
  for (const e of endpoints) {
    rows.push(
      await repo.save({
        endpoint_id: e.id,
        event,
        payload,
        attempt: 0,
        status: 'pending',
        next_attempt_at: at,
        last_status_code: null,
        last_error: null,
        created_at: at,
        delivered_at: null,
      } as WebhookDeliveryRow),
    );
  }
  return rows;
}

/** Enqueues outside any other transaction and notifies (for callers with nothing else to commit, e.g. alerts). */
export async function publishWebhook(ds: DataSource, event: string, data: unknown, at: Date): Promise<WebhookDeliveryRow[]> {
  const rows = await ds.transaction((m) => enqueueWebhook(m, event, data, at));
  if (rows.length) notifyWebhooksEnqueued(ds);
  return rows;
}
