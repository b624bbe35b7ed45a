/** `/v1/customers`: create, list (by email) and retrieve, and list or retrieve a customer's saved payment methods. */
import { Hono } from 'hono';
import { expandObject } from '../expand.js';
import { buildCustomer, type CustomerObject } from '../objects/customer.js';
import { buildList } from '../objects/list.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { resourceMissing } from '../stripe-errors.js';
import { PAGING_PARAMETERS, listAnswer, listLimit, pageOf } from './object-list.js';
import { stripeJson } from './stripe-json.js';

const CREATE_PARAMETERS = [
  'address',
  'balance',
  'business_name',
  'cash_balance',
  'description',
  'email',
  'expand',
  'individual_name',
  'invoice_prefix',
  'invoice_settings',
  'metadata',
  'name',
  'next_invoice_sequence',
  'payment_method',
  'phone',
  'preferred_locales',
  'shipping',
  'source',
  'tax',
  'tax_exempt',
  'tax_id_data',
  'test_clock',
] as const;

const LIST_PAYMENT_METHODS_PARAMETERS = [
  'allow_redisplay',
  'ending_before',
  'expand',
  'limit',
  'starting_after',
  'type',
];

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
    return stripeJson(
      c,
      expandObject(customer, params.expand(), (id) => runtime.store.findObject(id)),
    );
  });

  // Filtered by `email` (case-sensitive, as Stripe documents): docs.stripe.com/api/customers/list.
  routes.get('/', (c) => {
    const params = c.get('params').rejectUnknown([...PAGING_PARAMETERS, 'email']);
    const email = params.optionalString('email');
    const customers = [...runtime.store.customers.values()].filter(
      (customer) => email === undefined || customer.email === email,
    );
    return listAnswer(c, runtime, 'customer', '/v1/customers', customers);
  });

  function loadCustomer(id: string): CustomerObject {
    const customer = runtime.store.customers.get(id);
    if (!customer) throw resourceMissing('customer', id);
    return customer;
  }

  routes.get('/:id/payment_methods', (c) => {
    const customer = loadCustomer(c.req.param('id'));
    const params = c.get('params').rejectUnknown(LIST_PAYMENT_METHODS_PARAMETERS);
    const type = params.optionalString('type');
    const limit = listLimit(params);
    const saved = [...runtime.store.paymentMethods.values()]
      .map((record) => record.object)
      .filter(
        (paymentMethod) =>
          paymentMethod.customer === customer.id && (type === undefined || paymentMethod.type === type),
      )
      .reverse();
    const { page, hasMore } = pageOf(
      'payment_method',
      saved,
      limit,
      params.optionalString('starting_after'),
      params.optionalString('ending_before'),
    );
    const list = buildList(`/v1/customers/${customer.id}/payment_methods`, page, hasMore);
    return stripeJson(
      c,
      expandObject(list, params.expand(), (id) => runtime.store.findObject(id)),
    );
  });

  routes.get('/:id/payment_methods/:paymentMethod', (c) => {
    const customer = loadCustomer(c.req.param('id'));
    const paymentMethod = runtime.store.paymentMethods.get(c.req.param('paymentMethod'))?.object;
    if (!paymentMethod || paymentMethod.customer !== customer.id)
      throw resourceMissing('payment_method', c.req.param('paymentMethod'));
    return stripeJson(
      c,
      expandObject(paymentMethod, c.get('params').expand(), (id) => runtime.store.findObject(id)),
    );
  });

  routes.get('/:id', (c) => {
    const customer = runtime.store.customers.get(c.req.param('id'));
    if (!customer) throw resourceMissing('customer', c.req.param('id'));
    return stripeJson(
      c,
      expandObject(customer, c.get('params').expand(), (id) => runtime.store.findObject(id)),
    );
  });

  return routes;
}
