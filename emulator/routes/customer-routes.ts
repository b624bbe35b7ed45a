/** `/v1/customers`: create and retrieve. */
import { Hono } from 'hono';
import { expandObject } from '../expand.js';
import { buildCustomer } from '../objects/customer.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { resourceMissing } from '../stripe-errors.js';
import { stripeJson } from './stripe-json.js';

const CREATE_PARAMETERS = [
  'address', 'balance', 'business_name', 'cash_balance', 'description', 'email', 'expand', 'individual_name',
  'invoice_prefix', 'invoice_settings', 'metadata', 'name', 'next_invoice_sequence', 'payment_method', 'phone',
  'preferred_locales', 'shipping', 'source', 'tax', 'tax_exempt', 'tax_id_data', 'test_clock',
] as const;

/** Routes for Customer objects. */
export function customerRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();

  routes.post('/', (c) => {
    const params = c.get('params').rejectUnknown(CREATE_PARAMETERS);
    const customer = buildCustomer(
      {
        email: params.optionalString('email'),
        name: params.optionalString('name'),
        phone: params.optionalString('phone'),
        description: params.optionalString('description'),
        metadata: params.metadata(),
        preferredLocales: params.optionalStringList('preferred_locales'),
      },
      runtime.clock.nowSeconds(),
    );
    runtime.store.customers.set(customer.id, customer);
    runtime.events.record('customer.created', customer, {
      id: c.get('requestId'),
      idempotency_key: c.get('idempotencyKey'),
    });
    return stripeJson(c, expandObject(customer, params.expand(), (id) => runtime.store.findObject(id)));
  });

  routes.get('/:id', (c) => {
    const customer = runtime.store.customers.get(c.req.param('id'));
    if (!customer) throw resourceMissing('customer', c.req.param('id'));
    return stripeJson(c, expandObject(customer, c.get('params').expand(), (id) => runtime.store.findObject(id)));
  });

  return routes;
}
