/** `/v1/payment_intents`: create (optionally confirm), retrieve, update, confirm, cancel, capture. */
import { Hono, type Context } from 'hono';
import { expandObject } from '../expand.js';
import {
  CALLER_CANCELLATION_REASONS,
  CAPTURE_METHODS,
  buildPaymentIntent,
  publishablePaymentIntent,
  type PaymentIntentObject,
} from '../objects/payment-intent.js';
import { cancelPaymentIntent } from '../payments/cancel-payment-intent.js';
import { clientSecretFor, recordClientSecretOwner } from '../payments/client-secret-owner.js';
import { capturePaymentIntent } from '../payments/capture-payment-intent.js';
import {
  CONFIRMABLE_STATUSES,
  confirmPaymentIntent,
  type ConfirmationRequest,
} from '../payments/confirm-payment-intent.js';
import { assertUsableByCustomer, resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import { verifyMicrodeposits } from '../bank-debits/verify-microdeposits.js';
import type { RequestParams } from '../request-params.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import {
  StripeApiError,
  amountTooSmall,
  parameterInvalid,
  paymentIntentUnexpectedState,
  resourceMissing,
} from '../stripe-errors.js';
import { readMandateAcceptance, readMicrodepositProof, readUsBankAccountOptions } from './bank-debit-params.js';
import { readExtendedAuthorizationRequest } from './card-params.js';
import { eventOrigin } from './event-origin.js';
import { PAGING_PARAMETERS, listAnswer } from './object-list.js';
import { stripeJson } from './stripe-json.js';

const CREATE_PARAMETERS = [
  'amount',
  'amount_details',
  'application_fee_amount',
  'automatic_payment_methods',
  'capture_method',
  'confirm',
  'confirmation_method',
  'confirmation_token',
  'currency',
  'customer',
  'description',
  'error_on_requires_action',
  'excluded_payment_method_types',
  'expand',
  'hooks',
  'mandate',
  'mandate_data',
  'metadata',
  'off_session',
  'on_behalf_of',
  'payment_details',
  'payment_method',
  'payment_method_configuration',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
  'radar_options',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_data',
  'transfer_group',
  'use_stripe_sdk',
] as const;

const CONFIRM_PARAMETERS = [
  'capture_method',
  'client_secret',
  'confirmation_token',
  'error_on_requires_action',
  'excluded_payment_method_types',
  'expand',
  'mandate',
  'mandate_data',
  'off_session',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
  'radar_options',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'shipping',
  'use_stripe_sdk',
] as const;

const UPDATE_PARAMETERS = [
  'amount',
  'capture_method',
  'currency',
  'customer',
  'description',
  'expand',
  'metadata',
  'payment_method',
  'payment_method_types',
  'receipt_email',
  'setup_future_usage',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_group',
] as const;

const SETUP_FUTURE_USAGES = ['off_session', 'on_session'] as const;
/** Stripe's minimum charge for USD, in cents. */
const MINIMUM_USD_AMOUNT = 50;

function readCurrency(params: RequestParams): string {
  const currency = params.requiredString('currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) {
    throw parameterInvalid(
      'currency',
      `Invalid currency: ${currency}. Stripe currently supports these currencies: usd, eur, gbp, …`,
    );
  }
  return currency;
}

function readAmount(params: RequestParams, currency: string): number {
  const amount = params.requiredInteger('amount');
  if (amount < 1 || (currency === 'usd' && amount < MINIMUM_USD_AMOUNT)) throw amountTooSmall('amount', currency);
  if (amount > 99_999_999) {
    throw parameterInvalid('amount', 'Amount must be no more than $999,999.99', 'amount_too_large');
  }
  return amount;
}

/** `off_session` is a boolean or, on confirmation, `one_off` / `recurring`. */
function readOffSession(params: RequestParams): boolean {
  const value = params.optionalString('off_session');
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === 'one_off' || value === 'recurring') return true;
  throw parameterInvalid('off_session', `Invalid off_session: ${value}`, 'parameter_invalid_boolean');
}

/** Bank accounts are debited in USD only. */
function assertBankCurrency(paymentMethodTypes: readonly string[], currency: string): void {
  if (paymentMethodTypes.includes('us_bank_account') && currency !== 'usd') {
    throw new StripeApiError(
      400,
      {
        type: 'invalid_request_error',
        code: 'payment_intent_invalid_parameter',
        message: `The currency provided (${currency}) is invalid. Payments with us_bank_account support the following currencies: usd.`,
        param: 'currency',
      },
      false,
    );
  }
}

function confirmationRequest(c: Context<StripeApiEnv>, params: RequestParams, now: number): ConfirmationRequest {
  const acceptance = readMandateAcceptance(params, now);
  const mandateId = params.optionalString('mandate');
  return {
    mandate: { acceptance, mandateId },
    paymentMethodId: params.optionalString('payment_method'),
    offSession: readOffSession(params),
    errorOnRequiresAction: params.optionalBoolean('error_on_requires_action') ?? false,
    returnUrl: params.optionalString('return_url'),
    emulatorBaseUrl: new URL(c.req.url).origin,
  };
}

