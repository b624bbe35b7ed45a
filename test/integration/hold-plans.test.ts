/**
 * Hold plans end to end: the API, the real worker on the Temporal dev server, Postgres and the Stripe
 * emulator delivering signed webhooks. A booking weeks ahead gets a hold whose validity comes from
 * Stripe's `capture_before` and whose next authorization is planned before it lapses; a deferred booking
 * verifies the card at once (placed, released, saved for off-session use) and waits `scheduled`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { newBooking, startSystemUnderTest, type SystemUnderTest } from '../../harness/system-under-test.js';
import { waitFor } from '../../harness/wait-for.js';

let system: SystemUnderTest;

beforeAll(async () => {
  system = await startSystemUnderTest();
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

const DAY_MS = 86_400_000;

async function waitForHold(bookingId: string, status: string) {
  return waitFor(
    async () => {
      const { body } = await system.api('GET', `/v1/bookings/${bookingId}`);
      return body.hold?.status === status ? body : false;
    },
    { timeoutMs: 60_000, intervalMs: 250, description: `booking ${bookingId} hold ${status}` },
  );
}

describe('hold plans, end to end', () => {
  it('plans the renewal of a hold 20 days ahead from the capture_before Stripe gives', async () => {
    const booking = newBooking({ endsAt: new Date(Date.now() + 20 * DAY_MS).toISOString() });
    const created = await system.api('POST', '/v1/bookings', booking);
    expect(created.status).toBe(201);
    expect(created.body.hold).toMatchObject({ plan: 'auto', authorizations: [] });

    const held = await waitForHold(booking.bookingId, 'held');
    const paymentIntent = await system.stripe.paymentIntents.retrieve(held.hold.paymentIntentId!, {
      expand: ['latest_charge'],
    });
    const captureBefore = (paymentIntent.latest_charge as Stripe.Charge).payment_method_details?.card?.capture_before;
    expect(new Date(held.hold.validUntil!).getTime()).toBe(captureBefore! * 1000);
    expect(new Date(held.hold.nextAuthorizationAt!).getTime()).toBe(captureBefore! * 1000 - 12 * 3600 * 1000);
    expect(held.hold.authorizations).toEqual([
      expect.objectContaining({ id: paymentIntent.id, renewal: 0, outcome: 'held', offSession: false }),
    ]);
    // Saved for the off-session renewals to come.
    expect(paymentIntent.setup_future_usage).toBe('off_session');
    const card = await system.stripe.paymentMethods.retrieve(paymentIntent.payment_method as string);
    expect(card.customer).toBe(paymentIntent.customer);

    const cancelled = await system.api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {});
    expect(cancelled.body.hold).toMatchObject({ status: 'released', nextAuthorizationAt: null });
  });

  it('verifies a deferred booking’s card at once and schedules its covering hold', async () => {
    const booking = newBooking({ holdPlan: 'defer', endsAt: new Date(Date.now() + 20 * DAY_MS).toISOString() });
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    const scheduled = await waitForHold(booking.bookingId, 'scheduled');
    expect(scheduled.hold).toMatchObject({ plan: 'defer', paymentIntentId: null, validUntil: null });
    expect(new Date(scheduled.hold.nextAuthorizationAt!).getTime()).toBeGreaterThan(Date.now() + 14 * DAY_MS);
    const [verification] = scheduled.hold.authorizations;
    expect(verification).toMatchObject({ purpose: 'verification', outcome: 'verified' });
    expect((await system.stripe.paymentIntents.retrieve(verification.id)).status).toBe('canceled');
    await waitFor(
      () => system.callbacks.some((c) => c.bookingId === booking.bookingId && c.type === 'hold.scheduled'),
      { description: 'hold.scheduled callback' },
    );
    expect(system.callbacks.filter((c) => c.bookingId === booking.bookingId).map((c) => c.type)).toEqual([
      'hold.scheduled',
    ]);

    const cancelled = await system.api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {});
    expect(cancelled.body.hold.status).toBe('released');
  });
});
