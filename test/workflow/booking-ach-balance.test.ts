/**
 * The balance check before a bank debit, with Financial Connections refreshes as Stripe runs them:
 * `balance` is null until a refresh completes, and a refresh answers `pending` and finishes later
 * with `financial_connections.account.refreshed_balance` (docs.stripe.com/financial-connections/balances).
 * The workflow asks for a refresh, waits for the event or reads the account until its deadline,
 * then decides, and the booking says when the balance could not be read.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEventEnvelope } from '../../inbox/stripe-event-signal.js';
import { receiveStripeEvent } from '../../inbox/store-stripe-event.js';
import {
  DEFAULT_PAYMENT_POLICY,
  FailureTypes,
  bookingStateQuery,
  cancelBookingUpdate,
  type BankPaymentInput,
} from '../../workflows/booking/contract.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
import { waitFor } from '../../harness/wait-for.js';

let harness: BookingHarness;

beforeAll(async () => {
  // The emulator's default: a refresh completes 30 seconds after it was asked, on Stripe's clock.
  harness = await startBookingHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const MANDATE = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (booking tests)',
  acceptedAt: '2026-11-01T10:00:00Z',
};
const TIMEOUT_SECONDS = 15 * 60;

async function linkedAccount(balance: number, balanceRefresh: 'succeeded' | 'failed' | 'stalled' = 'succeeded') {
  return harness.control<{ paymentMethodId: string; accountId: string }>(
    'POST',
    '/_emulator/financial_connections/accounts',
    { balance, balanceRefresh },
  );
}

function checkedPayment(paymentMethod: string): BankPaymentInput {
  return {
    amount: 12_500,
    paymentMethod,
    mandate: MANDATE,
    verification: 'instant',
    targetDate: null,
    checkBalance: true,
  };
}

const startChecked = (paymentMethod: string) =>
  harness.startBooking({
    payment: checkedPayment(paymentMethod),
    paymentPolicy: { ...DEFAULT_PAYMENT_POLICY, balanceRefreshTimeoutSeconds: TIMEOUT_SECONDS },
  });

/** Waits until the workflow has asked for the refresh and waits for the bank's answer. */
async function waitForRefreshAsked(handle: WorkflowHandle): Promise<void> {
  await waitFor(async () => (await handle.query(bookingStateQuery)).payment?.balanceCheck?.status === 'refreshing', {
    description: 'the balance refresh asked',
  });
}

async function bankDebits(bookingId: string) {
  const intents = await harness.control<{ data: Array<{ payment_method_types: string[] }> }>(
    'GET',
    `/_emulator/payment_intents?booking_id=${bookingId}`,
  );
  return intents.data.filter((pi) => pi.payment_method_types.includes('us_bank_account'));
}

async function refreshedBalanceEvents(accountId: string): Promise<StripeEventEnvelope[]> {
  const events = await harness.stripe.events.list({
    type: 'financial_connections.account.refreshed_balance',
    limit: 100,
  });
  return events.data.filter(
    (event) => (event.data.object as Stripe.FinancialConnections.Account).id === accountId,
  ) as unknown as StripeEventEnvelope[];
}

describe('balance check before a bank debit', () => {
  it('sends no debit when the refreshed balance, read after the bank answers, is lower than the amount', async () => {
    const { paymentMethodId, accountId } = await linkedAccount(1_000);
    const handle = await startChecked(paymentMethodId);
    await waitForRefreshAsked(handle);
    expect(await bankDebits((await handle.query(bookingStateQuery)).bookingId)).toHaveLength(0);

    // The bank answers 30 seconds later on Stripe's clock; the workflow reads the account then.
    await harness.skipTime(31);
    const short = await harness.waitForPaymentStatus(handle, 'requires_payment_method');

    expect(short.payment!.failureCode).toBe(FailureTypes.InsufficientBalance);
    expect(short.payment!.balanceCheck).toMatchObject({ status: 'insufficient', available: 1_000, accountId });
    expect(await bankDebits(short.bookingId)).toHaveLength(0);
    const requests = await harness.control<{ data: Array<{ method: string; path: string }> }>(
      'GET',
      '/_emulator/requests',
    );
    expect(
      requests.data.some(
        (r) => r.method === 'POST' && r.path === `/v1/financial_connections/accounts/${accountId}/refresh`,
      ),
    ).toBe(true);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });

  it('debits once the bank reports enough, woken by the refreshed_balance event the inbox routes to the booking', async () => {
    const { paymentMethodId, accountId } = await linkedAccount(50_000, 'stalled');
    const handle = await startChecked(paymentMethodId);
    const waiting = await harness.waitForPaymentStatus(handle, 'pending');
    await waitForRefreshAsked(handle);
    expect(await bankDebits(waiting.bookingId)).toHaveLength(0);

    await harness.control('POST', `/_emulator/financial_connections/accounts/${accountId}/refresh/complete`, {
      status: 'succeeded',
    });
    const [event] = await refreshedBalanceEvents(accountId);
    const stored = await receiveStripeEvent(harness.db, event);
    expect(stored.route).toMatchObject({ kind: 'inbox', row: { bookingId: waiting.bookingId, status: 'pending' } });
    await harness.relay(waiting.bookingId, [event]);

    const processing = await harness.waitForPaymentStatus(handle, 'processing');
    expect(processing.payment!.balanceCheck).toMatchObject({ status: 'sufficient', available: 50_000, reason: null });
    expect(await bankDebits(processing.bookingId)).toHaveLength(1);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await harness.recordHistory(handle, 'ach-balance-refreshed-by-event');
  });

  it('decides at the deadline when the bank never answers: the debit goes ahead and the booking says the balance could not be read', async () => {
    const { paymentMethodId } = await linkedAccount(50_000, 'stalled');
    const started = await harness.env.currentTimeMs();
    const handle = await startChecked(paymentMethodId);
    await waitForRefreshAsked(handle);

    await harness.skipTime(TIMEOUT_SECONDS - 60);
    const before = await handle.query(bookingStateQuery);
    expect(before.payment).toMatchObject({ status: 'pending', balanceCheck: { status: 'refreshing' } });
    await harness.skipTime(61);
    const processing = await harness.waitForPaymentStatus(handle, 'processing');

    expect(processing.payment!.balanceCheck).toMatchObject({ status: 'unavailable', available: null });
    expect(processing.payment!.balanceCheck!.reason).toMatch(/did not report the balance before the deadline/);
    expect(new Date(processing.updatedAt).getTime() - started).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });

  it('says the balance could not be read when the bank fails the refresh, and debits', async () => {
    const { paymentMethodId } = await linkedAccount(50_000, 'failed');
    const handle = await startChecked(paymentMethodId);
    await waitForRefreshAsked(handle);

    await harness.skipTime(31);
    const processing = await harness.waitForPaymentStatus(handle, 'processing');

    expect(processing.payment!.balanceCheck).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(/refresh failed/),
    });
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });
});
