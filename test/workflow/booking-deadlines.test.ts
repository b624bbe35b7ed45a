/**
 * The booking's deadlines, asserted on both sides on the time-skipping server: the hold is released
 * neither before its deadline nor later than a minute after it; the 3-D Secure and new-payment-method
 * deadlines are the policy's settings; a booking longer than the authorization is released by the
 * workflow before Stripe's `capture_before`, not left for Stripe to expire.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_HOLD_POLICY,
  bookingStateQuery,
  stripeEventSignal,
  type BookingState,
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

/** How late after a deadline the workflow may act: its timer fires, then an activity or two run. */
const LATENESS_MS = 60_000;

/** Workflow time (ms) when the booking's workflow completed, from its history. */
async function completedAtMs(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  const completed = history.events?.find((event) => event.workflowExecutionCompletedEventAttributes);
  if (!completed?.eventTime) throw new Error('the workflow has not completed');
  return Number(completed.eventTime.seconds) * 1000 + Math.floor((completed.eventTime.nanos ?? 0) / 1e6);
}

function expectWithin(actualMs: number, deadlineMs: number): void {
  expect(actualMs).toBeGreaterThanOrEqual(deadlineMs);
  expect(actualMs).toBeLessThanOrEqual(deadlineMs + LATENESS_MS);
}

describe('booking deadlines (time-skipping)', () => {
  it("releases a booking longer than the authorization before Stripe's capture_before, not left to expire", async () => {
    const now = await harness.env.currentTimeMs();
    const handle = await harness.startBooking({
      startsAt: new Date(now + 9 * 86_400_000).toISOString(),
      endsAt: new Date(now + 10 * 86_400_000).toISOString(),
    });
    const held = await harness.waitForHoldStatus(handle, 'held');
    const paymentIntent = await harness.stripe.paymentIntents.retrieve(held.hold.paymentIntentId!, {
      expand: ['latest_charge'],
    });
    const captureBeforeMs =
      (paymentIntent.latest_charge as Stripe.Charge).payment_method_details!.card!.capture_before! * 1000;
    const releaseAtMs = new Date(held.hold.releaseAt!).getTime();

    expect(releaseAtMs).toBeLessThanOrEqual(captureBeforeMs - DEFAULT_HOLD_POLICY.releaseSafetyMarginSeconds * 1000);
    expect(releaseAtMs).toBeGreaterThanOrEqual(
      captureBeforeMs - DEFAULT_HOLD_POLICY.releaseSafetyMarginSeconds * 1000 - LATENESS_MS,
    );

    // Stripe's clock moves with the workflow's, so an authorization left alone would expire on its side.
    await harness.skipTime(Math.ceil((releaseAtMs - now) / 1000) + 60);
    const final: BookingState = await handle.result();

    expect(final.hold.status).toBe('released');
    expectWithin(new Date(final.hold.releasedAt!).getTime(), releaseAtMs);
    const released = await harness.stripe.paymentIntents.retrieve(held.hold.paymentIntentId!);
    expect([released.status, released.cancellation_reason]).toEqual(['canceled', 'abandoned']);
  });

  it('releases the hold at the booking end plus grace: not a moment before, within a minute after', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    const deadlineMs = new Date(held.endsAt).getTime() + DEFAULT_HOLD_POLICY.releaseGraceSeconds * 1000;
    expect(new Date(held.hold.releaseAt!).getTime()).toBe(deadlineMs);

    const final: BookingState = await handle.result();

    expect(final.hold.status).toBe('released');
    expectWithin(new Date(final.hold.releasedAt!).getTime(), deadlineMs);
    expectWithin(await completedAtMs(handle), deadlineMs);
  });

  it('keeps one timer for the release deadline while events that change nothing wake the booking', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    const paymentIntentId = held.hold.paymentIntentId!;
    // Three wake-ups, one at a time: each event is applied before the next is sent.
    for (let i = 1; i <= 3; i += 1) {
      await handle.signal(stripeEventSignal, {
        eventId: `evt_unchanged_${i}`,
        type: 'payment_intent.amount_capturable_updated',
        created: 1,
        objectId: paymentIntentId,
        paymentIntentId,
        objectStatus: 'requires_capture',
        cancellationReason: null,
      });
      await waitFor(async () => (await handle.query(bookingStateQuery)).processedEventCount === i, {
        description: `event ${i} applied`,
      });
    }

    const final: BookingState = await handle.result();

    expect(final.hold.status).toBe('released');
    expectWithin(await completedAtMs(handle), new Date(held.hold.releaseAt!).getTime());
    const history = await handle.fetchHistory();
    const timers = (history.events ?? []).filter((event) => event.timerStartedEventAttributes);
    expect(timers).toHaveLength(1);
    await harness.recordHistory(handle, 'deadline-timer-kept');
  });

  it('gives the customer exactly the 3-D Secure setting to authenticate, and gives up at that deadline', async () => {
    const startedMs = await harness.env.currentTimeMs();
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    const waiting = await harness.waitForHoldStatus(handle, 'requires_action');
    const deadlineMs = new Date(waiting.hold.actionDeadline!).getTime();

    expectWithin(deadlineMs, startedMs + DEFAULT_HOLD_POLICY.customerActionTimeoutSeconds * 1000);
    const final: BookingState = await handle.result();

    expect(final.hold.status).toBe('failed');
    expectWithin(await completedAtMs(handle), deadlineMs);
  });

  it('gives the customer exactly the new-payment-method setting after a decline, and gives up at that deadline', async () => {
    const startedMs = await harness.env.currentTimeMs();
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    const declined = await harness.waitForHoldStatus(handle, 'declined');
    const deadlineMs = new Date(declined.hold.actionDeadline!).getTime();

    expectWithin(deadlineMs, startedMs + DEFAULT_HOLD_POLICY.newPaymentMethodTimeoutSeconds * 1000);
    const final: BookingState = await handle.result();

    expect(final.hold.status).toBe('failed');
    expectWithin(await completedAtMs(handle), deadlineMs);
  });
});
