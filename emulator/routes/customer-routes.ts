/** `/v1/customers`: create and retrieve, and list or retrieve a customer's saved payment methods. */
import { Hono } from 'hono';
import { expandObject } from '../expand.js';
import { buildCustomer, type CustomerObject } from '../objects/customer.js';
import { buildList } from '../objects/list.js';
import type { PaymentMethodObject } from '../objects/payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { parameterInvalid, resourceMissing } from '../stripe-errors.js';
import { stripeJson } from './stripe-json.js';

const CREATE_PARAMETERS = [
  'address', 'balance', 'business_name', 'cash_balance', 'description', 'email', 'expand', 'individual_name',
  'invoice_prefix', 'invoice_settings', 'metadata', 'name', 'next_invoice_sequence', 'payment_method', 'phone',
  'preferred_locales', 'shipping', 'source', 'tax', 'tax_exempt', 'tax_id_data', 'test_clock',
] as const;

const LIST_PAYMENT_METHODS_PARAMETERS = ['allow_redisplay', 'ending_before', 'expand', 'limit', 'starting_after', 'type'];

/** A page of `items` (newest first) after `startingAfter` or before `endingBefore`, as Stripe's cursors page lists. */
function pageOf(items: PaymentMethodObject[], limit: number, startingAfter?: string, endingBefore?: string) {
  if (endingBefore !== undefined) {
    const index = items.findIndex((item) => item.id === endingBefore);
    if (index < 0) throw resourceMissing('payment_method', endingBefore, 'ending_before');
    const before = items.slice(0, index);
    return { page: before.slice(Math.max(0, before.length - limit)), hasMore: before.length > limit };
  }
  let start = 0;
  if (startingAfter !== undefined) {
    const index = items.findIndex((item) => item.id === startingAfter);
    if (index < 0) throw resourceMissing('payment_method', startingAfter, 'starting_after');
    start = index + 1;
  }
  return { page: items.slice(start, start + limit), hasMore: items.length > start + limit };
}

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

  function loadCustomer(id: string): CustomerObject {
    const customer = runtime.store.customers.get(id);
    if (!customer) throw resourceMissing('customer', id);
    return customer;
  }

  routes.get('/:id/payment_methods', (c) => {
    const customer = loadCustomer(c.req.param('id'));
    const params = c.get('params').rejectUnknown(LIST_PAYMENT_METHODS_PARAMETERS);
    const type = params.optionalString('type');
    const limit = params.optionalInteger('limit') ?? 10;
    if (limit < 1 || limit > 100) {
      throw parameterInvalid('limit', `This value must be between 1 and 100 (it currently is ${limit}).`, 'parameter_invalid_integer');
    }
    const saved = [...runtime.store.paymentMethods.values()]
      .map((record) => record.object)
      .filter((paymentMethod) => paymentMethod.customer === customer.id && (type === undefined || paymentMethod.type === type))
      .reverse();
    const { page, hasMore } = pageOf(saved, limit, params.optionalString('starting_after'), params.optionalString('ending_before'));
    const list = buildList(`/v1/customers/${customer.id}/payment_methods`, page, hasMore);
    return stripeJson(c, expandObject(list, params.expand(), (id) => runtime.store.findObject(id)));
  });

  routes.get('/:id/payment_methods/:paymentMethod', (c) => {
    const customer = loadCustomer(c.req.param('id'));
    const paymentMethod = runtime.store.paymentMethods.get(c.req.param('paymentMethod'))?.object;
    if (!paymentMethod || paymentMethod.customer !== customer.id) throw resourceMissing('payment_method', c.req.param('paymentMethod'));
    return stripeJson(c, expandObject(paymentMethod, c.get('params').expand(), (id) => runtime.store.findObject(id)));
  });

  routes.get('/:id', (c) => {
    const customer = runtime.store.customers.get(c.req.param('id'));
    if (!customer) throw resourceMissing('customer', c.req.param('id'));
    return stripeJson(c, expandObject(customer, c.get('params').expand(), (id) => runtime.store.findObject(id)));
  });

  return routes;
}
