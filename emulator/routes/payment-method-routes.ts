/** `/v1/payment_methods`: create (US bank accounts), retrieve (test aliases included), attach and detach. */
import { Hono, type Context } from 'hono';
import { expandObject } from '../expand.js';
import { emptyBillingDetails } from '../objects/billing-details.js';
import { buildUsBankAccountPaymentMethod, type PaymentMethodObject } from '../objects/payment-method.js';
import { paymentMethodFromAlias, resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import type { RequestParams } from '../request-params.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { StripeApiError, parameterInvalid, parameterMissing, resourceMissing } from '../stripe-errors.js';
import { testBankAccountByNumber } from '../test-bank-accounts.js';
import { eventOrigin } from './event-origin.js';
import { stripeJson } from './stripe-json.js';

const CREATE_PARAMETERS = [
  'allow_redisplay',
  'billing_details',
  'customer',
  'expand',
  'metadata',
  'payment_method',
  'type',
  'us_bank_account',
] as const;

function nested(params: RequestParams, name: string, key: string): string | undefined {
  const hash = params.raw(name);
  if (hash === undefined || hash === '') return undefined;
  if (typeof hash !== 'object' || Array.isArray(hash))
    throw parameterInvalid(name, 'Invalid object', 'parameter_invalid_object');
  const value = hash[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw parameterInvalid(`${name}[${key}]`, `Invalid string: ${name}[${key}] must be a string`);
  return value;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], param: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw parameterInvalid(param, `Invalid ${param}: must be one of ${allowed.join(', ')}`);
  return value as T;
}

function paymentMethodError(message: string, param?: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}) }, true);
}

/** Routes for PaymentMethod objects. */
export function paymentMethodRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();
  const answer = (c: Context<StripeApiEnv>, paymentMethod: PaymentMethodObject) =>
    stripeJson(
      c,
      expandObject(paymentMethod, c.get('params').expand(), (ref) => runtime.store.findObject(ref)),
    );

  routes.post('/', (c) => {
    const params = c.get('params').rejectUnknown(CREATE_PARAMETERS);
    const type = params.requiredString('type');
    if (type !== 'us_bank_account') {
      throw parameterInvalid(
        'type',
        `The emulator creates PaymentMethods of type us_bank_account only; use a test alias such as pm_card_visa for cards.`,
      );
    }
    const accountNumber = nested(params, 'us_bank_account', 'account_number');
    if (!accountNumber) throw parameterMissing('us_bank_account[account_number]');
    const routingNumber = nested(params, 'us_bank_account', 'routing_number');
    if (!routingNumber) throw parameterMissing('us_bank_account[routing_number]');
    if (!/^\d{4,17}$/.test(accountNumber)) {
      throw parameterInvalid(
        'us_bank_account[account_number]',
        'Invalid account number: it must contain 4 to 17 digits.',
      );
    }
    if (!/^\d{9}$/.test(routingNumber)) {
      throw parameterInvalid('us_bank_account[routing_number]', `Routing number must have 9 digits`);
    }
    const name = nested(params, 'billing_details', 'name');
    if (!name) throw parameterMissing('billing_details[name]');
    const customer = params.optionalString('customer');
    if (customer !== undefined && !runtime.store.customers.has(customer))
      throw resourceMissing('customer', customer, 'customer');
    const testAccount = testBankAccountByNumber(accountNumber);
    const paymentMethod = buildUsBankAccountPaymentMethod(
      {
        accountNumber,
        routingNumber,
        accountHolderType: oneOf(
          nested(params, 'us_bank_account', 'account_holder_type'),
          ['individual', 'company'] as const,
          'us_bank_account[account_holder_type]',
          'individual',
        ),
        accountType: oneOf(
          nested(params, 'us_bank_account', 'account_type'),
          ['checking', 'savings'] as const,
          'us_bank_account[account_type]',
          'checking',
        ),
        financialConnectionsAccount: null,
        billingDetails: emptyBillingDetails({ name, email: nested(params, 'billing_details', 'email') }),
      },
      runtime.clock.nowSeconds(),
    );
    paymentMethod.metadata = params.metadata() ?? {};
    paymentMethod.customer = customer ?? null;
    // Numbers typed in by hand are verified with microdeposits before the first debit.
    runtime.store.paymentMethods.set(paymentMethod.id, {
      object: paymentMethod,
      behaviour: {
        kind: 'bank_account',
        outcome: testAccount.outcome,
        verified: false,
        microdepositsFail: testAccount.microdepositsFail,
      },
    });
    return answer(c, paymentMethod);
  });

  routes.get('/:id', (c) => {
    const id = c.req.param('id');
    const stored = runtime.store.paymentMethods.get(id)?.object;
    const alias = stored ? undefined : paymentMethodFromAlias(id, runtime.clock.nowSeconds());
    // Retrieving an alias shows its details without creating a PaymentMethod, keeping the alias id.
    const paymentMethod = stored ?? (alias ? { ...alias.object, id } : undefined);
    if (!paymentMethod) throw resourceMissing('PaymentMethod', id);
    return answer(c, paymentMethod);
  });

  routes.post('/:id/attach', (c) => {
    const params = c.get('params').rejectUnknown(['customer', 'expand']);
    const customer = params.requiredString('customer');
    if (!runtime.store.customers.has(customer)) throw resourceMissing('customer', customer, 'customer');
    const paymentMethod = resolvePaymentMethod(runtime, c.req.param('id'), 'payment_method').object;
    if (paymentMethod.customer && paymentMethod.customer !== customer) {
      throw paymentMethodError('The payment method you provided has already been attached to a customer.');
    }
    if (paymentMethod.customer !== customer) {
      paymentMethod.customer = customer;
      runtime.events.record('payment_method.attached', paymentMethod, eventOrigin(c));
    }
    return answer(c, paymentMethod);
  });

  routes.post('/:id/detach', (c) => {
    c.get('params').rejectUnknown(['expand']);
    const record = runtime.store.paymentMethods.get(c.req.param('id'));
    if (!record) throw resourceMissing('PaymentMethod', c.req.param('id'));
    const paymentMethod = record.object;
    if (!paymentMethod.customer) {
      throw paymentMethodError(
        'The payment method you provided is not attached to a customer so detachment is impossible.',
      );
    }
    const previous = paymentMethod.customer;
    paymentMethod.customer = null;
    runtime.events.record('payment_method.detached', paymentMethod, eventOrigin(c), { customer: previous });
    return answer(c, paymentMethod);
  });

  return routes;
}
