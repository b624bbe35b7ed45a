/**
 * Holds where Stripe's documented behaviour is less tidy than the happy path: a PaymentIntent
 * authorized long after it was created, Stripe's own `expired` cancellation, a release Stripe keeps
 * refusing, a new payment method Stripe refuses, and updates that come after giving up.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNotifications } from '../../db/notifications.js';
import {
  DEFAULT_HOLD_POLICY,
  FailureTypes,
  bookingStateQuery,
  cancelBookingUpdate,
  supplyPaymentMethodUpdate,
  type BookingState,
} from '../../workflows/booking/contract.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
import { waitFor } from '../../harness/wait-for.js';

const DAY_MS = 86_400_000;

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness();
});

afterAll(async () => {
  await harness?.stop();
});

/** The notifications recorded for a booking once they match (each is recorded by its own activity). */
async function notificationTypesOnceRecorded(bookingId: string, expected: string[]): Promise<string[]> {
  let last: string[] = [];
  await waitFor(
    async () =>
      JSON.stringify((last = (await listNotifications(harness.db, bookingId)).map((n) => n.type))) ===
      JSON.stringify(expected),
    { timeoutMs: 15_000, description: `notifications ${expected.join(', ')}` },
  ).catch(() => undefined);
  return last;
}

/** The product's search attributes of a booking, as the runbook's queries see them. */
async function searchAttributes(handle: WorkflowHandle): Promise<Record<string, unknown>> {
  const { typedSearchAttributes } = await handle.describe();
  return Object.fromEntries(
    typedSearchAttributes
      .getAll()
      .map((pair) => [pair.key.name, pair.value instanceof Date ? pair.value.toISOString() : pair.value]),
  );
}

/** Stripe refuses every release (the cancel call) until the faults are cleared. */
async function refuseReleases(): Promise<void> {
  await harness.control('POST', '/_emulator/faults', {
    api: { status: 503, rate: 1, when: 'before', pathPattern: '^POST /v1/payment_intents/[^/]+/cancel$' },
  });
}

/** A Stripe API request as the emulator logged it. */
interface LoggedRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  replayed: boolean;
}

/** The latest Stripe API requests the emulator answered (its log is capped), oldest first. */
async function stripeRequests(): Promise<LoggedRequest[]> {
  return (await harness.control<{ data: LoggedRequest[] }>('GET', '/_emulator/requests')).data;
}

/** The failure type of a rejected update, or what came back instead. */
async function updateOutcome(update: Promise<BookingState>): Promise<string> {
  try {
    const state = await update;
    return `accepted (hold ${state.hold.status}, payment ${state.payment?.status ?? 'none'})`;
  } catch (error) {
    if (!(error instanceof WorkflowUpdateFailedError)) throw error;
    return (error.cause as ApplicationFailure).type ?? 'untyped';
  }
}

/**
 * Reaches the moment a part is being given up at its deadline: Stripe executes the cancellation
 * but its answer is held, so the workflow is still abandoning when the test speaks.
 */
async function pastDeadlineWhileAbandoning(paymentIntentId: string, deadline: string): Promise<void> {
  await harness.control('POST', '/_emulator/faults', {
    stall: { count: 1, holdMs: 20_000, pathPattern: `^POST /v1/payment_intents/${paymentIntentId}/cancel$` },
  });
  await harness.env.sleep(new Date(deadline).getTime() - (await harness.env.currentTimeMs()) + 1_000);
  await waitFor(
    async () => (await harness.control<{ heldAnswers: number }>('GET', '/_emulator/faults')).heldAnswers === 1,
    {
      description: 'the cancellation at the deadline held by Stripe',
    },
  );
}

