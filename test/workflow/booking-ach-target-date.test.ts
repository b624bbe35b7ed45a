/**
 * An ACH target date is 3 to 15 days ahead when the debit is created
 * (docs.stripe.com/payments/ach-direct-debit#target-date); the API checks it on arrival, but the
 * debit may be created days later. Then it is debited on the earliest valid date, and the booking
 * says so, rather than every bank account being refused.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNotifications } from '../../db/notifications.js';
import {
  DEFAULT_HOLD_POLICY,
  FailureTypes,
  bookingStateQuery,
  cancelBookingUpdate,
  supplyPaymentMethodUpdate,
  type BankPaymentInput,
} from '../../workflows/booking/contract.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
import { waitFor } from '../../harness/wait-for.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const DAY_MS = 86_400_000;
const MANDATE = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (booking tests)',
  acceptedAt: '2026-11-01T10:00:00Z',
};
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function linkedAccount(balance: number): Promise<string> {
  return (
    await harness.control<{ paymentMethodId: string }>('POST', '/_emulator/financial_connections/accounts', { balance })
  ).paymentMethodId;
}

/** Moves Stripe's clock up to the workflows' (time-skipping) clock. */
async function syncStripeClock(): Promise<number> {
  const now = await harness.env.currentTimeMs();
  const stripe = await harness.control<{ now: number }>('GET', '/_emulator/clock');
  const behind = Math.floor(now / 1000) - stripe.now;
  if (behind > 0) await harness.control('POST', '/_emulator/clock/advance', { seconds: behind });
  return now;
}

/** Once the workflow asked for the balance refresh of `attempt`'s account, moves both clocks past the emulator's 30 seconds. */
async function bankAnswersBalanceRefresh(handle: WorkflowHandle, attempt: number): Promise<void> {
  await waitFor(
    async () => {
      const check = (await handle.query(bookingStateQuery)).payment?.balanceCheck;
      return check?.attempt === attempt && check.status === 'refreshing';
    },
    { description: `the balance refresh of attempt ${attempt} asked` },
  );
  await harness.skipTime(31);
}

describe('ACH target date', () => {
  it('debits on the earliest valid date when the requested one is less than 3 days ahead by the time the debit is created, and says so', async () => {
    const now = await syncStripeClock();
    const requested = utcDate(now + 4 * DAY_MS);
    const payment: BankPaymentInput = {
      amount: 12_500,
      paymentMethod: await linkedAccount(1_000),
      mandate: MANDATE,
      verification: 'instant',
      targetDate: requested,
      checkBalance: true,
    };
    const handle = await harness.startBooking({
      payment,
      policy: { ...DEFAULT_HOLD_POLICY, newPaymentMethodTimeoutSeconds: 5 * 86_400 },
    });
    await bankAnswersBalanceRefresh(handle, 1);
    const short = await harness.waitForPaymentStatus(handle, 'requires_payment_method');
    expect(short.payment!.failureCode).toBe(FailureTypes.InsufficientBalance);

    // Two days later the customer links another account: the requested date is now 2 days ahead.
    await harness.env.sleep(2 * DAY_MS);
    const later = await syncStripeClock();
    const supplied = handle.executeUpdate(supplyPaymentMethodUpdate, {
      args: [{ for: 'payment', paymentMethod: await linkedAccount(50_000), mandate: MANDATE }],
    });
    await bankAnswersBalanceRefresh(handle, 2);
    const resumed = await supplied;

    const earliest = utcDate(later + 3 * DAY_MS);
    expect(resumed.payment).toMatchObject({
      status: 'processing',
      failureCode: null,
      targetDate: earliest,
      targetDateMovedFrom: requested,
    });
    const debit = await harness.stripe.paymentIntents.retrieve(resumed.payment!.paymentIntentId!);
    expect(debit.payment_method_options?.us_bank_account?.target_date).toBe(earliest);
    const moved = await waitFor(
      async () =>
        (await listNotifications(harness.db, resumed.bookingId)).find((n) => n.type === 'payment.target_date_moved') ??
        false,
      { description: 'the target date notification' },
    );
    expect((moved.payload as { data: unknown }).data).toMatchObject({
      requestedTargetDate: requested,
      targetDate: earliest,
    });
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await harness.recordHistory(handle, 'ach-target-date-moved');
  });

  it('keeps a target date still 3 to 15 days ahead as requested', async () => {
    const now = await syncStripeClock();
    const requested = utcDate(now + 5 * DAY_MS);
    const handle = await harness.startBooking({
      payment: {
        amount: 12_500,
        paymentMethod: 'pm_usBankAccount_success',
        mandate: MANDATE,
        verification: 'automatic',
        targetDate: requested,
        checkBalance: false,
      },
    });
    const processing = await harness.waitForPaymentStatus(handle, 'processing');
    expect(processing.payment).toMatchObject({ targetDate: requested, targetDateMovedFrom: null });
    expect((await handle.query(bookingStateQuery)).payment!.reason).not.toMatch(/target date/);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });
});
