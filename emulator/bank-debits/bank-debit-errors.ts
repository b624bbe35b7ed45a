/** Stripe's errors for bank debits: mandates, microdeposits, Radar and volume limits, ACH returns. */
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import { StripeApiError, errorDocUrl, type StripeErrorBody } from '../stripe-errors.js';

/** The `last_payment_error` (and error body) of a failed bank debit step. */
export function bankDebitErrorBody(code: string, message: string, paymentMethod?: unknown): StripeErrorBody {
  return {
    type: 'invalid_request_error',
    code,
    doc_url: errorDocUrl(code),
    message,
    ...(paymentMethod ? { payment_method: structuredClone(paymentMethod) } : {}),
  };
}

/** A refusal carrying the PaymentIntent as it now is (stored for idempotency: the endpoint ran). */
export function bankDebitRefusal(
  httpStatus: number,
  body: Omit<StripeErrorBody, 'payment_intent'>,
  paymentIntent: PaymentIntentObject,
): StripeApiError {
  return new StripeApiError(httpStatus, { ...body, payment_intent: structuredClone(paymentIntent) }, true);
}

/** Stripe's refusal to confirm a bank debit that has neither the customer's mandate acceptance nor a reusable mandate. */
export const MANDATE_REQUIRED_MESSAGE =
  'This PaymentIntent requires a mandate, but no existing mandate was found. Collect mandate acceptance from the customer and try again, providing acceptance data in the mandate_data parameter.';

/**
 * A mandate that can no longer be used: revoked by the customer or their bank (a dispute revokes it),
 * or inactive for another reason. Stripe's code for it is `payment_intent_mandate_invalid`
 * ("The provided mandate is invalid and can not be used for the payment intent.",
 * https://docs.stripe.com/error-codes#payment-intent-mandate-invalid; also in the `code` enum of
 * `last_payment_error` in stripe-node 19.1.0's PaymentIntents.d.ts for API 2025-09-30.clover).
 */
export const MANDATE_INVALID = {
  code: 'payment_intent_mandate_invalid',
  message: 'The provided mandate is invalid and can not be used for the payment intent.',
} as const;

/** Stripe's error codes and messages for microdeposits that failed to arrive, ran out of attempts or expired. */
export const MICRODEPOSIT_ERRORS = {
  failed: {
    code: 'payment_method_microdeposit_failed',
    message: 'Microdeposits failed to deposit. Please check the account, institution and transit numbers provided.',
  },
  attemptsExceeded: {
    code: 'payment_method_microdeposit_verification_attempts_exceeded',
    message: 'You have exceeded the number of allowed verification attempts.',
  },
  timeout: {
    code: 'payment_method_microdeposit_verification_timeout',
    message: "Microdeposit timeout. Customer hasn't verified their bank account within the required 10 day period.",
  },
} as const;

/** Mismatch of the amounts or descriptor code, with the attempts left. */
export function microdepositMismatch(kind: 'amounts' | 'descriptor_code', attemptsRemaining: number): StripeApiError {
  const code =
    kind === 'amounts'
      ? 'payment_method_microdeposit_verification_amounts_mismatch'
      : 'payment_method_microdeposit_verification_descriptor_code_mismatch';
  const message =
    kind === 'amounts'
      ? `The amounts provided do not match the amounts that were sent to the bank account. You have ${attemptsRemaining} verification attempts remaining.`
      : `The verification code provided does not match the one sent to the bank account. You have ${attemptsRemaining} verification attempts remaining.`;
  return new StripeApiError(400, { ...bankDebitErrorBody(code, message), param: kind }, true);
}

/** Radar blocks the payment at confirmation (test account 000000004954). */
export const RADAR_BLOCK = {
  code: 'payment_intent_payment_attempt_failed',
  message: 'The payment was blocked by Stripe Radar because of a high risk of fraud.',
} as const;

/** The account's weekly ACH volume limit (test account 000777777771). */
export const WEEKLY_LIMIT = {
  code: 'charge_exceeds_source_limit',
  message:
    'This payment would cause the account to exceed its weekly payment volume limit for ACH Direct Debit. Please retry the payment later or contact us via https://support.stripe.com/contact.',
} as const;
