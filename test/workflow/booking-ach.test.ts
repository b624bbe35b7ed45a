import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNotifications } from '../../db/notifications.js';
import {
  FailureTypes,
  bookingStateQuery,
  bookingWorkflowId,
  cancelBookingUpdate,
  supplyPaymentMethodUpdate,
  verifyMicrodepositsUpdate,
  type BankPaymentInput,
  type BookingState,
} from '../../workflows/booking/contract.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
import { activitySummaries } from '../../harness/history-activities.js';
import { waitFor } from '../../harness/wait-for.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness({ achMicrodepositType: 'descriptor_code' });
});

afterAll(async () => {
  await harness?.stop();
});

const MANDATE = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (booking tests)',
  acceptedAt: '2026-11-01T10:00:00Z',
};

function bankPayment(paymentMethod: string, extra: Partial<BankPaymentInput> = {}): BankPaymentInput {
  return {
    amount: 12_500,
    paymentMethod,
    mandate: MANDATE,
    verification: 'automatic',
    targetDate: null,
    checkBalance: false,
    ...extra,
  };
}

/** A bank account typed in by hand (verified by microdeposits), routing 110000000. */
async function manualAccount(accountNumber = '000123456789'): Promise<string> {
  const paymentMethod = await harness.stripe.paymentMethods.create({
    type: 'us_bank_account',
    us_bank_account: { account_number: accountNumber, routing_number: '110000000', account_holder_type: 'individual' },
    billing_details: { name: 'Test Guest', email: 'guest@example.com' },
  });
  return paymentMethod.id;
}

/** A Financial Connections account (instant verification) with a chosen balance. */
async function linkedAccount(balance: number): Promise<string> {
  const linked = await harness.control<{ paymentMethodId: string }>(
    'POST',
    '/_emulator/financial_connections/accounts',
    {
      balance,
    },
  );
  return linked.paymentMethodId;
}

/**
 * Once the workflow has asked for the balance refresh, moves both clocks past the emulator's 30
 * seconds: Stripe completes the refresh and the workflow reads the account.
 */
async function bankAnswersBalanceRefresh(handle: WorkflowHandle): Promise<void> {
  await waitFor(async () => (await handle.query(bookingStateQuery)).payment?.balanceCheck?.status === 'refreshing', {
    description: 'the balance refresh asked',
  });
  await harness.skipTime(31);
}

async function relayAll(handle: WorkflowHandle, bookingId: string): Promise<void> {
  await harness.relay(bookingId, await harness.eventsFor(bookingId));
  await handle.query(bookingStateQuery);
}

async function settle(paymentIntentId: string): Promise<void> {
  await harness.control('POST', `/_emulator/payment_intents/${paymentIntentId}/settle`);
}

/** The booking's payment notifications, once every notification the workflow created is recorded. */
async function paymentNotifications(bookingId: string): Promise<string[]> {
  const handle = harness.env.client.workflow.getHandle(bookingWorkflowId(bookingId));
  const recorded = await waitFor(
    async () => {
      const [state, rows] = await Promise.all([
        handle.query(bookingStateQuery),
        listNotifications(harness.db, bookingId),
      ]);
      return rows.length === state.notificationsCreated ? rows : false;
    },
    { description: `every notification of ${bookingId} recorded` },
  );
  return recorded.map((n) => n.type).filter((type) => type.startsWith('payment.'));
}

/** Cancels the booking, lets a refund it starts land, and waits for the workflow to end. */
async function cancelAndFinish(handle: WorkflowHandle): Promise<BookingState> {
  const state = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  if (state.payment?.refund?.status === 'pending') {
    await harness.control('POST', `/_emulator/refunds/${state.payment.refund.id}/settle`);
    await relayAll(handle, state.bookingId);
    await harness.waitForPaymentStatus(handle, 'refunded');
  }
  await handle.result();
  return state;
}