/** Routes for PaymentIntent objects. */
export function paymentIntentRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();
  const findObject = (id: string) => runtime.store.findObject(id);

  function loadPaymentIntent(id: string): PaymentIntentObject {
    const paymentIntent = runtime.store.paymentIntents.get(id);
    if (!paymentIntent) throw resourceMissing('payment_intent', id, 'intent');
    return paymentIntent;
  }

  function answer(c: Context<StripeApiEnv>, paymentIntent: PaymentIntentObject): Response {
    // Stripe.js (a publishable key) sees only the client-side fields.
    if (c.get('apiKeyKind') === 'publishable') return stripeJson(c, publishablePaymentIntent(paymentIntent));
    const visible = clientSecretFor(runtime.store, paymentIntent, c.get('apiKey'));
    return stripeJson(c, expandObject(visible, c.get('params').expand(), findObject));
  }

  routes.post('/', (c) => {
    const params = c.get('params').rejectUnknown(CREATE_PARAMETERS);
    const currency = readCurrency(params);
    const amount = readAmount(params, currency);
    const confirm = params.optionalBoolean('confirm') ?? false;
    for (const onlyWithConfirm of [
      'off_session',
      'return_url',
      'error_on_requires_action',
      'mandate_data',
      'mandate',
    ]) {
      if (params.has(onlyWithConfirm) && !confirm) {
        throw parameterInvalid(onlyWithConfirm, `You can only pass in ${onlyWithConfirm} when confirm=true.`);
      }
    }
    const request = confirmationRequest(c, params, runtime.clock.nowSeconds());
    const paymentMethodTypes = params.optionalStringList('payment_method_types') ?? ['card'];
    assertBankCurrency(paymentMethodTypes, currency);
    const usBankAccountOptions = paymentMethodTypes.includes('us_bank_account')
      ? readUsBankAccountOptions(params, runtime.clock.nowSeconds())
      : undefined;
    const customer = params.optionalString('customer');
    if (customer !== undefined && !runtime.store.customers.has(customer)) {
      throw resourceMissing('customer', customer, 'customer');
    }
    const paymentIntent = buildPaymentIntent(
      {
        amount,
        currency,
        captureMethod: params.optionalEnum('capture_method', CAPTURE_METHODS) ?? 'automatic_async',
        confirmationMethod: params.optionalEnum('confirmation_method', ['automatic', 'manual'] as const) ?? 'automatic',
        customer: customer ?? null,
        description: params.optionalString('description') ?? null,
        metadata: params.metadata() ?? {},
        paymentMethodTypes,
        usBankAccountOptions,
        requestExtendedAuthorization: paymentMethodTypes.includes('card')
          ? readExtendedAuthorizationRequest(params)
          : undefined,
        receiptEmail: params.optionalString('receipt_email') ?? null,
        setupFutureUsage: params.optionalEnum('setup_future_usage', SETUP_FUTURE_USAGES) ?? null,
        statementDescriptor: params.optionalString('statement_descriptor') ?? null,
        statementDescriptorSuffix: params.optionalString('statement_descriptor_suffix') ?? null,
        transferGroup: params.optionalString('transfer_group') ?? null,
      },
      runtime.clock.nowSeconds(),
    );
    if (request.paymentMethodId !== undefined) {
      const paymentMethod = resolvePaymentMethod(runtime, request.paymentMethodId);
      assertUsableByCustomer(paymentMethod, paymentIntent.customer);
      paymentIntent.payment_method = paymentMethod.object.id;
      paymentIntent.status = 'requires_confirmation';
    }
    runtime.store.paymentIntents.set(paymentIntent.id, paymentIntent);
    recordClientSecretOwner(runtime.store, paymentIntent.id, c.get('apiKey'));
    runtime.events.record('payment_intent.created', paymentIntent, eventOrigin(c));
    if (confirm) {
      confirmPaymentIntent(runtime, paymentIntent, { ...request, paymentMethodId: undefined }, eventOrigin(c));
    }
    return answer(c, paymentIntent);
  });

  // Filtered by `customer`: docs.stripe.com/api/payment_intents/list.
  routes.get('/', (c) => {
    const params = c.get('params').rejectUnknown([...PAGING_PARAMETERS, 'customer']);
    const customer = params.optionalString('customer');
    const paymentIntents = [...runtime.store.paymentIntents.values()]
      .filter((paymentIntent) => customer === undefined || paymentIntent.customer === customer)
      .map((paymentIntent) => clientSecretFor(runtime.store, paymentIntent, c.get('apiKey')));
    return listAnswer(c, runtime, 'payment_intent', '/v1/payment_intents', paymentIntents);
  });

  routes.get('/:id', (c) => answer(c, loadPaymentIntent(c.req.param('id'))));

  routes.post('/:id', (c) => {
    const paymentIntent = loadPaymentIntent(c.req.param('id'));
    const params = c.get('params').rejectUnknown(UPDATE_PARAMETERS);
    const changesPayment = ['amount', 'currency', 'payment_method', 'capture_method', 'customer'].some((name) =>
      params.has(name),
    );
    if (changesPayment && !CONFIRMABLE_STATUSES.includes(paymentIntent.status)) {
      throw paymentIntentUnexpectedState(
        `This PaymentIntent's payment details could not be updated because it has a status of ${paymentIntent.status}.`,
        structuredClone(paymentIntent),
      );
    }
    const metadata = params.metadata();
    if (metadata) {
      const merged = { ...paymentIntent.metadata, ...metadata };
      // Stripe unsets a metadata key given an empty value.
      for (const [key, value] of Object.entries(metadata)) if (value === '') delete merged[key];
      paymentIntent.metadata = merged;
    }
    if (params.has('description')) paymentIntent.description = params.optionalString('description') ?? null;
    if (params.has('receipt_email')) paymentIntent.receipt_email = params.optionalString('receipt_email') ?? null;
    if (params.has('currency')) paymentIntent.currency = readCurrency(params);
    if (params.has('amount')) paymentIntent.amount = readAmount(params, paymentIntent.currency);
    const captureMethod = params.optionalEnum('capture_method', CAPTURE_METHODS);
    if (captureMethod) paymentIntent.capture_method = captureMethod;
    const paymentMethodId = params.optionalString('payment_method');
    if (paymentMethodId) {
      paymentIntent.payment_method = resolvePaymentMethod(runtime, paymentMethodId).object.id;
      paymentIntent.status = 'requires_confirmation';
      paymentIntent.next_action = null;
    }
    return answer(c, paymentIntent);
  });

  routes.post('/:id/confirm', (c) => {
    const paymentIntent = loadPaymentIntent(c.req.param('id'));
    const params = c.get('params').rejectUnknown(CONFIRM_PARAMETERS);
    const captureMethod = params.optionalEnum('capture_method', CAPTURE_METHODS);
    const request = confirmationRequest(c, params, runtime.clock.nowSeconds());
    if (paymentIntent.payment_method_options.us_bank_account && CONFIRMABLE_STATUSES.includes(paymentIntent.status)) {
      paymentIntent.payment_method_options.us_bank_account = readUsBankAccountOptions(
        params,
        runtime.clock.nowSeconds(),
        paymentIntent.payment_method_options.us_bank_account,
      );
    }
    if (captureMethod && CONFIRMABLE_STATUSES.includes(paymentIntent.status))
      paymentIntent.capture_method = captureMethod;
    const extendedAuthorization = readExtendedAuthorizationRequest(params);
    const cardOptions = paymentIntent.payment_method_options.card;
    if (extendedAuthorization && cardOptions && CONFIRMABLE_STATUSES.includes(paymentIntent.status))
      cardOptions.request_extended_authorization = extendedAuthorization;
    const setupFutureUsage = params.optionalEnum('setup_future_usage', SETUP_FUTURE_USAGES);
    if (setupFutureUsage && CONFIRMABLE_STATUSES.includes(paymentIntent.status))
      paymentIntent.setup_future_usage = setupFutureUsage;
    confirmPaymentIntent(runtime, paymentIntent, request, eventOrigin(c));
    return answer(c, paymentIntent);
  });

  routes.post('/:id/verify_microdeposits', (c) => {
    const paymentIntent = loadPaymentIntent(c.req.param('id'));
    const params = c.get('params').rejectUnknown(['amounts', 'client_secret', 'descriptor_code', 'expand']);
    verifyMicrodeposits(runtime, paymentIntent, readMicrodepositProof(params), eventOrigin(c));
    return answer(c, paymentIntent);
  });

  routes.post('/:id/cancel', (c) => {
    const paymentIntent = loadPaymentIntent(c.req.param('id'));
    const params = c.get('params').rejectUnknown(['cancellation_reason', 'expand']);
    const reason = params.optionalEnum('cancellation_reason', CALLER_CANCELLATION_REASONS) ?? null;
    cancelPaymentIntent(runtime, paymentIntent, reason, eventOrigin(c));
    return answer(c, paymentIntent);
  });

  routes.post('/:id/capture', (c) => {
    const paymentIntent = loadPaymentIntent(c.req.param('id'));
    const params = c
      .get('params')
      .rejectUnknown([
        'amount_to_capture',
        'application_fee_amount',
        'expand',
        'final_capture',
        'metadata',
        'statement_descriptor',
        'statement_descriptor_suffix',
        'transfer_data',
      ]);
    const amountToCapture = params.optionalInteger('amount_to_capture');
    const metadata = params.metadata();
    capturePaymentIntent(runtime, paymentIntent, amountToCapture, eventOrigin(c));
    if (metadata) paymentIntent.metadata = { ...paymentIntent.metadata, ...metadata };
    return answer(c, paymentIntent);
  });

  return routes;
}
