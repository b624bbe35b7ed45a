/** Reads the request's parameters (form body for POST, query string otherwise) and its idempotency key. */
import type { MiddlewareHandler } from 'hono';
import { parseStripeForm } from '../form-body.js';
import { RequestParams } from '../request-params.js';
import type { StripeApiEnv } from '../stripe-api-env.js';

/** Middleware that sets `params` and, for POST, `idempotencyKey`. */
export function formParams(): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const encoded = c.req.method === 'POST' ? await c.req.text() : url.search.replace(/^\?/, '');
    c.set('params', new RequestParams(parseStripeForm(encoded)));
    // Stripe ignores idempotency keys on GET and DELETE.
    if (c.req.method === 'POST') c.set('idempotencyKey', c.req.header('Idempotency-Key')?.trim() || null);
    await next();
  };
}
