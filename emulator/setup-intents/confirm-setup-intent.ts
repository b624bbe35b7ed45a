/** Confirmation of a SetupIntent: a card (with 3-D Secure when its issuer asks) or a bank account (mandate, microdeposits). */
import { MICRODEPOSIT_ERRORS } from '../bank-debits/bank-debit-errors.js';
import { sendMicrodeposits, verifyWithMicrodepositsAction } from '../bank-debits/send-microdeposits.js';
import { bankBehaviourOf } from '../bank-debits/start-bank-debit.js';
import { newObjectId } from '../ids.js';
import type { EventOrigin } from '../objects/event.js';
import { buildMandate, type CustomerAcceptance } from '../objects/mandate.js';
import type { NextAction } from '../objects/payment-intent.js';
import type { SetupIntentObject, SetupIntentStatus } from '../objects/setup-intent.js';
import { resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import { StripeApiError, errorDocUrl, setupIntentUnexpectedState } from '../stripe-errors.js';
import { failSetup, setupErrorBody, succeedSetup } from './setup-outcomes.js';

/** Statuses from which Stripe accepts a confirmation. */
export const SETUP_CONFIRMABLE_STATUSES: readonly SetupIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

/** What the confirming request asked for. */
export interface SetupConfirmationRequest {
  paymentMethodId?: string;
  /** `mandate_data[customer_acceptance]`, required for bank accounts. */
  acceptance?: CustomerAcceptance;
  returnUrl?: string;
  /** Base URL of the emulator as the caller reached it, for 3-D Secure and verification links. */
  emulatorBaseUrl: string;
}

/** Stripe's rule: a bank account cannot be saved without the customer's acceptance of the mandate. */
const SETUP_MANDATE_REQUIRED_MESSAGE =
  'This SetupIntent requires a mandate, but no existing mandate was found. Collect mandate acceptance from the customer and try again, providing acceptance data in the mandate_data parameter.';

function invalidSetupRequest(
  setupIntent: SetupIntentObject,
  code: string | undefined,
  message: string,
  param?: string,
): StripeApiError {
  return new StripeApiError(
    400,
    {
      type: 'invalid_request_error',
      ...(code ? { code, doc_url: errorDocUrl(code) } : {}),
      message,
      ...(param ? { param } : {}),
      setup_intent: structuredClone(setupIntent),
    },
    true,
  );
}

function authenticationAction(setupIntent: SetupIntentObject, request: SetupConfirmationRequest): NextAction {
  const url = `${request.emulatorBaseUrl}/_emulator/setup_intents/${setupIntent.id}/authenticate`;
  if (request.returnUrl) return { type: 'redirect_to_url', redirect_to_url: { return_url: request.returnUrl, url } };
  return {
    type: 'use_stripe_sdk',
    use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: newObjectId('src') },
  };
}

function confirmCardSetup(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  paymentMethod: PaymentMethodRecord,
  request: SetupConfirmationRequest,
  origin: EventOrigin,
): void {
  const behaviour = paymentMethod.behaviour;
  switch (behaviour.kind) {
    case 'approve':
      succeedSetup(runtime, setupIntent, paymentMethod, origin);
      return;
    case 'decline':
      // Saving a card checks it with the issuer, which refuses the cards that decline charges.
      throw failSetup(runtime, setupIntent, setupErrorBody(behaviour, paymentMethod, 'card_error'), origin);
    case 'require_authentication':
      setupIntent.status = 'requires_action';
      setupIntent.last_setup_error = null;
      setupIntent.next_action = authenticationAction(setupIntent, request);
      runtime.events.record('setup_intent.requires_action', setupIntent, origin);
      return;
    case 'bank_account':
      throw new TypeError(`${paymentMethod.object.id} is not a card`);
  }
}

