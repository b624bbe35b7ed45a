/**
 * Placing the hold costs one activity and one Stripe request: the customer's Stripe Customer is
 * ensured and the PaymentIntent created and confirmed (`confirm: true`) in the same activity, and
 * every answer Stripe can give to it (held, 3-D Secure, a decline, a lost answer) is followed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelBookingUpdate, supplyPaymentMethodUpdate, type BookingState } from '../../workflows/booking/contract.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
import { activitySummaries } from '../../harness/history-activities.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness();
});

afterAll(async () => {
  await harness?.stop();
});

/** The activity types a booking's run scheduled, in order. */
async function activityTypes(handle: Parameters<typeof activitySummaries>[0]): Promise<string[]> {
  return (await activitySummaries(handle)).map((line) => line.slice(0, line.indexOf(':')));
}

/** Injects `fault` into the emulator's Stripe API answers while `run` runs. */
async function withApiFault<T>(fault: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  await harness.control('POST', '/_emulator/faults', { api: fault });
  try {
    return await run();
  } finally {
    await harness.control('DELETE', '/_emulator/faults');
  }
}

describe('placing the hold in one Stripe request (time-skipping)', () => {
  it('holds with one activity and one Stripe request, and releases at the deadline with one more', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    const final: BookingState = await handle.result();
    await harness.recordHistory(handle, 'hold-placed-in-one-call');

    expect(final.hold.status).toBe('released');
    expect(await activityTypes(handle)).toEqual([
      'placeHold',
      'notifyBookingService',
      'releaseHold',
      'notifyBookingService',
    ]);
    const paymentIntentId = held.hold.paymentIntentId!;
    // The customer's first booking: its Stripe Customer is created inside the placement.
    expect(await harness.stripeRequestsOf(final)).toEqual([
      'POST /v1/customers 200',
      'POST /v1/payment_intents 200',
      `POST /v1/payment_intents/${paymentIntentId}/cancel 200`,
    ]);
  });

  it('waits for 3-D Secure after its one request, and holds once the customer authenticates', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    const waiting = await harness.waitForHoldStatus(handle, 'requires_action');

    expect(waiting.hold.paymentIntentId).toMatch(/^pi_/);
    expect(await harness.stripeRequestsOf(waiting)).toEqual(['POST /v1/customers 200', 'POST /v1/payment_intents 200']);
    await harness.control('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
      outcome: 'succeed',
    });
    await harness.relay(waiting.bookingId, await harness.eventsFor(waiting.bookingId));
    const held = await harness.waitForHoldStatus(handle, 'held');
    expect(held.hold.paymentIntentId).toBe(waiting.hold.paymentIntentId);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
  });

  it('learns the declined PaymentIntent from the 402, confirms it with the next card, and sends nothing twice', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
    const declined = await harness.waitForHoldStatus(handle, 'declined');

    expect(declined.hold.declineCode).toBe('insufficient_funds');
    const [intent] = await harness.paymentIntentsOf(declined.bookingId);
    expect(declined.hold.paymentIntentId).toBe(intent.id);
    expect(declined.stripeCustomerId).toMatch(/^cus_/);
    expect(await harness.stripeRequestsOf(declined)).toEqual([
      'POST /v1/customers 200',
      'POST /v1/payment_intents 402',
    ]);

    const held = await handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_visa' }] });

    expect(held.hold).toMatchObject({ status: 'held', attempt: 2, paymentIntentId: intent.id });
    expect(await harness.stripeRequestsOf(held)).toEqual([
      'POST /v1/customers 200',
      'POST /v1/payment_intents 402',
      `POST /v1/payment_intents/${intent.id}/confirm 200`,
    ]);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'hold-placed-in-one-call-declined');
  });

  it('finds the hold by its metadata when the answer to its one request is lost, and places no second one', async () => {
    const { handle, held } = await withApiFault(
      { status: 500, when: 'after', count: 1, pathPattern: '^POST /v1/payment_intents$' },
      async () => {
        const started = await harness.startBooking();
        return { handle: started, held: await harness.waitForHoldStatus(started, 'held') };
      },
    );

    const intents = await harness.paymentIntentsOf(held.bookingId);
    expect(intents.map((intent) => [intent.id, intent.status])).toEqual([
      [held.hold.paymentIntentId, 'requires_capture'],
    ]);
    // Stripe saved the 500 under the key and would replay it (docs.stripe.com/api/idempotent_requests):
    // the workflow listed the customer's PaymentIntents instead of sending again.
    expect(held.stripeWrites).toMatchObject({ 'hold-place:1': { attempt: 1, unknown: false } });
    expect(await activityTypes(handle)).toEqual(['placeHold', 'findPlacedHold', 'notifyBookingService']);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'hold-placed-in-one-call-answer-lost');
  });

  it('cancels the hold an unanswered request placed once Stripe can be read again, so none is left behind', async () => {
    // The placement executes but its answer is lost, and the customer's PaymentIntents cannot be
    // listed for longer than the read's whole retry window (about 65 tries in an hour): the id was
    // never learned, so the workflow looks again an hour later, finds it and cancels it.
    const final = await withApiFault(
      { status: 503, when: 'after', count: 100, pathPattern: '^(POST|GET) /v1/payment_intents$' },
      async () => (await harness.startBooking()).result() as Promise<BookingState>,
    );

    expect(final.hold.status).toBe('failed');
    expect(final.hold.reason).toBe('the hold could not be placed');
    const intents = await harness.paymentIntentsOf(final.bookingId);
    expect(intents.map((intent) => [intent.status, intent.cancellation_reason])).toEqual([['canceled', 'abandoned']]);
  }, 180_000);
});
