/**
 * Stripe writes whose outcome is unknown (a 5xx saved under the key, an answer lost for longer than
 * Stripe keeps the key) are resolved by reading Stripe, never re-sent blindly; a step waiting to
 * ask Stripe again keeps waiting across continue-as-new; microdeposit keys never repeat with other
 * values. Time-skipping server, the emulator over HTTP.
 */
import { WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNotifications } from '../../db/notifications.js';
import {
  DEFAULT_PAYMENT_POLICY,
  bookingStateQuery,
  cancelBookingUpdate,
  stripeEventSignal,
  verifyMicrodepositsUpdate,
  type BankPaymentInput,
} from '../../workflows/booking/contract.js';
import {
  floodWithUnchangedHoldEvents,
  startBookingHarness,
  type BookingHarness,
} from '../../harness/booking-harness.js';
import { waitFor } from '../../harness/wait-for.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness({ achMicrodepositType: 'descriptor_code' });
});

afterAll(async () => {
  await harness?.stop();
});

const HOUR = 3600;
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

async function relayAll(handle: WorkflowHandle, bookingId: string): Promise<void> {
  await harness.relay(bookingId, await harness.eventsFor(bookingId));
  await handle.query(bookingStateQuery);
}

/** Requests the emulator logged for `METHOD path` (path matched exactly). */
async function loggedRequests(
  method: string,
  path: string,
): Promise<Array<{ status: number; injectedFault: string | null }>> {
  const log = await harness.control<{
    data: Array<{ method: string; path: string; status: number; injectedFault: string | null }>;
  }>('GET', '/_emulator/requests');
  return log.data.filter((entry) => entry.method === method && entry.path === path);
}

/** The booking's PaymentIntents on the emulator, read by the test with no fault in the way. */
async function paymentIntentsOf(bookingId: string) {
  const customer = `cust-${bookingId}`;
  const customers = await harness.stripe.customers.list({ email: 'guest@example.com', limit: 100 });
  const ours = customers.data.filter((listed) => listed.metadata?.customer_id === customer);
  const intents = [];
  for (const listed of ours) {
    for await (const paymentIntent of harness.stripe.paymentIntents.list({ customer: listed.id, limit: 100 })) {
      if (paymentIntent.metadata?.booking_id === bookingId) intents.push(paymentIntent);
    }
  }
  return intents;
}

describe('Stripe writes whose outcome is unknown (time-skipping)', () => {
  it('places one hold when Stripe answers its one-call placement with a 500 after doing the work', async () => {
    await harness.control('POST', '/_emulator/faults', {
      api: { status: 500, when: 'after', count: 2, pathPattern: '^POST /v1/payment_intents' },
    });
    try {
      const handle = await harness.startBooking();
      const held = await harness.waitForHoldStatus(handle, 'held');

      const intents = await paymentIntentsOf(held.bookingId);
      expect(intents.map((intent) => [intent.id, intent.status])).toEqual([
        [held.hold.paymentIntentId, 'requires_capture'],
      ]);
      // The placement answered 500 (saved under its key); the workflow read Stripe instead of re-sending.
      const faulted = (await loggedRequests('POST', '/v1/payment_intents')).filter(
        (entry) => entry.injectedFault === '500 after',
      );
      expect(faulted.length).toBeGreaterThanOrEqual(1);
      expect(held.stripeWrites).toMatchObject({ 'hold-place:1': { attempt: 1, unknown: false } });
      await harness.control('DELETE', '/_emulator/faults');
      await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
      await handle.result();
      await harness.recordHistory(handle, 'hold-writes-answered-500');
    } finally {
      await harness.control('DELETE', '/_emulator/faults');
    }
  });

  it('refunds once, for the policy amount, when the refund answer is lost for 26 hours', async () => {
    const handle = await harness.startBooking({
      payment: bankPayment('pm_usBankAccount_success'),
      paymentPolicy: { ...DEFAULT_PAYMENT_POLICY, refundPercent: 40 },
    });
    const processing = await harness.waitForPaymentStatus(handle, 'processing');
    const paymentIntentId = processing.payment!.paymentIntentId!;
    await harness.control('POST', `/_emulator/payment_intents/${paymentIntentId}/settle`);
    await relayAll(handle, processing.bookingId);
    await harness.waitForPaymentStatus(handle, 'succeeded');

    // Every refund request executes, but its answer is a 500: Stripe's, saved under the key.
    await harness.control('POST', '/_emulator/faults', {
      api: { status: 500, when: 'after', pathPattern: '^(POST|GET) /v1/refunds' },
    });
    await handle.startUpdate(cancelBookingUpdate, { args: [{}], waitForStage: WorkflowUpdateStage.ACCEPTED });
    await waitFor(async () => (await loggedRequests('POST', '/v1/refunds')).length > 0, {
      description: 'the refund request sent',
    });
    for (let hour = 0; hour < 26; hour += 1) await harness.skipTime(HOUR);
    await harness.control('DELETE', '/_emulator/faults');
    // The next attempt, an hour after the last failed one, reads Stripe and finds the refund.
    await harness.skipTime(2 * HOUR);

    const refunds = await harness.stripe.refunds.list({ payment_intent: paymentIntentId });
    expect(refunds.data.map((refund) => refund.amount)).toEqual([5_000]);
    const requested = await waitFor(
      async () => {
        const state = await handle.query(bookingStateQuery);
        return state.payment?.refund ? state : false;
      },
      { description: 'the refund recorded' },
    );
    expect(requested.payment!.refund).toMatchObject({ id: refunds.data[0].id, amount: 5_000 });
    if (requested.payment!.refund!.status === 'pending') {
      await harness.control('POST', `/_emulator/refunds/${refunds.data[0].id}/settle`);
      await relayAll(handle, processing.bookingId);
    }
    const refunded = await harness.waitForPaymentStatus(handle, 'refunded');
    expect(refunded.payment!.refund!.amount).toBe(5_000);
    await handle.result();
    const notifications = (await listNotifications(harness.db, processing.bookingId)).map((n) => n.type);
    expect(notifications.filter((type) => type === 'payment.refunded')).toHaveLength(1);
    expect((await harness.stripe.refunds.list({ payment_intent: paymentIntentId })).data).toHaveLength(1);
    await harness.recordHistory(handle, 'refund-answer-lost-for-26-hours');
  });
});

