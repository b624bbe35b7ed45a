import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { FailureTypes } from '../../workflows/booking/contract.js';
import {
  validateCancelRequest,
  validateMicrodepositsRequest,
  validatePaymentMethodRequest,
} from '../../workflows/booking/update-validators.js';

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
    expect(failureType(() => validateCancelRequest({ reason: 42 as unknown as string }))).toBe(
      FailureTypes.InvalidUpdate,
    );
    expect(failureType(() => validateCancelRequest({ reason: 'x'.repeat(501) }))).toBe(FailureTypes.InvalidUpdate);
    expect(failureType(() => validateCancelRequest(null as never))).toBe(FailureTypes.InvalidUpdate);
  });

  it('accepts only Stripe PaymentMethod ids', () => {
    expect(failureType(() => validatePaymentMethodRequest({ paymentMethod: 'pm_card_visa' }))).toBeUndefined();
    for (const bad of ['', 'card_123', 'pm_', 'pm_bad id', '4242424242424242']) {
      expect(failureType(() => validatePaymentMethodRequest({ paymentMethod: bad }))).toBe(FailureTypes.InvalidUpdate);
    }
  });

  it('accepts one descriptor code or two amounts in cents for microdeposits', () => {
    expect(failureType(() => validateMicrodepositsRequest({ descriptorCode: 'SM11AA' }))).toBeUndefined();
    expect(failureType(() => validateMicrodepositsRequest({ amounts: [32, 45] }))).toBeUndefined();
  });

  it('rejects microdeposit values that are neither, both, or malformed', () => {
    const bad = [
      {},
      { descriptorCode: 'SM11AA', amounts: [32, 45] },
      { descriptorCode: '11AA' },
      { descriptorCode: 'sm11aa' },
      { amounts: [32] },
      { amounts: [32, 100] },
      { amounts: [0.5, 45] },
    ] as never[];
    for (const request of bad) {
      expect(failureType(() => validateMicrodepositsRequest(request))).toBe(FailureTypes.InvalidUpdate);
    }
  });

  it("accepts 'hold' or 'payment' as the target of a new payment method, and nothing else", () => {
    expect(failureType(() => validatePaymentMethodRequest({ paymentMethod: 'pm_x', for: 'payment' }))).toBeUndefined();
    expect(failureType(() => validatePaymentMethodRequest({ paymentMethod: 'pm_x', for: 'card' as never }))).toBe(
      FailureTypes.InvalidUpdate,
    );
  });
});
