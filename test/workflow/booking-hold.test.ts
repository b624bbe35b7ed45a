import { WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNotifications } from '../../db/notifications.js';
import {
  BOOKING_WORKFLOW_TYPE,
  DEFAULT_HOLD_POLICY,
  FailureTypes,
  bookingWorkflowId,
  MAX_REMEMBERED_EVENT_IDS,
  bookingStateQuery,
  cancelBookingUpdate,
  supplyPaymentMethodUpdate,
  type BookingState,
} from '../../workflows/booking/contract.js';
import {
  floodWithUnchangedHoldEvents,
  startBookingHarness,
  type BookingHarness,
} from '../../harness/booking-harness.js';
import { waitFor } from '../../harness/wait-for.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness();
});

afterAll(async () => {
  await harness?.stop();
});

async function notificationTypes(bookingId: string): Promise<string[]> {
  return (await listNotifications(harness.db, bookingId)).map((n) => n.type);
}

/** The notifications recorded for a running booking once they match: each is sent by its own activity, after the state changed. */
async function notificationTypesOnceRecorded(bookingId: string, expected: string[]): Promise<string[]> {
  let last: string[] = [];
  await waitFor(async () => JSON.stringify((last = await notificationTypes(bookingId))) === JSON.stringify(expected), {
    timeoutMs: 15_000,
    description: `notifications ${expected.join(', ')}`,
  }).catch(() => undefined);
  return last;
}

