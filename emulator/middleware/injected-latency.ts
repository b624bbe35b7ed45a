/** Injected latency on Stripe API requests (inside the idempotency lock, so concurrent retries collide). */
import type { MiddlewareHandler } from 'hono';
import type { FaultInjector } from '../faults.js';
import type { StripeApiEnv } from '../stripe-api-env.js';

/** Waits the configured latency before the endpoint runs. */
export function injectedLatency(faults: FaultInjector): MiddlewareHandler<StripeApiEnv> {
  return async (_c, next) => {
    const latency = faults.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    await next();
  };
}
