/**
 * Signature of notification callbacks, in Stripe's style: header
 * `Bookings-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header name carrying the signature. */
export const CALLBACK_SIGNATURE_HEADER = 'Bookings-Signature';

/** Signs a callback body at a given time. */
export function signCallback(body: string, secret: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/** Checks a callback signature (for receivers and tests); rejects signatures older than the tolerance. */
export function verifyCallback(
  body: string,
  header: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isFinite(timestamp) || !given) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = signCallback(body, secret, timestamp).split('v1=')[1];
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