describe('booking hold workflow (time-skipping)', () => {
  it('releases the hold at the booking end plus grace', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    expect(held.hold.paymentIntentId).toMatch(/^pi_/);
    const expectedRelease = new Date(held.endsAt).getTime() + DEFAULT_HOLD_POLICY.releaseGraceSeconds * 1000;
    expect(new Date(held.hold.releaseAt!).getTime()).toBe(expectedRelease);

    const final: BookingState = await handle.result();
    await harness.recordHistory(handle, 'released-at-deadline');

    expect(final.hold.status).toBe('released');
    expect(new Date(final.hold.releasedAt!).getTime()).toBeGreaterThanOrEqual(expectedRelease);
    const [paymentIntent] = await harness.paymentIntentsOf(final.bookingId);
    expect(paymentIntent.status).toBe('canceled');
    expect(paymentIntent.cancellation_reason).toBe('abandoned');
    expect(await notificationTypes(final.bookingId)).toEqual(['hold.held', 'hold.released']);
  });

  it('replaces a recorded Stripe Customer that Stripe no longer knows', async () => {
    const customerId = `cust-moved-${Date.now()}`;
    await harness.db.query('INSERT INTO stripe_customers (customer_id, stripe_customer_id) VALUES ($1, $2)', [
      customerId,
      'cus_fromAnotherAccount',
    ]);
    const handle = await harness.startBooking({
      customer: { id: customerId, email: 'moved@example.com', name: 'Moved Guest' },
    });

    const held = await harness.waitForHoldStatus(handle, 'held');

    expect(held.stripeCustomerId).toMatch(/^cus_/);
    expect(held.stripeCustomerId).not.toBe('cus_fromAnotherAccount');
    const stored = await harness.db.query('SELECT stripe_customer_id FROM stripe_customers WHERE customer_id = $1', [
      customerId,
    ]);
    expect(stored.rows[0].stripe_customer_id).toBe(held.stripeCustomerId);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
  });

  it('ends a booking cancelled before its first placement without a Stripe call', async () => {
    // The cancellation comes with the start (update-with-start): the first workflow task has both,
    // so the booking is cancelled before its hold is placed.
    const bookingId = `wf-${crypto.randomUUID()}`;
    const now = await harness.env.currentTimeMs();
    const startWorkflowOperation = new WithStartWorkflowOperation(BOOKING_WORKFLOW_TYPE, {
      workflowId: bookingWorkflowId(bookingId),
      taskQueue: harness.taskQueue,
      workflowIdConflictPolicy: 'FAIL',
      args: [
        {
          bookingId,
          customer: { id: `cust-${bookingId}`, email: 'guest@example.com', name: 'Test Guest' },
          holdPaymentMethod: 'pm_card_visa',
          startsAt: new Date(now + 3_600_000).toISOString(),
          endsAt: new Date(now + 3 * 3_600_000).toISOString(),
          policy: DEFAULT_HOLD_POLICY,
        },
      ],
    });
    const final = await harness.env.client.workflow.executeUpdateWithStart(cancelBookingUpdate, {
      args: [{ reason: 'guest cancelled at once' }],
      startWorkflowOperation,
    });

    expect(final.hold).toMatchObject({ status: 'released', done: true, paymentIntentId: null });
    expect(final.cancelReason).toBe('guest cancelled at once');
    const handle = await startWorkflowOperation.workflowHandle();
    await handle.result();
    expect(await harness.paymentIntentsOf(bookingId)).toEqual([]);
    expect(await notificationTypesOnceRecorded(bookingId, ['hold.released'])).toEqual(['hold.released']);
    await harness.recordHistory(handle, 'cancelled-before-placement');
  });

  it('releases at once when the booking is cancelled', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');

    const final = await handle.executeUpdate(cancelBookingUpdate, { args: [{ reason: 'guest cancelled' }] });

    expect(final.hold.status).toBe('released');
    expect(final.cancelReason).toBe('guest cancelled');
    expect(new Date(final.hold.releasedAt!).getTime()).toBeLessThan(new Date(held.hold.releaseAt!).getTime());
    const [paymentIntent] = await harness.paymentIntentsOf(final.bookingId);
    expect(paymentIntent.cancellation_reason).toBe('requested_by_customer');
    await handle.result();
    await harness.recordHistory(handle, 'cancelled-while-held');
  });

  it('does not retry a declined card, then holds the new payment method under a new key', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
    const declined = await harness.waitForHoldStatus(handle, 'declined');
    expect(declined.hold.declineCode).toBe('insufficient_funds');
    expect(declined.hold.actionDeadline).not.toBeNull();

    const requests = await harness.control<{ data: Array<{ method: string; path: string; idempotencyKey?: string }> }>(
      'GET',
      '/_emulator/requests',
    );
    const placements = requests.data.filter((r) => r.idempotencyKey === `booking-${declined.bookingId}:place:1`);
    expect(placements).toHaveLength(1);

    const held = await handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_visa' }] });
    expect(held.hold.status).toBe('held');
    expect(held.hold.attempt).toBe(2);

    // Late events of the declined attempt must not move the booking backwards.
    await harness.relay(held.bookingId, await harness.eventsFor(held.bookingId));
    const after = await handle.query(bookingStateQuery);
    expect(after.hold.status).toBe('held');
    expect(after.hold.paymentIntentId).toBe(held.hold.paymentIntentId);

    // The declined PaymentIntent was confirmed again with the new method: still one per booking.
    const intents = await harness.paymentIntentsOf(held.bookingId);
    expect(intents.map((pi) => pi.status)).toEqual(['requires_capture']);
    expect(await notificationTypesOnceRecorded(held.bookingId, ['hold.declined', 'hold.held'])).toEqual([
      'hold.declined',
      'hold.held',
    ]);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'declined-then-new-payment-method');
  });

  it('holds the next card on a new PaymentIntent once Stripe cancels the declined one after too many failed confirmations', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    const first = await harness.waitForHoldStatus(handle, 'declined');

    // The emulator cancels a PaymentIntent at its fifth failed confirmation; this booking has had one.
    const declines: BookingState[] = [];
    for (let i = 0; i < 4; i += 1) {
      declines.push(
        await handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_chargeDeclined' }] }),
      );
    }
    expect(declines.map((state) => [state.hold.status, state.hold.attempt, state.hold.paymentIntentId])).toEqual(
      [2, 3, 4, 5].map((attempt) => ['declined', attempt, first.hold.paymentIntentId]),
    );
    const last = declines[3];
    expect(last.hold.reason).toBe('declined; Stripe cancelled the PaymentIntent after too many failed confirmations');
    expect(await harness.paymentIntentsOf(first.bookingId)).toMatchObject([
      { status: 'canceled', cancellation_reason: 'automatic' },
    ]);

    const held = await handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_visa' }] });

    expect(held.hold).toMatchObject({ status: 'held', attempt: 6 });
    expect(held.hold.paymentIntentId).not.toBe(first.hold.paymentIntentId);
    // Stripe's late payment_intent.canceled about the old PaymentIntent changes nothing.
    await harness.relay(held.bookingId, await harness.eventsFor(held.bookingId));
    expect((await handle.query(bookingStateQuery)).hold).toMatchObject({
      status: 'held',
      paymentIntentId: held.hold.paymentIntentId,
    });
    const intents = await harness.paymentIntentsOf(held.bookingId);
    expect(intents.map((pi) => [pi.id, pi.status])).toEqual(
      expect.arrayContaining([
        [first.hold.paymentIntentId, 'canceled'],
        [held.hold.paymentIntentId, 'requires_capture'],
      ]),
    );
    expect(intents).toHaveLength(2);
    const expectedTypes = [...Array(5).fill('hold.declined'), 'hold.held'];
    expect(await notificationTypesOnceRecorded(held.bookingId, expectedTypes)).toEqual(expectedTypes);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'hold-confirmation-limit');
  });

  it('fails the hold when no new payment method arrives before the deadline', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    await harness.waitForHoldStatus(handle, 'declined');

    const final: BookingState = await handle.result();
    await harness.recordHistory(handle, 'declined-deadline-passed');

    expect(final.hold.status).toBe('failed');
    expect(final.hold.reason).toMatch(/no new payment method/);
    const intents = await harness.paymentIntentsOf(final.bookingId);
    expect(intents.map((pi) => [pi.status, pi.cancellation_reason])).toEqual([['canceled', 'abandoned']]);
    expect(await notificationTypes(final.bookingId)).toEqual(['hold.declined', 'hold.failed']);
  });

  it('cancels the declined PaymentIntent when a declined booking is cancelled', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclinedExpiredCard' });
    const declined = await harness.waitForHoldStatus(handle, 'declined');
    expect(declined.hold.declineCode).toBe('expired_card');

    const final = await handle.executeUpdate(cancelBookingUpdate, { args: [{ reason: 'guest gave up' }] });

    expect(final.hold.status).toBe('released');
    const intents = await harness.paymentIntentsOf(final.bookingId);
    expect(intents.map((pi) => [pi.status, pi.cancellation_reason])).toEqual([['canceled', 'requested_by_customer']]);
    await handle.result();
    await harness.recordHistory(handle, 'cancelled-while-declined');
  });

  it('rejects a new payment method when the booking is not waiting for one, and bad ids', async () => {
    const handle = await harness.startBooking();
    await harness.waitForHoldStatus(handle, 'held');

    const rejection = await handle
      .executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_mastercard' }] })
      .catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((rejection as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      FailureTypes.NotAwaitingPaymentMethod,
    );
    const invalid = await handle
      .executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: '4242424242424242' }] })
      .catch((error: unknown) => error);
    expect(((invalid as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FailureTypes.InvalidUpdate);

    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
  });

  it('cancels the hold attempt when 3-D Secure is not completed before the deadline', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    const waiting = await harness.waitForHoldStatus(handle, 'requires_action');
    expect(waiting.hold.actionDeadline).not.toBeNull();

    const final: BookingState = await handle.result();
    await harness.recordHistory(handle, 'three-d-secure-deadline');

    expect(final.hold.status).toBe('failed');
    expect(final.hold.reason).toMatch(/3-D Secure/);
    const [paymentIntent] = await harness.paymentIntentsOf(final.bookingId);
    expect(paymentIntent.status).toBe('canceled');
    expect(await notificationTypes(final.bookingId)).toEqual(['hold.requires_action', 'hold.failed']);
  });

  it('holds once the customer completes 3-D Secure and the webhook arrives', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    const waiting = await harness.waitForHoldStatus(handle, 'requires_action');
    await harness.control('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
      outcome: 'succeed',
    });

    await harness.relay(waiting.bookingId, await harness.eventsFor(waiting.bookingId));
    const held = await harness.waitForHoldStatus(handle, 'held');

    expect(held.hold.paymentIntentId).toBe(waiting.hold.paymentIntentId);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'three-d-secure-completed');
  });

  it('asks Stripe at the 3-D Secure deadline and keeps a hold whose webhook is late', async () => {
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    const waiting = await harness.waitForHoldStatus(handle, 'requires_action');
    await harness.control('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
      outcome: 'succeed',
    });

    // No webhook is relayed: the workflow only learns of the authentication by asking Stripe.
    const final: BookingState = await handle.result();

    expect(final.hold.status).toBe('released');
    expect(final.hold.reason).toBe('released at the hold-release deadline');
    expect(await notificationTypes(final.bookingId)).toEqual(['hold.requires_action', 'hold.held', 'hold.released']);
    await harness.recordHistory(handle, 'three-d-secure-webhook-late');
  });

  it('ignores duplicated and reordered webhooks and never moves backwards', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    const events = await harness.eventsFor(held.bookingId);
    expect(events.length).toBeGreaterThan(0);

    const storm = [...events].reverse().flatMap((event) => [event, event, event]);
    await harness.relay(held.bookingId, storm);
    await harness.relay(held.bookingId, events);

    const after = await waitFor(
      async () => {
        const state = await handle.query(bookingStateQuery);
        return state.processedEventCount === events.length ? state : false;
      },
      { description: 'every distinct event applied' },
    );
    expect(after.hold.status).toBe('held');
    expect(new Set(after.seenEventIds).size).toBe(events.length);
    expect(await harness.paymentIntentsOf(held.bookingId)).toHaveLength(1);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'duplicate-and-reordered-webhooks');
  });

  it('still places exactly one hold when Stripe answers the confirmation of a declined PaymentIntent with a 500 after executing, reading Stripe instead of re-sending', async () => {
    // The first placement (one request) is declined; the next card confirms the same PaymentIntent.
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    const declined = await harness.waitForHoldStatus(handle, 'declined');
    await harness.control('POST', '/_emulator/faults', {
      api: { status: 500, count: 2, when: 'after', pathPattern: '^POST /v1/payment_intents/[^/]+/confirm$' },
    });
    try {
      const held = await handle.executeUpdate(supplyPaymentMethodUpdate, { args: [{ paymentMethod: 'pm_card_visa' }] });

      expect(held.hold.status).toBe('held');
      const intents = await harness.paymentIntentsOf(held.bookingId);
      expect(intents.map((pi) => [pi.id, pi.status])).toEqual([[declined.hold.paymentIntentId, 'requires_capture']]);
      const requests = await harness.control<{
        data: Array<{ idempotencyKey?: string; injectedFault: string | null }>;
      }>('GET', '/_emulator/requests');
      const confirmations = requests.data.filter((r) => r.idempotencyKey === `booking-${held.bookingId}:confirm:2`);
      // Stripe saved the 500 for the key and would replay it (docs.stripe.com/api/idempotent_requests):
      // the workflow read the PaymentIntent, which says the hold was authorized.
      expect(confirmations.map((r) => r.injectedFault)).toEqual(['500 after']);
      await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
      await handle.result();
    } finally {
      await harness.control('DELETE', '/_emulator/faults');
    }
  });

  it('cancels a hold whose confirmation never gets an answer, so none is left behind', async () => {
    // Stripe authorizes the declined PaymentIntent's next card but the answer is lost, and the
    // PaymentIntent cannot be read either, for longer than the retry window: the outcome stays unknown.
    const handle = await harness.startBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    await harness.waitForHoldStatus(handle, 'declined');
    await harness.control('POST', '/_emulator/faults', {
      api: {
        status: 503,
        rate: 1,
        when: 'after',
        pathPattern: '^(POST /v1/payment_intents/[^/]+/confirm|GET /v1/payment_intents/[^/]+)$',
      },
    });
    try {
      await handle.startUpdate(supplyPaymentMethodUpdate, {
        args: [{ paymentMethod: 'pm_card_visa' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });

      const final: BookingState = await handle.result();

      expect(final.hold.status).toBe('failed');
      expect(final.hold.reason).toMatch(/could not be placed/);
      const intents = await harness.paymentIntentsOf(final.bookingId);
      expect(intents.map((pi) => [pi.status, pi.cancellation_reason])).toEqual([['canceled', 'abandoned']]);
    } finally {
      await harness.control('DELETE', '/_emulator/faults');
    }
  }, 180_000);

  it('continues as new under a flood of distinct events and keeps its state', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    const firstRunId = (await handle.describe()).runId;

    // More events than the workflow keeps in one run's history (CONTINUE_AS_NEW_AFTER_EVENTS).
    const flooded = await floodWithUnchangedHoldEvents(handle, held.hold.paymentIntentId!, 2_100);

    const after = await waitFor(
      async () => {
        const state = await handle.query(bookingStateQuery);
        return state.processedEventCount === flooded ? state : false;
      },
      { description: 'every flooded event applied', timeoutMs: 60_000 },
    );
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    expect(after.hold).toEqual(held.hold);
    expect(after.seenEventIds.length).toBeLessThanOrEqual(MAX_REMEMBERED_EVENT_IDS);
    const final = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    expect(final.hold.status).toBe('released');
    if (process.env.RECORD_HISTORIES === '1') {
      await handle.result();
      await harness.recordHistory(
        harness.env.client.workflow.getHandle(handle.workflowId, firstRunId),
        'continued-as-new-first-run',
      );
      await harness.recordHistory(handle, 'continued-as-new-next-run');
    }
    // Two thousand signals and a continue-as-new: slow on a loaded 2-core machine.
  }, 120_000);

  it("recognises Stripe's own expiry of the authorization and asks for a new payment method", async () => {
    const now = await harness.env.currentTimeMs();
    const handle = await harness.startBooking({
      startsAt: new Date(now + 9 * 86_400_000).toISOString(),
      endsAt: new Date(now + 10 * 86_400_000).toISOString(),
    });
    const held = await harness.waitForHoldStatus(handle, 'held');
    await harness.control('POST', '/_emulator/clock/advance', { seconds: 7 * 86_400 + 60 });

    await harness.relay(held.bookingId, await harness.eventsFor(held.bookingId));
    const expired = await harness.waitForHoldStatus(handle, 'expired');

    expect(expired.hold.reason).toMatch(/expired/);
    const [paymentIntent] = await harness.paymentIntentsOf(held.bookingId);
    expect(paymentIntent.cancellation_reason).toBe('automatic');
    expect(await notificationTypesOnceRecorded(held.bookingId, ['hold.held', 'hold.expired'])).toEqual([
      'hold.held',
      'hold.expired',
    ]);

    const final = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    expect(final.hold.status).toBe('expired');
    await handle.result();
    await harness.recordHistory(handle, 'expired-by-stripe');
  });
});
