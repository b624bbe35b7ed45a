/**
 * Validators of the booking workflow's updates. They run before an update is accepted, so bad
 * input is rejected without entering history.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  FailureTypes,
  MAX_CANCEL_REASON_LENGTH,
  MANDATE_ID_PATTERN,
  PAYMENT_METHOD_ID_PATTERN,
  DESCRIPTOR_CODE_PATTERN,
  type CancelBookingRequest,
  type MicrodepositState,
  type SupplyPaymentMethodRequest,
  type VerifyMicrodepositsRequest,
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
  if (request.for !== undefined && request.for !== 'hold' && request.for !== 'payment') {
    throw invalid("for must be 'hold' or 'payment'");
  }
  if (request.offSession !== undefined && typeof request.offSession !== 'boolean') {
    throw invalid('offSession must be a boolean');
  }
  if (
    request.savedMandateId !== undefined &&
    (typeof request.savedMandateId !== 'string' || !MANDATE_ID_PATTERN.test(request.savedMandateId))
  ) {
    throw invalid('savedMandateId must be a Stripe Mandate id (mandate_…)');
  }
  if (request.mandate !== undefined) {
    const { ipAddress, userAgent, acceptedAt } = (request.mandate ?? {}) as unknown as Partial<Record<string, unknown>>;
    if (
      typeof ipAddress !== 'string' ||
      typeof userAgent !== 'string' ||
      typeof acceptedAt !== 'string' ||
      Number.isNaN(Date.parse(acceptedAt))
    ) {
      throw invalid('mandate must carry ipAddress, userAgent and an ISO acceptedAt');
    }
  }
}

/** Rejects microdeposit values that are neither one descriptor code nor two amounts in cents. */
export function validateMicrodepositsRequest(request: VerifyMicrodepositsRequest): void {
  if (typeof request !== 'object' || request === null) throw invalid('microdeposit request must be an object');
  const { descriptorCode, amounts } = request;
  if ((descriptorCode === undefined) === (amounts === undefined)) {
    throw invalid('give either descriptorCode or amounts');
  }
  if (
    descriptorCode !== undefined &&
    (typeof descriptorCode !== 'string' || !DESCRIPTOR_CODE_PATTERN.test(descriptorCode))
  ) {
    throw invalid('descriptorCode must look like SM followed by four letters or digits');
  }
  if (
    amounts !== undefined &&
    (!Array.isArray(amounts) || amounts.length !== 2 || !amounts.every((a) => Number.isInteger(a) && a >= 1 && a <= 99))
  ) {
    throw invalid('amounts must be two whole numbers of cents between 1 and 99');
  }
}

/**
 * Rejects microdeposit values that do not fit the microdeposits Stripe sent (a code for an account
 * sent two amounts, or the reverse) or that come after the last attempt. Shared by bookings and setups.
 */
export function checkMicrodepositsFit(microdeposits: MicrodepositState, request: VerifyMicrodepositsRequest): void {
  const wantsCode = microdeposits.type === 'descriptor_code';
  if (wantsCode !== (request.descriptorCode !== undefined)) {
    throw invalid(
      wantsCode
        ? 'this account was sent a descriptor code: submit descriptorCode'
        : 'this account was sent two amounts: submit amounts',
    );
  }
  if (microdeposits.attemptsRemaining <= 0) {
    throw ApplicationFailure.nonRetryable('no microdeposit attempts remain', FailureTypes.NotAwaitingVerification);
  }
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureTypes.InvalidUpdate);
}
