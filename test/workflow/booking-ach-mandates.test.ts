/**
 * A mandate authorizes one bank account (docs.stripe.com/payments/ach-direct-debit#mandates): a new
 * account the customer supplies after a failed debit needs its own acceptance, never the one the
 * customer gave for another account.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FailureTypes,
  cancelBookingUpdate,
  supplyPaymentMethodUpdate,
  type BankPaymentInput,
} from '../../workflows/booking/contract.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const FIRST_ACCEPTANCE = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (first account)',
  acceptedAt: '2026-11-01T10:00:00Z',
};
const SECOND_ACCEPTANCE = {
  ipAddress: '198.51.100.24',
  userAgent: 'Mozilla/5.0 (second account)',
  acceptedAt: '2026-11-02T10:00:00Z',
};

function bankPayment(paymentMethod: string, extra: Partial<BankPaymentInput> = {}): BankPaymentInput {
  return {
    amount: 12_500,
    paymentMethod,
    mandate: FIRST_ACCEPTANCE,
    verification: 'automatic',
    targetDate: null,
    checkBalance: false,
    ...extra,
  };
}

describe('a new bank account and its mandate', () => {
  it('refuses a new bank account without its own acceptance, and debits it under the acceptance given for it', async () => {
    const handle = await harness.startBooking({ payment: bankPayment('pm_usBankAccount_riskLevelHighest') });
    const refused = await harness.waitForPaymentStatus(handle, 'requires_payment_method');

    const withoutAcceptance = await handle
      .executeUpdate(supplyPaymentMethodUpdate, {
        args: [{ for: 'payment', paymentMethod: 'pm_usBankAccount_success' }],
      })
      .catch((error: unknown) => error);
    expect(withoutAcceptance).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((withoutAcceptance as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      FailureTypes.MandateRequired,
    );

    const resumed = await handle.executeUpdate(supplyPaymentMethodUpdate, {
      args: [{ for: 'payment', paymentMethod: 'pm_usBankAccount_success', mandate: SECOND_ACCEPTANCE }],
    });
    expect(resumed.payment).toMatchObject({
      status: 'processing',
      attempt: 2,
      paymentIntentId: refused.payment!.paymentIntentId,
    });
    const debit = await harness.stripe.paymentIntents.retrieve(resumed.payment!.paymentIntentId!, {
      expand: ['latest_charge'],
    });
    const mandateId = (debit.latest_charge as Stripe.Charge).payment_method_details?.us_bank_account?.mandate as string;
    const mandate = await harness.stripe.mandates.retrieve(mandateId);
    expect(mandate.customer_acceptance.online).toMatchObject({
      ip_address: SECOND_ACCEPTANCE.ipAddress,
      user_agent: SECOND_ACCEPTANCE.userAgent,
    });
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await harness.recordHistory(handle, 'ach-new-account-own-mandate');
  });

  it('lets the customer try the same account again under the acceptance given for it', async () => {
    const handle = await harness.startBooking({ payment: bankPayment('pm_usBankAccount_riskLevelHighest') });
    await harness.waitForPaymentStatus(handle, 'requires_payment_method');

    const again = await handle.executeUpdate(supplyPaymentMethodUpdate, {
      args: [{ for: 'payment', paymentMethod: 'pm_usBankAccount_riskLevelHighest' }],
    });
    expect(again.payment).toMatchObject({ status: 'requires_payment_method', attempt: 2 });
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });
});
