/** Read-only routes of the bank debit objects: `/v1/mandates/:id`, `/v1/disputes/:id`. */
import { Hono } from 'hono';
import { expandObject } from '../expand.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { resourceMissing } from '../stripe-errors.js';
import { stripeJson } from './stripe-json.js';

/** Routes that retrieve one kind of stored object by id. */
function retrieveRoutes(
  runtime: EmulatorRuntime,
  objectName: string,
  find: (id: string) => unknown,
): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();
  routes.get('/:id', (c) => {
    const found = find(c.req.param('id'));
    if (!found) throw resourceMissing(objectName, c.req.param('id'));
    return stripeJson(
      c,
      expandObject(found, c.get('params').expand(), (id) => runtime.store.findObject(id)),
    );
  });
  return routes;
}

/** Routes for Mandate objects. */
export function mandateRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  return retrieveRoutes(runtime, 'mandate', (id) => runtime.store.mandates.get(id));
}

/** Routes for Dispute objects. */
export function disputeRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  return retrieveRoutes(runtime, 'dispute', (id) => runtime.store.disputes.get(id));
}
