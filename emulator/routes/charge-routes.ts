/** `/v1/charges/:id`: retrieve. */
import { Hono } from 'hono';
import { expandObject } from '../expand.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { resourceMissing } from '../stripe-errors.js';
import { stripeJson } from './stripe-json.js';

/** Routes for Charge objects. */
export function chargeRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();
  routes.get('/:id', (c) => {
    const charge = runtime.store.charges.get(c.req.param('id'));
    if (!charge) throw resourceMissing('charge', c.req.param('id'));
    return stripeJson(
      c,
      expandObject(charge, c.get('params').expand(), (id) => runtime.store.findObject(id)),
    );
  });
  return routes;
}
