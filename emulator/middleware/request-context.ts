/** Gives each Stripe API request its `Request-Id`, runs due expiries first, and logs the answer. */
import type { MiddlewareHandler } from 'hono';
import { STRIPE_API_VERSION } from '../api-version.js';
import type { EmulatorClock } from '../clock.js';
import { randomAlphanumeric } from '../ids.js';
import type { RequestLog } from '../request-log.js';
import type { StripeApiEnv } from '../stripe-api-env.js';

/** Middleware that frames every Stripe API request. */
export function requestContext(options: {
  clock: EmulatorClock;
  requestLog: RequestLog;
  /** Work Stripe would have done by now in the background (authorization expiry). */
  catchUp: () => void;
}): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    const requestId = `req_${randomAlphanumeric(14)}`;
    const receivedAt = options.clock.nowSeconds();
    c.set('requestId', requestId);
    c.set('replayed', false);
    c.set('injectedFault', null);
    c.set('injectedLatency', null);
    c.set('idempotencyKey', null);
    options.catchUp();
    await next();
    c.res.headers.set('Request-Id', requestId);
    // Stripe answers in the version the client asked for, else the account's default.
    c.res.headers.set('Stripe-Version', c.req.header('Stripe-Version') ?? STRIPE_API_VERSION);
    options.requestLog.append({
      requestId,
      method: c.req.method,
      path: c.req.path,
      idempotencyKey: c.get('idempotencyKey'),
      status: c.res.status,
      replayed: c.get('replayed'),
      injectedFault: c.get('injectedFault'),
      injectedLatency: c.get('injectedLatency'),
      receivedAt,
    });
  };
}
