/** Applies Stripe's Idempotency-Key semantics to POST requests. */
import type { MiddlewareHandler } from 'hono';
import { canonicalParameters, type IdempotencyStore } from '../idempotency.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { StripeApiError, idempotencyKeyInUse, idempotencyKeyMismatch } from '../stripe-errors.js';

/** Replays stored results, refuses reused or locked keys, and stores the first result of a key. */
export function idempotencyKeys(store: IdempotencyStore): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    const key = c.get('idempotencyKey');
    if (!key) return next();
    const scope = c.get('apiKey');
    const claim = store.claim(scope, key, {
      endpoint: `${c.req.method} ${c.req.path}`,
      parameters: canonicalParameters(c.get('params').fields),
    });
    switch (claim.kind) {
      case 'mismatch':
        throw idempotencyKeyMismatch(key, claim.reason);
      case 'in_flight':
        throw idempotencyKeyInUse(key);
      case 'replay':
        c.set('replayed', true);
        c.res = new Response(claim.response.body, {
          status: claim.response.status,
          headers: {
            'Content-Type': claim.response.contentType,
            'Idempotent-Replayed': 'true',
            'Original-Request': claim.response.requestId,
          },
        });
        return;
      case 'fresh':
        break;
    }
    try {
      await next();
    } catch (error) {
      store.release(scope, key);
      throw error;
    }
    // Stripe saves no result when the request failed validation before the endpoint executed.
    if (c.error instanceof StripeApiError && !c.error.storedForIdempotency) {
      store.release(scope, key);
      return;
    }
    store.complete(scope, key, {
      status: c.res.status,
      body: await c.res.clone().text(),
      contentType: c.res.headers.get('Content-Type') ?? 'application/json',
      requestId: c.get('requestId'),
    });
  };
}
