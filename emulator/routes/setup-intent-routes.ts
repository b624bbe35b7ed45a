/** `/v1/setup_intents`: create (optionally confirm), retrieve, confirm, verify_microdeposits, cancel. */
import { Hono, type Context } from 'hono';
import { expandObject } from '../expand.js';
import {
  SETUP_INTENT_CANCELLATION_REASONS,
  SETUP_INTENT_USAGES,
  buildSetupIntent,
  type SetupIntentObject,
  type SetupIntentPaymentMethodOptions,
} from '../objects/setup-intent.js';
import { resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import type { RequestParams } from '../request-params.js';
import type { EmulatorRuntime } from '../runtime.js';
import { cancelSetupIntent } from '../setup-intents/cancel-setup-intent.js';
import { confirmSetupIntent, type SetupConfirmationRequest } from '../setup-intents/confirm-setup-intent.js';
import { verifySetupMicrodeposits } from '../setup-intents/verify-setup-microdeposits.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { parameterInvalid, parameterUnknown, resourceMissing } from '../stripe-errors.js';
import { readMandateAcceptance, readMicrodepositProof, readUsBankAccountOptions } from './bank-debit-params.js';
import { eventOrigin } from './event-origin.js';
import { PAGING_PARAMETERS, listAnswer } from './object-list.js';
import { stripeJson } from './stripe-json.js';

const CREATE_PARAMETERS = [
  'attach_to_self',
  'automatic_payment_methods',
  'confirm',
  'confirmation_token',
  'customer',
  'description',
  'excluded_payment_method_types',
  'expand',
  'flow_directions',
  'mandate_data',
  'metadata',
  'on_behalf_of',
  'payment_method',
  'payment_method_configuration',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
  'return_url',
  'single_use',
  'usage',
  'use_stripe_sdk',
] as const;

const CONFIRM_PARAMETERS = [
  'client_secret',
  'confirmation_token',
  'expand',
  'mandate_data',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'return_url',
  'use_stripe_sdk',
] as const;

/** The payment method types the emulator can save. */
const SETUP_PAYMENT_METHOD_TYPES = ['card', 'us_bank_account'];

function readPaymentMethodTypes(params: RequestParams): string[] {
  const types = params.optionalStringList('payment_method_types') ?? ['card'];
  for (const type of types) {
    if (!SETUP_PAYMENT_METHOD_TYPES.includes(type)) {
      throw parameterInvalid(
        'payment_method_types',
        `The payment method type "${type}" is invalid. The emulator saves: ${SETUP_PAYMENT_METHOD_TYPES.join(', ')}.`,
      );
    }
  }
  return types;
}

/** `payment_method_options[us_bank_account]` as a SetupIntent takes it (no target date: nothing is debited). */
function readBankOptions(
  params: RequestParams,
  now: number,
  current?: SetupIntentPaymentMethodOptions['us_bank_account'],
): SetupIntentPaymentMethodOptions['us_bank_account'] {
  const { target_date: targetDate, ...options } = readUsBankAccountOptions(params, now, current);
  if (targetDate !== undefined) throw parameterUnknown('payment_method_options[us_bank_account][target_date]');
  return options;
}

function confirmationRequest(c: Context<StripeApiEnv>, params: RequestParams, now: number): SetupConfirmationRequest {
  return {
    paymentMethodId: params.optionalString('payment_method'),
    acceptance: readMandateAcceptance(params, now),
    returnUrl: params.optionalString('return_url'),
    emulatorBaseUrl: new URL(c.req.url).origin,
  };
}

/** Routes for SetupIntent objects. */
export function setupIntentRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();

  function loadSetupIntent(id: string): SetupIntentObject {
    const setupIntent = runtime.store.setupIntents.get(id);
    if (!setupIntent) throw resourceMissing('setup_intent', id, 'intent');
    return setupIntent;
  }

  function answer(c: Context<StripeApiEnv>, setupIntent: SetupIntentObject): Response {
    return stripeJson(
      c,
      expandObject(setupIntent, c.get('params').expand(), (id) => runtime.store.findObject(id)),
    );
  }

  routes.post('/', (c) => {
    const params = c.get('params').rejectUnknown(CREATE_PARAMETERS);
    const now = runtime.clock.nowSeconds();
    const confirm = params.optionalBoolean('confirm') ?? false;
    for (const onlyWithConfirm of ['return_url', 'mandate_data']) {
      if (params.has(onlyWithConfirm) && !confirm) {
        throw parameterInvalid(onlyWithConfirm, `You can only pass in ${onlyWithConfirm} when confirm=true.`);
      }
    }
    const request = confirmationRequest(c, params, now);
    const paymentMethodTypes = readPaymentMethodTypes(params);
    const customer = params.optionalString('customer');
    if (customer !== undefined && !runtime.store.customers.has(customer))
      throw resourceMissing('customer', customer, 'customer');
    const setupIntent = buildSetupIntent(
      {
        customer: customer ?? null,
        description: params.optionalString('description') ?? null,
        metadata: params.metadata() ?? {},
        paymentMethodTypes,
        usBankAccountOptions: paymentMethodTypes.includes('us_bank_account') ? readBankOptions(params, now) : undefined,
        usage: params.optionalEnum('usage', SETUP_INTENT_USAGES) ?? 'off_session',
      },
      now,
    );
    if (request.paymentMethodId !== undefined) {
      setupIntent.payment_method = resolvePaymentMethod(runtime, request.paymentMethodId).object.id;
      setupIntent.status = 'requires_confirmation';
    }
    runtime.store.setupIntents.set(setupIntent.id, setupIntent);
    runtime.events.record('setup_intent.created', setupIntent, eventOrigin(c));
    if (confirm) confirmSetupIntent(runtime, setupIntent, { ...request, paymentMethodId: undefined }, eventOrigin(c));
    return answer(c, setupIntent);
  });

  // Filtered by `customer`: docs.stripe.com/api/setup_intents/list.
  routes.get('/', (c) => {
    const params = c.get('params').rejectUnknown([...PAGING_PARAMETERS, 'customer']);
    const customer = params.optionalString('customer');
    const setupIntents = [...runtime.store.setupIntents.values()].filter(
      (setupIntent) => customer === undefined || setupIntent.customer === customer,
    );
    return listAnswer(c, runtime, 'setup_intent', '/v1/setup_intents', setupIntents);
  });

  routes.get('/:id', (c) => answer(c, loadSetupIntent(c.req.param('id'))));

  routes.post('/:id/confirm', (c) => {
    const setupIntent = loadSetupIntent(c.req.param('id'));
    const params = c.get('params').rejectUnknown(CONFIRM_PARAMETERS);
    const now = runtime.clock.nowSeconds();
    const request = confirmationRequest(c, params, now);
    if (
      setupIntent.payment_method_options.us_bank_account &&
      params.has('payment_method_options') &&
      setupIntent.status !== 'succeeded'
    ) {
      setupIntent.payment_method_options.us_bank_account = readBankOptions(
        params,
        now,
        setupIntent.payment_method_options.us_bank_account,
      );
    }
    confirmSetupIntent(runtime, setupIntent, request, eventOrigin(c));
    return answer(c, setupIntent);
  });

  routes.post('/:id/verify_microdeposits', (c) => {
    const setupIntent = loadSetupIntent(c.req.param('id'));
    const params = c.get('params').rejectUnknown(['amounts', 'client_secret', 'descriptor_code', 'expand']);
    verifySetupMicrodeposits(runtime, setupIntent, readMicrodepositProof(params), eventOrigin(c));
    return answer(c, setupIntent);
  });

  routes.post('/:id/cancel', (c) => {
    const setupIntent = loadSetupIntent(c.req.param('id'));
    const params = c.get('params').rejectUnknown(['cancellation_reason', 'expand']);
    const reason = params.optionalEnum('cancellation_reason', SETUP_INTENT_CANCELLATION_REASONS) ?? null;
    cancelSetupIntent(runtime, setupIntent, reason, eventOrigin(c));
    return answer(c, setupIntent);
  });

  return routes;
}
