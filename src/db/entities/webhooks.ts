import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/** Outgoing webhooks (src/webhooks): endpoints, the delivery outbox and every delivery attempt. */

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export const WEBHOOK_LIMITS = { url: 2048, secret: 128, event: 64, description: 255, error: 512 } as const;

export interface WebhookEndpointRow {
  id: number;
  url: string;
  /** The HMAC key; shown once when the endpoint is created, never by the API afterwards. */
  secret: string;
  /** JSON text: the event names it receives, e.g. ["ticket.status_changed"]; "*" is every event. */
  events: string;
  active: boolean;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookDeliveryRow {
  id: number;
  endpoint_id: number;
  event: string;
  /** The exact request body sent (JSON text), the same on every attempt. */
  payload: string;
  /** Attempts made so far. */
  attempt: number;
  status: WebhookDeliveryStatus;
  /** When the next attempt is due (null once delivered or failed). */
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface WebhookDeliveryAttemptRow {
  id: number;
  delivery_id: number;
  attempt: number;
  at: Date;
  /** The HTTP status (null: no answer, see error). */
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export const WebhookEndpointSchema = new EntitySchema<WebhookEndpointRow>({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoints',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    url: { type: 'varchar', length: WEBHOOK_LIMITS.url },
    secret: { type: 'varchar', length: WEBHOOK_LIMITS.secret },
    events: { type: 'text' },
    active: { type: 'boolean' },
    description: { type: 'varchar', length: WEBHOOK_LIMITS.description, nullable: true },
    created_at: timestamp(),
    updated_at: timestamp(),
  },
});

export const WebhookDeliverySchema = new EntitySchema<WebhookDeliveryRow>({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    endpoint_id: { type: 'int' },
    event: { type: 'varchar', length: WEBHOOK_LIMITS.event },
    payload: { type: 'text' },
    attempt: { type: 'int' },
    status: { type: 'varchar', length: 12 },
    next_attempt_at: timestamp({ nullable: true }),
    last_status_code: { type: 'int', nullable: true },
    last_error: { type: 'varchar', length: WEBHOOK_LIMITS.error, nullable: true },
    created_at: timestamp(),
    delivered_at: timestamp({ nullable: true }),
  },
});

export const WebhookDeliveryAttemptSchema = new EntitySchema<WebhookDeliveryAttemptRow>({
  name: 'WebhookDeliveryAttempt',
  tableName: 'webhook_delivery_attempts',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    delivery_id: { type: 'int' },
    attempt: { type: 'int' },
    at: timestamp(),
    status_code: { type: 'int', nullable: true },
    error: { type: 'varchar', length: WEBHOOK_LIMITS.error, nullable: true },
    duration_ms: { type: 'int' },
  },
});