describe('StepGuard across continue-as-new (time-skipping)', () => {
  it('a check of the held authorization that failed is still made after the workflow continued as new', async () => {
    const handle = await harness.startBooking({
      endsAt: new Date((await harness.env.currentTimeMs()) + 5 * 24 * HOUR * 1000).toISOString(),
    });
    const held = await harness.waitForHoldStatus(handle, 'held');
    const paymentIntentId = held.hold.paymentIntentId!;
    const firstRunId = (await handle.describe()).runId;

    // Someone cancels the hold in Stripe while Stripe cannot be read: the workflow's check fails for an hour.
    await harness.control('POST', '/_emulator/faults', {
      api: { status: 503, pathPattern: `^GET /v1/payment_intents/${paymentIntentId}` },
    });
    await harness.stripe.paymentIntents.cancel(paymentIntentId);
    await relayAll(handle, held.bookingId);
    await harness.skipTime(HOUR + 60);
    await waitFor(
      async () =>
        (await handle.fetchHistory()).events!.some(
          (event) => event.activityTaskTimedOutEventAttributes || event.activityTaskFailedEventAttributes,
        ),
      { description: 'the check failed for good' },
    );

    // The history fills up while the check waits: the workflow continues as new.
    await floodWithUnchangedHoldEvents(handle, paymentIntentId, 2_100);
    await waitFor(async () => (await handle.describe()).runId !== firstRunId, { description: 'continued as new' });
    await harness.control('DELETE', '/_emulator/faults');

    await harness.skipTime(HOUR);
    const released = await harness.waitForHoldStatus(handle, 'released');
    expect(released.hold.reason).toBe('cancelled outside the booking workflow');
  });
});

describe('microdeposit keys (time-skipping)', () => {
  it('a submission after a late event restarted the attempts is sent under a new key, not one already used with another code', async () => {
    const paymentMethod = await harness.stripe.paymentMethods.create({
      type: 'us_bank_account',
      us_bank_account: {
        account_number: '000123456789',
        routing_number: '110000000',
        account_holder_type: 'individual',
      },
      billing_details: { name: 'Test Guest', email: 'guest@example.com' },
    });
    const handle = await harness.startBooking({
      payment: bankPayment(paymentMethod.id, { verification: 'microdeposits' }),
    });
    const awaiting = await harness.waitForPaymentStatus(handle, 'awaiting_verification');
    const paymentIntentId = awaiting.payment!.paymentIntentId!;
    const wrong = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM99ZZ' }] });
    expect(wrong.result).toBe('mismatch');

    // The workflow's 10-day window closes before Stripe's clock gets there: it asks for another account…
    await harness.env.sleep((10 * 24 + 1) * HOUR * 1000);
    await harness.waitForPaymentStatus(handle, 'requires_payment_method');
    // …then a late event shows Stripe still waiting for the microdeposits: the attempts start again.
    await handle.signal(stripeEventSignal, {
      eventId: `evt_late_${paymentIntentId}`,
      type: 'payment_intent.requires_action',
      created: Math.floor(Date.now() / 1000),
      objectId: paymentIntentId,
      paymentIntentId,
      objectStatus: 'requires_action',
      cancellationReason: null,
    });
    await harness.waitForPaymentStatus(handle, 'awaiting_verification');

    const verified = await handle.executeUpdate(verifyMicrodepositsUpdate, { args: [{ descriptorCode: 'SM11AA' }] });
    expect(verified.result).toBe('verified');
    expect(verified.booking.payment!.status).toBe('processing');
  });
});
