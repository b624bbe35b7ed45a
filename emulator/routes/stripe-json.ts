/** Stripe-style JSON answers (pretty-printed, like api.stripe.com). */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Answers `body` as JSON with `status`. */
export function stripeJson(c: Context, body: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(JSON.stringify(body, null, 2), status, { 'Content-Type': 'application/json' });
}
