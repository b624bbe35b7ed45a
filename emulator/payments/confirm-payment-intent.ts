/** Confirmation: attaches a payment method and asks the card network for an authorization. */
import { confirmBankDebit, type BankDebitConfirmation } from '../bank-debits/confirm-bank-debit.js';
import { newObjectId } from '../ids.js';
import type { EventOrigin } from '../objects/event.js';
import type { NextAction, PaymentIntentObject, PaymentIntentStatus } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import { StripeApiError, paymentIntentUnexpectedState } from '../stripe-errors.js';
import { AUTHENTICATION_REQUIRED_DECLINE } from '../test-payment-methods.js';
import { assertStatusIn } from './assert-status-in.js';
import { recordAuthorization, recordDecline } from './card-authorization.js';
import { countFailedConfirmation } from './confirmation-limit.js';
import { assertUsableByCustomer, resolvePaymentMethod } from './resolve-payment-method.js';
import { threeDSecureChallengeUrl } from './three-d-secure-challenge-url.js';

/** Statuses from which Stripe accepts a confirmation. */
export const CONFIRMABLE_STATUSES: readonly PaymentIntentStatus[] = [
  'requires_confirmation',
  'requires_payment_method',
  'requires_action',
];

/** What the confirming request asked for. */
export interface ConfirmationRequest {
  paymentMethodId?: string;
  offSession: boolean;
  errorOnRequiresAction: boolean;
  returnUrl?: string;
  /** Base URL of the emulator as the caller reached it, for 3-D Secure links. */
  emulatorBaseUrl: string;
  /** Mandate acceptance or an existing mandate, for bank accounts. */
  mandate?: Omit<BankDebitConfirmation, 'emulatorBaseUrl'>;
}

/** The challenge Stripe.js opens (`use_stripe_sdk`), or the page a redirect flow sends the browser to. */
function authenticationAction(paymentIntent: PaymentIntentObject, request: ConfirmationRequest): NextAction {
  const source = newObjectId('src');
  const url = threeDSecureChallengeUrl(request.emulatorBaseUrl, paymentIntent.id, source);
  if (request.returnUrl) {
    return { type: 'redirect_to_url', redirect_to_url: { return_url: request.returnUrl, url } };
  }
  return { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source } };
}

/** Charges the payment method: approval, 3-D Secure, or a refusal thrown after it is recorded. */
function attemptPayment(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  paymentMethod: PaymentMethodRecord,
  request: ConfirmationRequest,
  origin: EventOrigin,
): void {
  if (paymentMethod.object.type === 'us_bank_account') {
    confirmBankDebit(
      runtime,
      paymentIntent,
      paymentMethod,
      { ...request.mandate, emulatorBaseUrl: request.emulatorBaseUrl },
      origin,
    );
    return;
  }

  const behaviour = paymentMethod.behaviour;
  // Off-session confirmations are merchant-initiated: Visa holds them for a shorter window.
  const context = { authenticated: false, initiator: request.offSession ? 'merchant' : 'customer' } as const;
  switch (behaviour.kind) {
    case 'approve':
      recordAuthorization(runtime, paymentIntent, paymentMethod, origin, context);
      return;
    case 'decline':
      throw recordDecline(runtime, paymentIntent, paymentMethod, behaviour, origin);
    case 'require_authentication':
      // A card saved for off-session use (a SetupIntent, or `setup_future_usage`) is charged off-session
      // without a new challenge, unless its issuer asks for authentication on every payment
      // (docs.stripe.com/testing#authentication-and-setup: 4000002500003155 against 4000002760003184).
      if (request.offSession && behaviour.unlessSetUp && paymentMethod.setUpForOffSession) {
        recordAuthorization(runtime, paymentIntent, paymentMethod, origin, context);
        return;
      }
      // Off-session, nobody can answer a challenge: Stripe declines with `authentication_required` and the
      // PaymentIntent returns to `requires_payment_method` (docs.stripe.com/payments/save-during-payment#charge-saved-payment-method).
      if (request.offSession || request.errorOnRequiresAction) {
        throw recordDecline(runtime, paymentIntent, paymentMethod, AUTHENTICATION_REQUIRED_DECLINE, origin);
      }
      paymentIntent.status = 'requires_action';
      paymentIntent.last_payment_error = null;
      paymentIntent.next_action = authenticationAction(paymentIntent, request);
      runtime.events.record('payment_intent.requires_action', paymentIntent, origin);
      return;
  }
}

/**
 * Confirms `paymentIntent` in place. Leaves it `requires_capture` / `succeeded` (approved),
 * `requires_action` (3-D Secure needed on-session), or throws Stripe's refusal (402 for a decline)
 * after recording it; the failure that reaches the confirmation limit cancels the PaymentIntent and
 * the refusal carries it `canceled`.
 */
export function confirmPaymentIntent(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  request: ConfirmationRequest,
  origin: EventOrigin,
): void {
  assertStatusIn(paymentIntent, CONFIRMABLE_STATUSES, 'confirm');
  const paymentMethodId = request.paymentMethodId ?? paymentIntent.payment_method;
  if (!paymentMethodId) {
    throw paymentIntentUnexpectedState(
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method or ConfirmationToken.",
      structuredClone(paymentIntent),
    );
  }
  const paymentMethod = resolvePaymentMethod(runtime, paymentMethodId);
  if (!paymentIntent.payment_method_types.includes(paymentMethod.object.type)) {
    throw new StripeApiError(
      400,
      {
        type: 'invalid_request_error',
        code: 'payment_intent_incompatible_payment_method',
        message: `The PaymentMethod provided (${paymentMethod.object.type}) is not allowed for this PaymentIntent. Please attach a PaymentMethod of one of the following types: ${paymentIntent.payment_method_types.join(', ')}.`,
        param: 'payment_method',
      },
      true,
    );
  }
  assertUsableByCustomer(paymentMethod, paymentIntent.customer);
  paymentIntent.payment_method = paymentMethod.object.id;
  const errorBefore = paymentIntent.last_payment_error;
  try {
    attemptPayment(runtime, paymentIntent, paymentMethod, request, origin);
  } catch (error) {
    // A refusal that recorded a new payment error (a decline, Radar, the volume limit, failed microdeposits)
    // is a failed confirmation; a refused request (a missing or invalid mandate) leaves the error as it was.
    const failedPayment =
      error instanceof StripeApiError &&
      paymentIntent.status === 'requires_payment_method' &&
      paymentIntent.last_payment_error !== errorBefore;
    if (failedPayment && countFailedConfirmation(runtime, paymentIntent)) {
      const body = { ...error.body, payment_intent: structuredClone(paymentIntent) };
      throw new StripeApiError(error.httpStatus, body, error.storedForIdempotency);
    }
    throw error;
  }
}
