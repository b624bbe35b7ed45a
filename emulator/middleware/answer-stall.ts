/** Stalled Stripe API answers: the request executes and its idempotent result is stored, then the answer waits. */
import type { MiddlewareHandler } from 'hono';
import type { FaultInjector } from '../faults.js';
import type { StripeApiEnv } from '../stripe-api-env.js';

/**
 * Outside the idempotency middleware, so the result is stored before the answer is held: a client
 * that gives up (or dies) and retries with the same key gets the stored answer replayed.
 */
export function answerStall(faults: FaultInjector): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    const holdMs = faults.takeStall(c.req.method, c.req.path);
    if (holdMs === null) return next();
    c.set('injectedFault', 'stall after');
    await next();
    await faults.holdAnswer(holdMs);
  };
}