describe('hold timing and Stripe-set outcomes (time-skipping)', () => {
  it('times the release from the authorization, not from the PaymentIntent created a day before it', async () => {
    const now = await harness.env.currentTimeMs();
    // Ends 7.5 days from now: past 7 days from the PaymentIntent's creation, within 7 days of the
    // authorization a day later.
    const handle = await harness.startBooking({
      holdPaymentMethod: 'pm_card_chargeDeclined',
      startsAt: new Date(now + 7 * DAY_MS).toISOString(),
      endsAt: new Date(now + 7.5 * DAY_MS).toISOString(),
      policy: { ...DEFAULT_HOLD_POLICY, newPaymentMethodTimeoutSeconds: 3 * 86_400 },
    });
    await harness.waitForHoldStatus(handle, 'declined');
    await harness.skipTime(86_400);

    const held = await handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_visa' }] });

    expect(held.hold.status).toBe('held');
    const [paymentIntent] = await harness.paymentIntentsOf(held.bookingId);
    const charge = await harness.stripe.charges.retrieve(paymentIntent.latest_charge!);
    const captureBefore = charge.payment_method_details!.card!.capture_before!;
    expect(new Date(held.hold.authorizedAt!).getTime()).toBe(charge.created * 1000);
    expect(captureBefore).toBe(charge.created + 7 * 86_400);
    expect(held.hold.releaseAt).toBe(
      new Date(new Date(held.endsAt).getTime() + DEFAULT_HOLD_POLICY.releaseGraceSeconds * 1000).toISOString(),
    );
    expect(new Date(held.hold.releaseAt!).getTime()).toBeLessThan(captureBefore * 1000);
    expect(held.hold.reason).toBeNull();
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'hold-timed-from-authorization');
  });

  it("reads Stripe's `expired` cancellation as an expiry and asks for a new payment method", async () => {
    const now = await harness.env.currentTimeMs();
    const handle = await harness.startBooking({
      startsAt: new Date(now + 9 * DAY_MS).toISOString(),
      endsAt: new Date(now + 10 * DAY_MS).toISOString(),
    });
    const held = await harness.waitForHoldStatus(handle, 'held');
    await harness.control('POST', `/_emulator/payment_intents/${held.hold.paymentIntentId}/expire`, {
      reason: 'expired',
    });

    await harness.relay(held.bookingId, await harness.eventsFor(held.bookingId));
    const expired = await harness.waitForHoldStatus(handle, 'expired');

    expect(expired.hold.reason).toMatch(/expired/);
    expect(expired.hold.actionDeadline).not.toBeNull();
    expect(await notificationTypesOnceRecorded(held.bookingId, ['hold.held', 'hold.expired'])).toEqual([
      'hold.held',
      'hold.expired',
    ]);
    const renewed = await handle.executeUpdate(supplyPaymentMethodUpdate, {
      args: [{ paymentMethod: 'pm_card_visa' }],
    });
    expect(renewed.hold.status).toBe('held');
    expect(renewed.hold.paymentIntentId).not.toBe(held.hold.paymentIntentId);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'expired-by-stripe-reason-expired');
  });

  it('keeps a hold Stripe refuses to release held, findable and followed, and releases it once Stripe answers', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    await refuseReleases();
    try {
      // Past the release deadline and the three release rounds (each the activity's 12-hour window).
      await harness.env.sleep(
        new Date(held.hold.releaseAt!).getTime() - (await harness.env.currentTimeMs()) + 40 * 3_600_000,
      );

      const stuck = await handle.query(bookingStateQuery);
      expect(stuck.hold.status).toBe('held');
      expect(stuck.hold.done).toBe(false);
      expect(stuck.hold.reason).toMatch(
        new RegExp(`could not be released.*cancel PaymentIntent ${held.hold.paymentIntentId}`),
      );
      expect(stuck.hold.unreleased).toMatchObject({ outcome: 'released', cancellationReason: 'abandoned' });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // The runbook's "still held" query finds it; HoldReleaseAt is when it asks Stripe again.
      expect(await searchAttributes(handle)).toMatchObject({ HoldStatus: 'held', HoldReleaseAt: stuck.hold.releaseAt });
      expect(
        await notificationTypesOnceRecorded(held.bookingId, [
          'hold.held',
          'hold.release_failed',
          'hold.release_failed',
        ]),
      ).toEqual(['hold.held', 'hold.release_failed', 'hold.release_failed']);
      expect((await harness.paymentIntentsOf(held.bookingId))[0].status).toBe('requires_capture');
    } finally {
      await harness.control('DELETE', '/_emulator/faults');
    }

    const final: BookingState = await handle.result();

    expect(final.hold.status).toBe('released');
    expect(final.hold.reason).toBe('released at the hold-release deadline');
    expect(final.hold.unreleased ?? null).toBeNull();
    expect(await harness.paymentIntentsOf(final.bookingId)).toMatchObject([
      { status: 'canceled', cancellation_reason: 'abandoned' },
    ]);
    await harness.recordHistory(handle, 'unreleased-hold-followed-then-released');
  }, 240_000);

  it('follows a hold Stripe never lets it release until its authorization lapses at capture_before', async () => {
    const now = await harness.env.currentTimeMs();
    // The release is due just before the authorization lapses; the refused rounds outlast it.
    const handle = await harness.startBooking({
      startsAt: new Date(now + 6 * DAY_MS).toISOString(),
      endsAt: new Date(now + 6.9 * DAY_MS).toISOString(),
    });
    const held = await harness.waitForHoldStatus(handle, 'held');
    await refuseReleases();
    try {
      const final: BookingState = await handle.result();

      const [paymentIntent] = await harness.paymentIntentsOf(final.bookingId);
      const charge = await harness.stripe.charges.retrieve(paymentIntent.latest_charge!);
      expect(final.hold.status).toBe('expired');
      expect(final.hold.reason).toMatch(/lapsed at capture_before/);
      expect(final.hold.releasedAt).toBe(
        new Date(charge.payment_method_details!.card!.capture_before! * 1000).toISOString(),
      );
      expect(new Date(final.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(final.hold.releasedAt!).getTime());
      expect(
        await notificationTypesOnceRecorded(held.bookingId, [
          'hold.held',
          'hold.release_failed',
          'hold.release_failed',
          'hold.expired',
        ]),
      ).toEqual(['hold.held', 'hold.release_failed', 'hold.release_failed', 'hold.expired']);
    } finally {
      await harness.control('DELETE', '/_emulator/faults');
    }
  }, 240_000);

  it('refuses a new card sent while the declined hold is being given up at its deadline', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    const declined = await harness.waitForHoldStatus(handle, 'declined');
    try {
      await pastDeadlineWhileAbandoning(declined.hold.paymentIntentId!, declined.hold.actionDeadline!);

      const outcome = await updateOutcome(
        handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_visa' }] }),
      );

      expect(outcome).toBe(FailureTypes.NotAwaitingPaymentMethod);
    } finally {
      await harness.control('DELETE', '/_emulator/faults');
    }
    const final: BookingState = await handle.result();
    expect(final.hold).toMatchObject({ status: 'failed', attempt: 1 });
    expect(final.hold.reason).toMatch(/no new payment method/);
  });

  it('refuses a new bank account sent while the refused bank payment is being given up at its deadline', async () => {
    const handle = await harness.startBooking({
      payment: {
        amount: 12_500,
        paymentMethod: 'pm_usBankAccount_riskLevelHighest',
        mandate: {
          ipAddress: '203.0.113.7',
          userAgent: 'Mozilla/5.0 (booking tests)',
          acceptedAt: '2026-11-01T10:00:00Z',
        },
        verification: 'automatic',
        targetDate: null,
        checkBalance: false,
      },
    });
    const refused = await harness.waitForPaymentStatus(handle, 'requires_payment_method');
    try {
      await pastDeadlineWhileAbandoning(refused.payment!.paymentIntentId!, refused.payment!.deadline!);

      const outcome = await updateOutcome(
        handle.executeUpdate(supplyPaymentMethodUpdate, {
          args: [{ for: 'payment', paymentMethod: 'pm_usBankAccount_success' }],
        }),
      );

      expect(outcome).toBe(FailureTypes.NotAwaitingPaymentMethod);
    } finally {
      await harness.control('DELETE', '/_emulator/faults');
    }
    // The hold was released at the booking's end, before the payment's deadline: nothing else keeps it running.
    const final: BookingState = await handle.result();
    expect(final.payment).toMatchObject({
      status: 'failed',
      attempt: 1,
      paymentMethod: 'pm_usBankAccount_riskLevelHighest',
    });
  });

  it.each([
    ['a payment method Stripe does not know', async () => 'pm_doesNotExist', 'resource_missing'],
    [
      'a bank account given for the card hold',
      async () => 'pm_usBankAccount_success',
      'payment_intent_incompatible_payment_method',
    ],
    [
      "another customer's saved card",
      async () => {
        const other = await harness.stripe.customers.create({ email: 'other@example.com', name: 'Other Guest' });
        return (await harness.stripe.paymentMethods.attach('pm_card_visa', { customer: other.id })).id;
      },
      null,
    ],
  ])('asks for another payment method when Stripe refuses the new one: %s', async (_case, paymentMethodOf, code) => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    await harness.waitForHoldStatus(handle, 'declined');

    const refused = await handle.executeUpdate(supplyPaymentMethodUpdate, {
      args: [{ paymentMethod: await paymentMethodOf() }],
    });

    expect(refused.hold).toMatchObject({ status: 'declined', attempt: 2, declineCode: code, done: false });
    expect(refused.hold.reason).toMatch(/^Stripe refused the payment method/);
    expect(new Date(refused.hold.actionDeadline!).getTime()).toBeGreaterThan(await harness.env.currentTimeMs());
    expect(await notificationTypesOnceRecorded(refused.bookingId, ['hold.declined', 'hold.declined'])).toEqual([
      'hold.declined',
      'hold.declined',
    ]);
    const held = await handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_visa' }] });
    expect(held.hold).toMatchObject({ status: 'held', attempt: 3, paymentIntentId: refused.hold.paymentIntentId });
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    if (code === 'resource_missing') await harness.recordHistory(handle, 'refused-new-payment-method-asked-again');
  });

  it("holds both of a new customer's first bookings started at once with different details, under one Stripe customer", async () => {
    const customerId = `cust-twice-${Date.now()}`;
    // Stripe's answer to the first Customer creation is slow, so both bookings ask before either records one.
    await harness.control('POST', '/_emulator/faults', {
      latency: { ms: 1_500, when: 'after', pathPattern: '^POST /v1/customers$' },
    });
    try {
      const [first, second] = await Promise.all([
        harness.startBooking({ customer: { id: customerId, email: 'guest@example.com', name: 'Test Guest' } }),
        harness.startBooking({ customer: { id: customerId, email: 'guest+work@example.com', name: 'T. Guest' } }),
      ]);

      const held = await Promise.all([
        harness.waitForHoldStatus(first, 'held'),
        harness.waitForHoldStatus(second, 'held'),
      ]);

      expect(held[0].stripeCustomerId).toMatch(/^cus_/);
      expect(held[1].stripeCustomerId).toBe(held[0].stripeCustomerId);
      const stored = await harness.db.query('SELECT stripe_customer_id FROM stripe_customers WHERE customer_id = $1', [
        customerId,
      ]);
      expect(stored.rows).toEqual([{ stripe_customer_id: held[0].stripeCustomerId }]);
      const customersCreated = (await stripeRequests()).filter(
        (r) =>
          r.method === 'POST' &&
          r.path === '/v1/customers' &&
          r.idempotencyKey?.startsWith(`customer-${customerId}:`) &&
          r.status === 200 &&
          !r.replayed,
      );
      expect(customersCreated).toHaveLength(1);
      await Promise.all([first, second].map((handle) => handle.executeUpdate(cancelBookingUpdate, { args: [{}] })));
      await Promise.all([first.result(), second.result()]);
    } finally {
      await harness.control('DELETE', '/_emulator/faults');
    }
  });
});
