/** Injected failures of Stripe API answers, before or after the endpoint executes. */
import type { MiddlewareHandler } from 'hono';
import type { FaultInjector } from '../faults.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { StripeApiError, apiError, errorResponseBody, rateLimited } from '../stripe-errors.js';

function injectedError(status: number): StripeApiError {
  return status === 429 ? rateLimited() : apiError(status);
}

/**
 * `before`: answer the error without executing (nothing stored for the key).
 * `after`: let the request execute and store its idempotent result, then answer the error, as
 * when a response is lost on the way back.
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
