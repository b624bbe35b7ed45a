/**
 * Injected latency on Stripe API requests. The decision is taken outside the idempotency keys: a
 * delay `after` the work holds back an answer whose result is already stored (a retry meanwhile is
 * replayed); a delay `before` it runs inside the key's lock (a retry meanwhile is refused with 409).
 */
import type { MiddlewareHandler } from 'hono';
import type { FaultInjector } from '../faults.js';
import type { StripeApiEnv } from '../stripe-api-env.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Chooses the request's latency, records it, and answers late when it comes after the work. */
export function injectedLatency(faults: FaultInjector): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    const latency = faults.takeLatency(c.req.method, c.req.path);
    c.set('injectedLatency', latency);
    await next();
    if (latency?.when === 'after') await sleep(latency.ms);
  };
}

/** Waits a latency chosen `before` the work, once the request holds its idempotency key. */
export function latencyBeforeWork(): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    const latency = c.get('injectedLatency');
    if (latency?.when === 'before') await sleep(latency.ms);
    await next();
  };
}
