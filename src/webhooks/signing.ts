/**
 * Webhook signatures. Each request carries
 *   X-Switchboard-Timestamp: <unix seconds when this attempt was sent>
 *   X-Switchboard-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>" with the endpoint's secret>
 * Signing the timestamp with the body lets a receiver refuse replays: it recomputes the HMAC, compares in constant
 * time, and rejects a timestamp more than a few minutes from its own clock (verifySignature's toleranceSec).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Switchboard-Signature';
export const TIMESTAMP_HEADER = 'X-Switchboard-Timestamp';
export const EVENT_HEADER = 'X-Switchboard-Event';
export const DELIVERY_HEADER = 'X-Switchboard-Delivery';

export function signPayload(secret: string, timestampSec: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.${rawBody}`).digest('hex')}`;
}

/** What a receiver does (also the tests' receiver). */
export function verifySignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: string,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  if (!headers.signature || !headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp)) return false;
  const ts = Number(headers.timestamp);
  if (Math.abs(nowSec - ts) > toleranceSec) return false;
  const want = Buffer.from(signPayload(secret, ts, rawBody));
  const got = Buffer.from(headers.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** A new endpoint secret: 32 random bytes, base64url, prefixed so it is recognisable in a config file. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
