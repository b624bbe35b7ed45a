/** The customer's answer to the 3-D Secure challenge of a card being saved, as the emulator's test control reports it. */
import { AUTOMATIC_ORIGIN } from '../objects/event.js';
import type { SetupIntentObject } from '../objects/setup-intent.js';
import { NotAwaitingAuthenticationError, type AuthenticationOutcome } from '../payments/complete-authentication.js';
import { resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import { failSetup, setupErrorBody, succeedSetup } from './setup-outcomes.js';

/**
 * Completes the challenge: success saves the card (`succeeded`, attached to the customer);
 * failure returns the SetupIntent to `requires_payment_method` with `setup_intent_authentication_failure`.
 */
export function completeSetupAuthentication(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  outcome: AuthenticationOutcome,
): void {
  const waitingFor3ds =
    setupIntent.next_action?.type === 'use_stripe_sdk' || setupIntent.next_action?.type === 'redirect_to_url';
  if (setupIntent.status !== 'requires_action' || !waitingFor3ds || !setupIntent.payment_method) {
    throw new NotAwaitingAuthenticationError(setupIntent.status, 'SetupIntent');
  }
  const paymentMethod = resolvePaymentMethod(runtime, setupIntent.payment_method);
  if (outcome === 'succeed') {
    succeedSetup(runtime, setupIntent, paymentMethod, AUTOMATIC_ORIGIN);
    return;
  }
  failSetup(
    runtime,
    setupIntent,
    setupErrorBody(
      {
        code: 'setup_intent_authentication_failure',
        message:
          'The latest attempt to set up the payment method has failed because authentication failed. Provide a new payment method to attempt to set it up again.',
      },
      paymentMethod,
    ),
    AUTOMATIC_ORIGIN,
  );
}
