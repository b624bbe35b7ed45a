/** How a SetupIntent ends an attempt: the payment method saved (`succeeded`), or the attempt failed (`setup_failed`). */
import { setMandateStatus } from '../bank-debits/mandates.js';
import type { EventOrigin } from '../objects/event.js';
import type { SetupIntentObject } from '../objects/setup-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import { StripeApiError, errorDocUrl, type StripeErrorBody } from '../stripe-errors.js';

/**
 * The payment method is saved: attached to the SetupIntent's customer (`payment_method.attached`),
 * marked as set up for off-session use, its mandate active; `setup_intent.succeeded`.
 */
export function succeedSetup(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  paymentMethod: PaymentMethodRecord,
  origin: EventOrigin,
): void {
  setupIntent.status = 'succeeded';
  setupIntent.payment_method = paymentMethod.object.id;
  setupIntent.next_action = null;
  setupIntent.last_setup_error = null;
  if (setupIntent.usage === 'off_session') paymentMethod.setUpForOffSession = true;
  setMandateStatus(runtime, setupIntent.mandate, 'active', origin);
  if (setupIntent.customer && paymentMethod.object.customer !== setupIntent.customer) {
    paymentMethod.object.customer = setupIntent.customer;
    runtime.events.record('payment_method.attached', paymentMethod.object, origin);
  }
  runtime.events.record('setup_intent.succeeded', setupIntent, origin);
}

/** The error body of a failed setup attempt, as `last_setup_error` shows it. */
export function setupErrorBody(
  error: { code: string; message: string; declineCode?: string; adviceCode?: string },
  paymentMethod: PaymentMethodRecord,
  type: StripeErrorBody['type'] = 'invalid_request_error',
): StripeErrorBody {
  return {
    type,
    code: error.code,
    ...(error.declineCode ? { decline_code: error.declineCode } : {}),
    ...(error.adviceCode ? { advice_code: error.adviceCode } : {}),
    doc_url: errorDocUrl(error.code),
    message: error.message,
    payment_method: structuredClone(paymentMethod.object),
  };
}

/**
 * The attempt failed: back to `requires_payment_method` with `last_setup_error`, the bank
 * mandate inactive, `setup_intent.setup_failed`. Returns the error the request answers (400, or 402 for cards).
 */
export function failSetup(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  errorBody: StripeErrorBody,
  origin: EventOrigin,
): StripeApiError {
  setMandateStatus(runtime, setupIntent.mandate, 'inactive', origin);
  setupIntent.status = 'requires_payment_method';
  setupIntent.payment_method = null;
  setupIntent.mandate = null;
  setupIntent.next_action = null;
  setupIntent.last_setup_error = errorBody;
  runtime.events.record('setup_intent.setup_failed', setupIntent, origin);
  return new StripeApiError(
    errorBody.type === 'card_error' ? 402 : 400,
    { ...errorBody, setup_intent: structuredClone(setupIntent) },
    true,
  );
}
