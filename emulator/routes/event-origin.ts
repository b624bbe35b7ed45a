/** The `request` member of events raised by an API request. */
import type { Context } from 'hono';
import type { EventOrigin } from '../objects/event.js';
import type { StripeApiEnv } from '../stripe-api-env.js';

/** The request id and idempotency key of the request being served. */
export function eventOrigin(c: Context<StripeApiEnv>): EventOrigin {
  return { id: c.get('requestId'), idempotency_key: c.get('idempotencyKey') };
}