function confirmBankSetup(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  paymentMethod: PaymentMethodRecord,
  request: SetupConfirmationRequest,
  origin: EventOrigin,
): void {
  const behaviour = bankBehaviourOf(paymentMethod);
  if (!behaviour.verified && setupIntent.payment_method_options.us_bank_account?.verification_method === 'instant') {
    throw invalidSetupRequest(
      setupIntent,
      'setup_intent_invalid_parameter',
      'This SetupIntent only accepts instantly verified bank accounts (verification_method: instant), but the PaymentMethod was not collected with Financial Connections.',
      'payment_method_options[us_bank_account][verification_method]',
    );
  }
  if (!request.acceptance)
    throw invalidSetupRequest(setupIntent, undefined, SETUP_MANDATE_REQUIRED_MESSAGE, 'mandate_data');
  const mandate = buildMandate({
    paymentMethodId: paymentMethod.object.id,
    acceptance: request.acceptance,
    reusable: true,
    amount: 0,
    currency: 'usd',
    status: 'pending',
  });
  runtime.store.mandates.set(mandate.id, mandate);
  setupIntent.mandate = mandate.id;
  if (behaviour.verified) {
    // The emulator's "stays processing" account (000000000009) leaves the setup processing, for tests of that state.
    if (behaviour.outcome.kind === 'never_settle') {
      setupIntent.status = 'processing';
      setupIntent.next_action = null;
      return;
    }
    succeedSetup(runtime, setupIntent, paymentMethod, origin);
    return;
  }
  if (behaviour.microdepositsFail) {
    throw failSetup(runtime, setupIntent, setupErrorBody(MICRODEPOSIT_ERRORS.failed, paymentMethod), origin);
  }
  const microdeposits = sendMicrodeposits(runtime.clock.nowSeconds());
  runtime.store.bankSetups.set(setupIntent.id, { setupIntentId: setupIntent.id, microdeposits });
  setupIntent.status = 'requires_action';
  setupIntent.last_setup_error = null;
  setupIntent.next_action = verifyWithMicrodepositsAction(
    microdeposits,
    `${request.emulatorBaseUrl}/_emulator/setup_intents/${setupIntent.id}/verify_microdeposits`,
    runtime.ach.microdepositType,
  );
  runtime.events.record('setup_intent.requires_action', setupIntent, origin);
}

/**
 * Confirms `setupIntent` in place: `succeeded` (saved), `requires_action` (3-D Secure, or
 * microdeposits for a bank account typed in by hand), or Stripe's error after `setup_intent.setup_failed`.
 */
export function confirmSetupIntent(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  request: SetupConfirmationRequest,
  origin: EventOrigin,
): void {
  if (!SETUP_CONFIRMABLE_STATUSES.includes(setupIntent.status)) {
    throw setupIntentUnexpectedState(
      `You cannot confirm this SetupIntent because it has a status of ${setupIntent.status}. Only a SetupIntent with one of the following statuses may be confirmed: ${SETUP_CONFIRMABLE_STATUSES.join(', ')}.`,
      structuredClone(setupIntent),
    );
  }
  const paymentMethodId = request.paymentMethodId ?? setupIntent.payment_method;
  if (!paymentMethodId) {
    throw setupIntentUnexpectedState(
      "You cannot confirm this SetupIntent because it's missing a payment method. You can either update the SetupIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      structuredClone(setupIntent),
    );
  }
  const paymentMethod = resolvePaymentMethod(runtime, paymentMethodId);
  if (!setupIntent.payment_method_types.includes(paymentMethod.object.type)) {
    throw invalidSetupRequest(
      setupIntent,
      'setup_intent_invalid_parameter',
      `The PaymentMethod provided (${paymentMethod.object.type}) is not allowed for this SetupIntent. Please attach a PaymentMethod of one of the following types: ${setupIntent.payment_method_types.join(', ')}.`,
      'payment_method',
    );
  }
  if (setupIntent.customer && paymentMethod.object.customer && paymentMethod.object.customer !== setupIntent.customer) {
    throw invalidSetupRequest(
      setupIntent,
      undefined,
      'The payment method you provided has already been attached to a customer.',
      'payment_method',
    );
  }
  setupIntent.payment_method = paymentMethod.object.id;
  runtime.store.bankSetups.delete(setupIntent.id);
  if (paymentMethod.object.type === 'us_bank_account')
    confirmBankSetup(runtime, setupIntent, paymentMethod, request, origin);
  else confirmCardSetup(runtime, setupIntent, paymentMethod, request, origin);
}
