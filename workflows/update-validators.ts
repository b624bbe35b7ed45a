/**
 * Validators of the booking workflow's updates. They run before an update is accepted, so bad
 * input is rejected without entering history.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  FailureTypes,
  MAX_CANCEL_REASON_LENGTH,
  PAYMENT_METHOD_ID_PATTERN,
  type CancelBookingRequest,
  type SupplyPaymentMethodRequest,
} from './contract.js';

/** Rejects a cancel request whose shape is wrong. */
export function validateCancelRequest(request: CancelBookingRequest): void {
  if (typeof request !== 'object' || request === null) {
    throw invalid('cancel request must be an object');
  }
  if (request.reason !== undefined) {
    if (typeof request.reason !== 'string' || request.reason.length > MAX_CANCEL_REASON_LENGTH) {
      throw invalid(`reason must be a string of at most ${MAX_CANCEL_REASON_LENGTH} characters`);
    }
  }
}

/** Rejects a payment-method request whose id is not a Stripe PaymentMethod id. */
export function validatePaymentMethodRequest(request: SupplyPaymentMethodRequest): void {
  if (typeof request !== 'object' || request === null || typeof request.paymentMethod !== 'string') {
    throw invalid('paymentMethod is required');
  }
  if (!PAYMENT_METHOD_ID_PATTERN.test(request.paymentMethod)) {
    throw invalid('paymentMethod must be a Stripe PaymentMethod id (pm_…)');
  }
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureTypes.InvalidUpdate);
}
