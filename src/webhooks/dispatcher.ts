/**
 * Delivers the webhook outbox (webhook_deliveries): one timer, set for the earliest pending delivery's due time and
 * reset whenever deliveries are enqueued (onWebhooksEnqueued) or attempted. No polling loop: an idle service has no
 * timer at all. Each attempt is a POST with the JSON body, the event/delivery/timestamp/signature headers
 * (./signing.ts), and a timeout; a 2xx answer delivers it, anything else is logged in webhook_delivery_attempts and
 * retried after the backoff (./backoff.ts) until the attempts run out (status failed). Pending rows survive a
 * restart: start() schedules whatever is due. All database work runs on one chain, so attempts never overlap.
 */
import type { DataSource } from 'typeorm';
import type { Clock, ClockTimer } from '../clock/clock';
import { sqlDateTime } from '../db/entities/columns';
import {
  WEBHOOK_LIMITS,
  WebhookDeliveryAttemptSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  type WebhookDeliveryAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../db/entities/webhooks';
import type { Logger } from '../log/logger';
import { defaultRetryPolicy, maxAttempts, retryDelayMs, type RetryPolicy } from './backoff';
import { onWebhooksEnqueued } from './outbox';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from './signing';

export interface WebhookDispatcherOptions {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  retry?: RetryPolicy;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Deliveries attempted per wake-up, at most (default 20; the rest are due at once and follow). */
  batch?: number;
  fetch?: typeof fetch;
}

/** Longest single timer: Node's setTimeout overflows past 2^31-1 ms; a later due time just wakes up once more. */
const MAX_TIMER_MS = 6 * 3_600_000;

export class WebhookDispatcher {
  private readonly retry: RetryPolicy;
  private readonly log: Logger;
  private running = false;
  private timer: ClockTimer | undefined;
  private chain: Promise<void> = Promise.resolve();
  private offEnqueued: (() => void) | undefined;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.retry = options.retry ?? defaultRetryPolicy;
    this.log = options.logger.child({ module: 'webhooks' });
  }

  /** Starts delivering: what is already due goes out now, the rest at its time. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.offEnqueued = onWebhooksEnqueued(this.options.dataSource, () => this.enqueueWork(() => this.reschedule()));
    this.enqueueWork(() => this.reschedule());
  }

  /** Stops the timer and waits for an attempt in flight; pending deliveries stay pending for the next start. */
  async close(): Promise<void> {
    this.running = false;
    this.offEnqueued?.();
    this.offEnqueued = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    await this.idle();
  }

  /** Resolves once no database work or attempt is queued (tests: after enqueueing or advancing a VirtualClock). */
  async idle(): Promise<void> {
    for (;;) {
      const current = this.chain;
      await current;
      if (current === this.chain) return;
    }
  }

  private enqueueWork(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((err: unknown) => {
      this.log.error('webhook dispatcher step failed; retrying in 30 s', { error: err instanceof Error ? err.message : String(err) });
      this.arm(30_000);
    });
  }

  private arm(ms: number): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.running) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.enqueueWork(() => this.runDue());
    }, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
  }

  /** Sets the timer for the earliest pending delivery (or none). */
  private async reschedule(): Promise<void> {
    if (!this.running) return;
    const [row] = (await this.options.dataSource
      .getRepository<WebhookDeliveryRow>(WebhookDeliverySchema)
      .createQueryBuilder('d')
      .select('MIN(d.next_attempt_at)', 'due')
      .where('d.status = :s', { s: 'pending' })
      .getRawMany()) as Array<{ due: string | Date | null }>;
    if (!row || row.due === null) {
      this.timer?.cancel();
      this.timer = undefined;
      return;
    }
    const due = row.due instanceof Date ? row.due.getTime() : Date.parse(`${String(row.due).replace(' ', 'T')}Z`);
    this.arm(due - this.options.clock.now());
  }

  private async runDue(): Promise<void> {
    if (!this.running) return;
    const now = new Date(this.options.clock.now());
    const due = await this.options.dataSource
      .getRepository<WebhookDeliveryRow>(WebhookDeliverySchema)
      .createQueryBuilder('d')
      .where('d.status = :s AND d.next_attempt_at <= :now', { s: 'pending', now: sqlDateTime(now) })
      .orderBy('d.next_attempt_at', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .take(this.options.batch ?? 20)
      .getMany();
    await Promise.all(due.map((d) => this.attempt(d)));
    await this.reschedule();
  }

  private async attempt(delivery: WebhookDeliveryRow): Promise<void> {
    const ds = this.options.dataSource;
    const endpoint = await ds.getRepository<WebhookEndpointRow>(WebhookEndpointSchema).findOneBy({ id: delivery.endpoint_id });
    // A deleted endpoint took its deliveries with it (ON DELETE CASCADE): nothing left to send or to log.
    if (!endpoint) return;
    const attempt = delivery.attempt + 1;
    const startedAt = this.options.clock.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (!endpoint.active) {
      error = 'endpoint deactivated';
    } else {
      const ts = Math.floor(startedAt / 1000);
      try {
        const res = await (this.options.fetch ?? fetch)(endpoint.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'Switchboard-Webhooks/1',
            [EVENT_HEADER]: delivery.event,
            [DELIVERY_HEADER]: String(delivery.id),
            [TIMESTAMP_HEADER]: String(ts),
            [SIGNATURE_HEADER]: signPayload(endpoint.secret, ts, delivery.payload),
          },
          body: delivery.payload,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        statusCode = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
      } catch (err) {
        error = describeFetchError(err);
      }
    }
    const at = new Date(this.options.clock.now());
    const ok = error === null;
    const delay = ok || error === 'endpoint deactivated' ? null : retryDelayMs(this.retry, attempt);
    const next: Partial<WebhookDeliveryRow> = {
      attempt,
      last_status_code: statusCode,
      last_error: error?.slice(0, WEBHOOK_LIMITS.error) ?? null,
      status: ok ? 'delivered' : delay === null || attempt >= maxAttempts(this.retry) ? 'failed' : 'pending',
      next_attempt_at: ok || delay === null ? null : new Date(at.getTime() + delay),
      delivered_at: ok ? at : null,
    };
    await ds.transaction(async (m) => {
      await m.getRepository<WebhookDeliveryAttemptRow>(WebhookDeliveryAttemptSchema).insert({
        delivery_id: delivery.id,
        attempt,
        at,
        status_code: statusCode,
        error: next.last_error ?? null,
        duration_ms: Math.max(0, Math.round(at.getTime() - startedAt)),
      });
      await m.getRepository<WebhookDeliveryRow>(WebhookDeliverySchema).update({ id: delivery.id }, next);
    });
    if (next.status === 'failed') this.log.warn('webhook delivery given up', { delivery: delivery.id, endpoint: delivery.endpoint_id, attempts: attempt, error });
    else if (!ok) this.log.info('webhook delivery failed, will retry', { delivery: delivery.id, attempt, retryInMs: delay, error });
  }
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