describe('booking paid by US bank account (time-skipping)', () => {
  it('debits an instantly verified account after checking its balance, and records the payment reference', async () => {
    const handle = await harness.startBooking({
      payment: bankPayment(await linkedAccount(50_000), { verification: 'instant', checkBalance: true }),
    });
    await bankAnswersBalanceRefresh(handle);
    const processing = await harness.waitForPaymentStatus(handle, 'processing');
    expect(processing.payment!.balanceCheck).toMatchObject({ status: 'sufficient', available: 50_000 });

    await settle(processing.payment!.paymentIntentId!);
    await relayAll(handle, processing.bookingId);
    const succeeded = await harness.waitForPaymentStatus(handle, 'succeeded');

    expect(succeeded.payment!.paymentReference).toMatch(/\w+/);
    expect(succeeded.hold.status).toBe('held');
    const requests = await harness.control<{ data: Array<{ method: string; path: string }> }>(
      'GET',
      '/_emulator/requests',
    );
    expect(
      requests.data.some(
        (r) => r.method === 'POST' && /^\/v1\/financial_connections\/accounts\/fca_\w+\/refresh$/.test(r.path),
      ),
    ).toBe(true);
    expect(await paymentNotifications(succeeded.bookingId)).toEqual(['payment.processing', 'payment.succeeded']);
    await harness.recordHistory(handle, 'ach-instant-success');
    await cancelAndFinish(handle);
  });

  it('sends no debit when the linked balance is lower than the amount', async () => {
    const handle = await harness.startBooking({
      payment: bankPayment(await linkedAccount(1_000), { verification: 'instant', checkBalance: true }),
    });
    await bankAnswersBalanceRefresh(handle);

    const short = await harness.waitForPaymentStatus(handle, 'requires_payment_method');

    expect(short.payment!.failureCode).toBe(FailureTypes.InsufficientBalance);
    expect(short.payment!.paymentIntentId).toBeNull();
    const intents = await harness.control<{ data: Array<{ payment_method_types: string[] }> }>(
      'GET',
      `/_emulator/payment_intents?booking_id=${short.bookingId}`,
    );
    expect(intents.data.filter((pi) => pi.payment_method_types.includes('us_bank_account'))).toHaveLength(0);

    const final: BookingState = await handle.result();

    expect(final.payment!.status).toBe('failed');
    expect(await paymentNotifications(final.bookingId)).toEqual(['payment.requires_payment_method', 'payment.failed']);
  });

  it('submits the debit in one Stripe request: its PaymentIntent created and confirmed under the mandate at once', async () => {
    const handle = await harness.startBooking({ payment: bankPayment(await manualAccount()) });
    const waiting = await harness.waitForPaymentStatus(handle, 'awaiting_verification');

    const activities = (await activitySummaries(handle)).map((line) => line.slice(0, line.indexOf(':')));
    expect(activities.filter((name) => /BankPayment$/.test(name))).toEqual(['placeBankPayment']);
    // The hold's placement and the debit's: one request each, no confirmation of its own.
    const writes = (await harness.stripeRequestsOf(waiting)).filter((r) => r.startsWith('POST /v1/payment_intents'));
    expect(writes).toEqual(['POST /v1/payment_intents 200', 'POST /v1/payment_intents 200']);
    await cancelAndFinish(handle);
    await harness.recordHistory(handle, 'ach-placed-in-one-call');
    await harness.recordHistory(handle, 'baseline-ach-placed');
  });

  it('verifies microdeposits by descriptor code after mismatches counting down', async () => {
    const handle = await harness.startBooking({ payment: bankPayment(await manualAccount()) });
    const waiting = await harness.waitForPaymentStatus(handle, 'awaiting_verification');
    expect(waiting.payment!.microdeposits).toMatchObject({ type: 'descriptor_code', attemptsRemaining: 10 });
    expect(waiting.payment!.microdeposits!.hostedVerificationUrl).toMatch(/^http/);

    const first = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM99ZZ' }] });
    const second = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM98ZZ' }] });
    expect([first.result, first.attemptsRemaining, second.result, second.attemptsRemaining]).toEqual([
      'mismatch',
      9,
      'mismatch',
      8,
    ]);

    const verified = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM11AA' }] });

    expect(verified.result).toBe('verified');
    expect(verified.booking.payment!.status).toBe('processing');
    await harness.recordHistory(handle, 'ach-microdeposits-verified');
    await cancelAndFinish(handle);
  });

  it('allows ten descriptor-code attempts, then refuses an eleventh without calling Stripe', async () => {
    const handle = await harness.startBooking({ payment: bankPayment(await manualAccount()) });
    const waiting = await harness.waitForPaymentStatus(handle, 'awaiting_verification');

    const outcomes: Array<[string, number]> = [];
    for (let i = 0; i < 10; i += 1) {
      const outcome = await handle.executeUpdate(verifyMicrodepositsUpdate, {
        args: [{ descriptorCode: `SM9${i}ZZ` }],
      });
      outcomes.push([outcome.result, outcome.attemptsRemaining]);
    }
    const eleventh = await handle
      .executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM11AA' }] })
      .catch((error: unknown) => error);

    expect(outcomes.slice(0, 9).map(([result]) => result)).toEqual(Array(9).fill('mismatch'));
    expect(outcomes.map(([, remaining]) => remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(outcomes[9][0]).toBe('attempts_exceeded');
    expect(eleventh).toBeInstanceOf(WorkflowUpdateFailedError);
    const requests = await harness.control<{ data: Array<{ path: string }> }>('GET', '/_emulator/requests');
    const calls = requests.data.filter(
      (r) => r.path === `/v1/payment_intents/${waiting.payment!.paymentIntentId}/verify_microdeposits`,
    );
    expect(calls).toHaveLength(10);
    await cancelAndFinish(handle);
  });

  it('asks for a new bank account when the microdeposit attempts are exceeded, and calls Stripe no more', async () => {
    const handle = await harness.startBooking({ payment: bankPayment(await manualAccount()) });
    const waiting = await harness.waitForPaymentStatus(handle, 'awaiting_verification');

    const exceeded = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM33CC' }] });
    expect(exceeded.result).toBe('attempts_exceeded');
    expect(exceeded.booking.payment!.status).toBe('requires_payment_method');

    const refused = await handle
      .executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM11AA' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      FailureTypes.NotAwaitingVerification,
    );
    const requests = await harness.control<{ data: Array<{ path: string }> }>('GET', '/_emulator/requests');
    const verifications = requests.data.filter(
      (r) => r.path === `/v1/payment_intents/${waiting.payment!.paymentIntentId}/verify_microdeposits`,
    );
    expect(verifications).toHaveLength(1);
    expect(await paymentNotifications(waiting.bookingId)).toEqual([
      'payment.awaiting_verification',
      'payment.verification_failed',
    ]);
    await cancelAndFinish(handle);
  });

  it('gives up at the new-bank-account deadline after the microdeposit attempts are exceeded, not days later', async () => {
    // A stay a few days out, so the hold is still held when the 24 hours for a new bank account are over.
    const now = await harness.env.currentTimeMs();
    const handle = await harness.startBooking({
      startsAt: new Date(now + 5 * 86_400_000).toISOString(),
      endsAt: new Date(now + 6 * 86_400_000).toISOString(),
      payment: bankPayment(await manualAccount()),
    });
    await harness.waitForPaymentStatus(handle, 'awaiting_verification');
    const exceeded = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM33CC' }] });
    expect(exceeded.booking.payment!.status).toBe('requires_payment_method');

    const final: BookingState = await handle.result();

    expect(final.payment!.status).toBe('failed');
    expect(final.payment!.reason).toBe('no new bank account before the deadline');
    const sent = await listNotifications(harness.db, final.bookingId);
    expect(sent.map((n) => n.type)).toEqual([
      'hold.held',
      'payment.awaiting_verification',
      'payment.verification_failed',
      'payment.failed',
      'hold.released',
    ]);
    const failedAt = Date.parse((sent[3].payload as { occurredAt: string }).occurredAt);
    expect(failedAt).toBeGreaterThanOrEqual(Date.parse(exceeded.booking.payment!.deadline!));
    expect(failedAt).toBeLessThan(Date.parse(exceeded.booking.payment!.deadline!) + 60 * 60_000);
    await harness.recordHistory(handle, 'ach-new-account-deadline');
  });

  it('records the 10-day microdeposit expiry, notifies, then gives up without a new bank account', async () => {
    const handle = await harness.startBooking({ payment: bankPayment(await manualAccount()) });
    await harness.waitForPaymentStatus(handle, 'awaiting_verification');

    const final: BookingState = await handle.result();

    expect(final.payment!.status).toBe('failed');
    expect(final.payment!.failureCode).toBe('payment_method_microdeposit_verification_timeout');
    expect(await paymentNotifications(final.bookingId)).toEqual([
      'payment.awaiting_verification',
      'payment.verification_failed',
      'payment.failed',
    ]);
    await harness.recordHistory(handle, 'ach-microdeposits-expired');
  });

  it.each([
    ['pm_usBankAccount_accountClosed', 'account_closed'],
    ['pm_usBankAccount_noAccount', 'no_account'],
    ['pm_usBankAccount_insufficientFunds', 'insufficient_funds'],
    ['pm_usBankAccount_debitNotAuthorized', 'debit_not_authorized'],
    ['pm_usBankAccount_invalidCurrency', 'invalid_currency'],
  ])('records a debit on %s that fails in processing with %s', async (paymentMethod, failureCode) => {
    const handle = await harness.startBooking({ payment: bankPayment(paymentMethod) });
    const processing = await harness.waitForPaymentStatus(handle, 'processing');

    await settle(processing.payment!.paymentIntentId!);
    await relayAll(handle, processing.bookingId);
    const failed = await harness.waitForPaymentStatus(handle, 'failed');

    expect(failed.payment!.failureCode).toBe(failureCode);
    expect(await paymentNotifications(failed.bookingId)).toEqual(['payment.processing', 'payment.failed']);
    await cancelAndFinish(handle);
    if (failureCode === 'insufficient_funds') await harness.recordHistory(handle, 'ach-debit-failed');
  });

  it.each([
    ['pm_usBankAccount_riskLevelHighest', 'blocked by Radar'],
    ['pm_usBankAccount_weeklyLimitExceeded', 'over the weekly volume limit'],
  ])('asks for another bank account when Stripe refuses %s at confirmation (%s)', async (paymentMethod) => {
    const handle = await harness.startBooking({ payment: bankPayment(paymentMethod) });

    const refused = await harness.waitForPaymentStatus(handle, 'requires_payment_method');

    expect(refused.payment!.failureCode).toMatch(/^[a-z_]+$/);
    expect(refused.payment!.reason).toBe('Stripe refused the bank account or the debit');
    expect(await paymentNotifications(refused.bookingId)).toEqual(['payment.requires_payment_method']);
    await cancelAndFinish(handle);
  });

  it('ends the payment as canceled when Stripe cancels the PaymentIntent after too many refused bank accounts', async () => {
    const handle = await harness.startBooking({ payment: bankPayment('pm_usBankAccount_riskLevelHighest') });
    const first = await harness.waitForPaymentStatus(handle, 'requires_payment_method');

    // The emulator cancels a PaymentIntent at its fifth failed confirmation; this booking has had one.
    const attempts: BookingState[] = [];
    for (let i = 0; i < 4; i += 1) {
      attempts.push(
        await handle.executeUpdate(supplyPaymentMethodUpdate, {
          args: [{ for: 'payment', paymentMethod: 'pm_usBankAccount_riskLevelHighest' }],
        }),
      );
    }

    expect(attempts.slice(0, 3).map((state) => state.payment!.status)).toEqual(
      Array(3).fill('requires_payment_method'),
    );
    const last = attempts[3].payment!;
    expect(last).toMatchObject({ status: 'canceled', paymentIntentId: first.payment!.paymentIntentId, done: true });
    expect(last.reason).toBe('Stripe cancelled the PaymentIntent after too many failed confirmations');
    const debit = await harness.stripe.paymentIntents.retrieve(first.payment!.paymentIntentId!);
    expect(debit).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
    const refused = await handle
      .executeUpdate(supplyPaymentMethodUpdate, {
        args: [{ for: 'payment', paymentMethod: 'pm_usBankAccount_success' }],
      })
      .catch((error: unknown) => error);
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      FailureTypes.NotAwaitingPaymentMethod,
    );
    expect(await paymentNotifications(first.bookingId)).toEqual([
      ...Array(4).fill('payment.requires_payment_method'),
      'payment.canceled',
    ]);
    await cancelAndFinish(handle);
    await harness.recordHistory(handle, 'ach-confirmation-limit');
  });

  it('records a dispute after success and its outcome', async () => {
    const handle = await harness.startBooking({ payment: bankPayment('pm_usBankAccount_dispute') });
    const processing = await harness.waitForPaymentStatus(handle, 'processing');
    await settle(processing.payment!.paymentIntentId!);
    await relayAll(handle, processing.bookingId);
    await harness.waitForPaymentStatus(handle, 'succeeded');

    await harness.control('POST', '/_emulator/clock/advance', { seconds: 2 * 86_400 });
    await relayAll(handle, processing.bookingId);
    const disputed = await harness.waitForPaymentStatus(handle, 'disputed');
    await harness.control('POST', `/_emulator/disputes/${disputed.payment!.dispute!.id}/close`, { status: 'lost' });
    await relayAll(handle, processing.bookingId);

    const closed = await waitFor(
      async () => {
        const state = await handle.query(bookingStateQuery);
        return state.payment!.dispute?.status === 'lost' ? state : false;
      },
      { description: 'the dispute closed and notified' },
    );
    expect(closed.payment!.dispute).toEqual({ id: disputed.payment!.dispute!.id, status: 'lost' });
    expect(await paymentNotifications(closed.bookingId)).toEqual([
      'payment.processing',
      'payment.succeeded',
      'payment.disputed',
      'payment.dispute_closed',
    ]);
    await harness.recordHistory(handle, 'ach-disputed');
    await cancelAndFinish(handle);
  });

  it('cancels a debit that is still processing', async () => {
    const handle = await harness.startBooking({ payment: bankPayment('pm_usBankAccount_processing') });
    await harness.waitForPaymentStatus(handle, 'processing');

    const cancelled = await handle.executeUpdate(cancelBookingUpdate, { args: [{ reason: 'guest cancelled' }] });

    expect(cancelled.payment!.status).toBe('canceled');
    expect(cancelled.payment!.cancellation).toBe('canceled');
    expect(cancelled.hold.status).toBe('released');
    await handle.result();
  });

  it('settles on the target date, not before', async () => {
    // Stripe's clock decides settlement; earlier tests may have moved it past workflow time.
    const stripeNow = (await harness.control<{ now: number }>('GET', '/_emulator/clock')).now * 1000;
    const targetDate = new Date(Math.max(stripeNow, await harness.env.currentTimeMs()) + 10 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const handle = await harness.startBooking({ payment: bankPayment('pm_usBankAccount_success', { targetDate }) });
    const processing = await harness.waitForPaymentStatus(handle, 'processing');
    const intents = await harness.control<{
      data: Array<{ id: string; payment_method_options: { us_bank_account?: { target_date?: string } } }>;
    }>('GET', `/_emulator/payment_intents?booking_id=${processing.bookingId}`);
    const debit = intents.data.find((pi) => pi.id === processing.payment!.paymentIntentId)!;
    expect(debit.payment_method_options.us_bank_account?.target_date).toBe(targetDate);

    // Past the usual 4 business days but before the target date: still processing.
    await harness.control('POST', '/_emulator/clock/advance', { seconds: 8 * 86_400 });
    await relayAll(handle, processing.bookingId);
    expect((await handle.query(bookingStateQuery)).payment!.status).toBe('processing');

    await harness.control('POST', '/_emulator/clock/advance', { seconds: 4 * 86_400 });
    await relayAll(handle, processing.bookingId);
    const succeeded = await harness.waitForPaymentStatus(handle, 'succeeded');

    expect(succeeded.payment!.paymentReference).not.toBeNull();
    await cancelAndFinish(handle);
  });

  it('refunds a paid booking that is cancelled and follows the refund to its bank reference', async () => {
    const handle = await harness.startBooking({ payment: bankPayment('pm_usBankAccount_success') });
    const processing = await harness.waitForPaymentStatus(handle, 'processing');
    await settle(processing.payment!.paymentIntentId!);
    await relayAll(handle, processing.bookingId);
    await harness.waitForPaymentStatus(handle, 'succeeded');

    const cancelled = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    expect(cancelled.payment!.cancellation).toBe('refund_requested');
    expect(cancelled.payment!.refund).toMatchObject({ status: 'pending', amount: 12_500 });

    await harness.control('POST', `/_emulator/refunds/${cancelled.payment!.refund!.id}/settle`);
    await relayAll(handle, processing.bookingId);
    const refunded = await harness.waitForPaymentStatus(handle, 'refunded');

    expect(refunded.payment!.refund!.reference).toMatch(/\w+/);
    expect(await paymentNotifications(refunded.bookingId)).toEqual([
      'payment.processing',
      'payment.succeeded',
      'payment.refund_requested',
      'payment.refunded',
    ]);
    await handle.result();
    await harness.recordHistory(handle, 'ach-refunded');
  });
});
