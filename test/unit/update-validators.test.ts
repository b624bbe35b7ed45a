import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { FailureTypes } from '../../workflows/contract.js';
import { validateCancelRequest, validatePaymentMethodRequest } from '../../workflows/update-validators.js';

function failureType(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof ApplicationFailure ? (error.type ?? undefined) : 'not-an-application-failure';
  }
}

describe('update validators', () => {
  it('accepts a cancel with or without a reason', () => {
    expect(failureType(() => validateCancelRequest({}))).toBeUndefined();
    expect(failureType(() => validateCancelRequest({ reason: 'guest cancelled' }))).toBeUndefined();
  });

  it('rejects a cancel whose reason is not a short string', () => {
    expect(failureType(() => validateCancelRequest({ reason: 42 as unknown as string }))).toBe(FailureTypes.InvalidUpdate);
    expect(failureType(() => validateCancelRequest({ reason: 'x'.repeat(501) }))).toBe(FailureTypes.InvalidUpdate);
    expect(failureType(() => validateCancelRequest(null as never))).toBe(FailureTypes.InvalidUpdate);
  });

  it('accepts only Stripe PaymentMethod ids', () => {
    expect(failureType(() => validatePaymentMethodRequest({ paymentMethod: 'pm_card_visa' }))).toBeUndefined();
    for (const bad of ['', 'card_123', 'pm_', 'pm_bad id', '4242424242424242']) {
      expect(failureType(() => validatePaymentMethodRequest({ paymentMethod: bad }))).toBe(FailureTypes.InvalidUpdate);
    }
  });
});
