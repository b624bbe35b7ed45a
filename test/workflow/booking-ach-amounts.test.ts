import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureTypes, cancelBookingUpdate, verifyMicrodepositsUpdate } from '../../workflows/booking/contract.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';

let harness: BookingHarness;

beforeAll(async () => {
  // This emulator sends two amounts instead of a descriptor code.
  harness = await startBookingHarness({ achMicrodepositType: 'amounts' });
});

afterAll(async () => {
  await harness?.stop();
});

async function startBankBooking() {
  const paymentMethod = await harness.stripe.paymentMethods.create({
    type: 'us_bank_account',
    us_bank_account: { account_number: '000123456789', routing_number: '110000000', account_holder_type: 'individual' },
    billing_details: { name: 'Test Guest', email: 'guest@example.com' },
  });
  return harness.startBooking({
    payment: {
      amount: 9_900,
      paymentMethod: paymentMethod.id,
      mandate: {
        ipAddress: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (booking tests)',
        acceptedAt: '2026-11-01T10:00:00Z',
      },
      verification: 'microdeposits',
      targetDate: null,
      checkBalance: false,
    },
  });
}

describe('microdeposits sent as two amounts (time-skipping)', () => {
  it('verifies the account with the two amounts', async () => {
    const handle = await startBankBooking();
    const waiting = await harness.waitForPaymentStatus(handle, 'awaiting_verification');
    expect(waiting.payment!.microdeposits).toMatchObject({ type: 'amounts', attemptsRemaining: 3 });

    const refusedCode = await handle
      .executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM11AA' }] })
      .catch((error: unknown) => error);
    expect(((refusedCode as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      FailureTypes.InvalidUpdate,
    );

    const verified = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ amounts: [32, 45] }] });

    expect(verified.result).toBe('verified');
    expect(verified.booking.payment!.status).toBe('processing');
    await harness.recordHistory(handle, 'ach-microdeposits-amounts');
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
  });

  it('allows three attempts at the amounts, never a fourth call to Stripe', async () => {
    const handle = await startBankBooking();
    const waiting = await harness.waitForPaymentStatus(handle, 'awaiting_verification');

    const outcomes = [];
    for (const amounts of [
      [1, 2],
      [3, 4],
      [5, 6],
    ] as Array<[number, number]>) {
      const outcome = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ amounts }] });
      outcomes.push([outcome.result, outcome.attemptsRemaining]);
    }
    const fourth = await handle
      .executeUpdate(verifyMicrodepositsUpdate, { args: [{ amounts: [32, 45] }] })
      .catch((error: unknown) => error);

    expect(outcomes).toEqual([
      ['mismatch', 2],
      ['mismatch', 1],
      ['attempts_exceeded', 0],
    ]);
    expect(fourth).toBeInstanceOf(WorkflowUpdateFailedError);
    const requests = await harness.control<{ data: Array<{ path: string }> }>('GET', '/_emulator/requests');
    const calls = requests.data.filter(
      (r) => r.path === `/v1/payment_intents/${waiting.payment!.paymentIntentId}/verify_microdeposits`,
    );
    expect(calls).toHaveLength(3);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
  });
});
