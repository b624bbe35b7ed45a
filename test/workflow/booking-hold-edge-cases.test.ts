/**
 * Holds where Stripe's documented behaviour is less tidy than the happy path: a PaymentIntent
 * authorized long after it was created, Stripe's own `expired` cancellation, a release Stripe keeps
 * refusing, a new payment method Stripe refuses, and updates that come after giving up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNotifications } from '../../db/notifications.js';
import {
  DEFAULT_HOLD_POLICY,
  cancelBookingUpdate,
  supplyPaymentMethodUpdate,
} from '../../workflows/contract.js';
import { startBookingHarness, type BookingHarness } from '../support/booking-harness.js';
import { waitFor } from '../support/wait-for.js';

const DAY_MS = 86_400_000;

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness();
});

afterAll(async () => {
  await harness?.stop();
});

interface EmulatedPaymentIntent {
  id: string;
  status: string;
  cancellation_reason: string | null;
  latest_charge: string | null;
}

async function paymentIntentsOf(bookingId: string): Promise<EmulatedPaymentIntent[]> {
  const body = await harness.control<{ data: EmulatedPaymentIntent[] }>('GET', `/_emulator/payment_intents?booking_id=${encodeURIComponent(bookingId)}`);
  return body.data;
}

/** The notifications recorded for a booking once they match (each is recorded by its own activity). */
async function notificationTypesOnceRecorded(bookingId: string, expected: string[]): Promise<string[]> {
  let last: string[] = [];
  await waitFor(
    async () => JSON.stringify((last = (await listNotifications(harness.db, bookingId)).map((n) => n.type))) === JSON.stringify(expected),
    { timeoutMs: 15_000, description: `notifications ${expected.join(', ')}` },
  ).catch(() => undefined);
  return last;
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
    const [paymentIntent] = await paymentIntentsOf(held.bookingId);
    const charge = await harness.stripe.charges.retrieve(paymentIntent.latest_charge!);
    const captureBefore = charge.payment_method_details!.card!.capture_before!;
    expect(new Date(held.hold.authorizedAt!).getTime()).toBe(charge.created * 1000);
    expect(captureBefore).toBe(charge.created + 7 * 86_400);
    expect(held.hold.releaseAt).toBe(new Date(new Date(held.endsAt).getTime() + DEFAULT_HOLD_POLICY.releaseGraceSeconds * 1000).toISOString());
    expect(new Date(held.hold.releaseAt!).getTime()).toBeLessThan(captureBefore * 1000);
    expect(held.hold.reason).toBeNull();
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
  });

  it("reads Stripe's `expired` cancellation as an expiry and asks for a new payment method", async () => {
    const now = await harness.env.currentTimeMs();
    const handle = await harness.startBooking({
      startsAt: new Date(now + 9 * DAY_MS).toISOString(),
      endsAt: new Date(now + 10 * DAY_MS).toISOString(),
    });
    const held = await harness.waitForHoldStatus(handle, 'held');
    await harness.control('POST', `/_emulator/payment_intents/${held.hold.paymentIntentId}/expire`, { reason: 'expired' });

    await harness.relay(held.bookingId, await harness.eventsFor(held.bookingId));
    const expired = await harness.waitForHoldStatus(handle, 'expired');

    expect(expired.hold.reason).toMatch(/expired/);
    expect(expired.hold.actionDeadline).not.toBeNull();
    expect(await notificationTypesOnceRecorded(held.bookingId, ['hold.held', 'hold.expired'])).toEqual(['hold.held', 'hold.expired']);
    const renewed = await handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_visa' }] });
    expect(renewed.hold.status).toBe('held');
    expect(renewed.hold.paymentIntentId).not.toBe(held.hold.paymentIntentId);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
  });
});
