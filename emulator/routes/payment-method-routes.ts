/** `/v1/payment_methods/:id`: retrieve (test aliases such as `pm_card_visa` included). */
import { Hono } from 'hono';
import { expandObject } from '../expand.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { resourceMissing } from '../stripe-errors.js';
import { findTestCard } from '../test-payment-methods.js';
import { buildCardPaymentMethod } from '../objects/payment-method.js';
import { stripeJson } from './stripe-json.js';

/** Routes for PaymentMethod objects. */
export function paymentMethodRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();
  routes.get('/:id', (c) => {
    const id = c.req.param('id');
    const stored = runtime.store.paymentMethods.get(id)?.object;
    const testCard = findTestCard(id);
    // Retrieving an alias shows its card without creating a PaymentMethod, keeping the alias id.
    const paymentMethod = stored ?? (testCard ? { ...buildCardPaymentMethod(testCard, runtime.clock.nowSeconds()), id } : undefined);
    if (!paymentMethod) throw resourceMissing('PaymentMethod', id);
    return stripeJson(c, expandObject(paymentMethod, c.get('params').expand(), (ref) => runtime.store.findObject(ref)));
  });
  return routes;
}
