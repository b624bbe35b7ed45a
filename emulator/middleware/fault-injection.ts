/** Injected failures of Stripe API answers, before or after the endpoint executes. */
import type { MiddlewareHandler } from 'hono';
import type { FaultInjector } from '../faults.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { StripeApiError, apiError, errorResponseBody, rateLimited } from '../stripe-errors.js';

function injectedError(status: number): StripeApiError {
  return status === 429 ? rateLimited() : apiError(status);
}

/**
 * Runs inside the idempotency key, so a replayed request takes no fault.
 * `before`: answer the error without executing (nothing stored for the key: the retry executes).
 * `after`: let the request execute, then answer the error. That error is the result saved for the
 * key: Stripe saves the result of any request that started executing, 500s included, and answers
 * every retry under the key with it for 24 hours (docs.stripe.com/api/idempotent_requests). The
 * client cannot tell from the answer whether the work was done; only reading the objects can.
 */
export function faultInjection(faults: FaultInjector): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    const fault = faults.takeApiFault(c.req.method, c.req.path);
    if (!fault) return next();
    c.set('injectedFault', `${fault.status} ${fault.when}`);
    if (fault.when === 'before') throw injectedError(fault.status);
    await next();
    const error = injectedError(fault.status);
    c.res = new Response(JSON.stringify(errorResponseBody(error), null, 2), {
      status: error.httpStatus,
      headers: { 'Content-Type': 'application/json' },
    });
  };
}
