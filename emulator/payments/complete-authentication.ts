/** The customer's answer to a 3-D Secure challenge, from the emulator's challenge page or its test control. */
import { errorDocUrl } from '../stripe-errors.js';
import { AUTOMATIC_ORIGIN } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { recordAuthorization } from './card-authorization.js';
import { resolvePaymentMethod } from './resolve-payment-method.js';

/** How the customer's 3-D Secure challenge ended. */
export type AuthenticationOutcome = 'succeed' | 'fail';

/** Raised when the PaymentIntent (or SetupIntent) is not waiting for authentication. */
export class NotAwaitingAuthenticationError extends Error {
  constructor(
    readonly status: string,
    intent: 'PaymentIntent' | 'SetupIntent' = 'PaymentIntent',
  ) {
    super(`${intent} is ${status}, not waiting for 3-D Secure`);
    this.name = 'NotAwaitingAuthenticationError';
  }
}

/**
 * Completes the challenge: success authorizes the card (`requires_capture` for manual capture);
 * failure returns the PaymentIntent to `requires_payment_method` with
 * `payment_intent_authentication_failure`.
 */
export function completeAuthentication(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  outcome: AuthenticationOutcome,
): void {
  // A bank debit waiting for its microdeposits is `requires_action` too, but not for 3-D Secure.
  const waitingFor3ds =
    paymentIntent.next_action?.type === 'use_stripe_sdk' || paymentIntent.next_action?.type === 'redirect_to_url';
  if (paymentIntent.status !== 'requires_action' || !waitingFor3ds || !paymentIntent.payment_method) {
    throw new NotAwaitingAuthenticationError(paymentIntent.status);
  }
  const paymentMethod = resolvePaymentMethod(runtime, paymentIntent.payment_method);
  if (outcome === 'succeed') {
    recordAuthorization(runtime, paymentIntent, paymentMethod, AUTOMATIC_ORIGIN, {
      authenticated: true,
      initiator: 'customer',
    });
    return;
  }
  paymentIntent.status = 'requires_payment_method';
  paymentIntent.payment_method = null;
  paymentIntent.next_action = null;
  paymentIntent.last_payment_error = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    doc_url: errorDocUrl('payment_intent_authentication_failure'),
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    payment_method: structuredClone(paymentMethod.object),
  };
  runtime.events.record('payment_intent.payment_failed', paymentIntent, AUTOMATIC_ORIGIN);
}
