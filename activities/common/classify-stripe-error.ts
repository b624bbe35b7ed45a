/**
 * The one place Stripe errors are sorted into "retry" and "stop": declines and invalid requests
 * become non-retryable ApplicationFailures with a stable type; rate limits, 5xx, lock conflicts
 * and network errors are rethrown untouched so the activity retry policy backs off and retries.
 */
import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { FailureTypes } from '../../workflows/booking/contract.js';

/** Details carried by a CardDeclined failure. */
export interface CardDeclineDetails {
  paymentIntentId: string | null;
  declineCode: string | null;
  /** The PaymentIntent's status after the decline: `canceled` once Stripe gave up after too many confirmations. */
  paymentIntentStatus?: string | null;
  message: string;
}

/**
 * Turns a Stripe error into the failure Temporal should see; returns the error to throw. With
 * `outcomeUnknown` (a write whose workflow resolves unknown outcomes by reading Stripe), a 5xx is a
 * non-retryable StripeOutcomeUnknown: Stripe saved that 5xx for the key and would replay it to every
 * retry for 24 hours (docs.stripe.com/api/idempotent_requests), so only a read can tell what happened.
 */
export function classifyStripeError(
  error: unknown,
  { outcomeUnknown = false }: { outcomeUnknown?: boolean } = {},
): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  if (outcomeUnknown && (error.statusCode ?? 0) >= 500) return nonRetryable(FailureTypes.StripeOutcomeUnknown, error);

  if (error instanceof Stripe.errors.StripeCardError) {
    const details: CardDeclineDetails = {
      paymentIntentId: error.payment_intent?.id ?? null,
      declineCode: error.decline_code ?? error.code ?? null,
      paymentIntentStatus: error.payment_intent?.status ?? null,
      message: error.message,
    };
    return ApplicationFailure.create({
      message: `Card declined: ${details.declineCode ?? 'unknown reason'}`,
      type: FailureTypes.CardDeclined,
      nonRetryable: true,
      details: [details],
      cause: error,
    });
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError && error.statusCode !== 409) {
    return nonRetryable(FailureTypes.IdempotencyConflict, error);
  }
  if (
    error instanceof Stripe.errors.StripeAuthenticationError ||
    error instanceof Stripe.errors.StripePermissionError
  ) {
    return nonRetryable(FailureTypes.StripeAuthentication, error);
  }
  if (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    error.statusCode !== 409 &&
    error.statusCode !== 429
  ) {
    return nonRetryable(FailureTypes.StripeInvalidRequest, error);
  }
  // Rate limits, API/5xx errors, lock conflicts (409) and connection errors: retry.
  return error;
}

function nonRetryable(type: string, error: InstanceType<typeof Stripe.errors.StripeError>): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${error.type}${error.code ? ` (${error.code})` : ''}: ${error.message}`,
    type,
    nonRetryable: true,
    details: [
      {
        code: error.code ?? null,
        // The parameter Stripe refused (`payment_method` for a missing, mistyped or another customer's one).
        param: error.param ?? null,
        statusCode: error.statusCode ?? null,
        requestId: error.requestId ?? null,
        // A refused confirmation may have reached Stripe's confirmation limit and cancelled the PaymentIntent.
        paymentIntentStatus: error.payment_intent?.status ?? null,
        // The PaymentIntent a refused create-and-confirm left behind, if any.
        paymentIntentId: error.payment_intent?.id ?? null,
      },
    ],
  });
}

/** Whether Stripe refused an operation because the object is already in another state. */
export function isUnexpectedStateError(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    (error.code === 'payment_intent_unexpected_state' || error.code === 'setup_intent_unexpected_state')
  );
}

/** Whether Stripe answered that the object asked for does not exist. */
export function isResourceMissingError(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}

/** Stripe's answer to a microdeposit attempt that did not verify, or null for any other error. */
export function microdepositErrorOutcome(error: unknown): 'mismatch' | 'attempts_exceeded' | 'expired' | null {
  if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) return null;
  switch (error.code) {
    case 'payment_method_microdeposit_verification_amounts_mismatch':
    case 'payment_method_microdeposit_verification_descriptor_code_mismatch':
      return 'mismatch';
    case 'payment_method_microdeposit_verification_attempts_exceeded':
      return 'attempts_exceeded';
    case 'payment_method_microdeposit_verification_timeout':
      return 'expired';
    default:
      return null;
  }
}

/** Throws the classified Stripe error: a `.catch` handler for Stripe reads. */
export function rethrowClassified(error: unknown): never {
  throw classifyStripeError(error);
}
