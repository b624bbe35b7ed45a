/**
 * What a booking's webhooks cost once they reach the inbox, on the whole system (Temporal dev
 * server, PostgreSQL, the emulator over HTTP, the worker, the API and its relay): an event that
 * tells the workflow nothing new is recorded as handled, with why, and never signalled; one that
 * changes the booking is relayed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { newBooking, startSystemUnderTest, type SystemUnderTest } from '../../harness/system-under-test.js';
import { handleNextAction } from '../../harness/stripe-js-stand-in.js';
import { waitFor } from '../../harness/wait-for.js';
import { bookingWorkflowId } from '../../workflows/booking/contract.js';

let system: SystemUnderTest;

beforeAll(async () => {
  system = await startSystemUnderTest();
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

const SIGNALED = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED;

interface SettledRow {
  id: string;
  type: string;
  status: string;
  last_error: string | null;
}

/** The ids of the events Stripe (the emulator) sent about the booking's PaymentIntent. */
async function stripeEventIds(bookingId: string, paymentIntentId: string): Promise<string[]> {
  const events = await system.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return events
    .filter((event) => {
      const object = event.data.object as { metadata?: Record<string, string>; payment_intent?: unknown };
      return object.metadata?.booking_id === bookingId || object.payment_intent === paymentIntentId;
    })
    .map((event) => event.id);
}

/** Waits until every event Stripe sent about the booking's hold is in the inbox and settled. */
async function settledInboxRows(bookingId: string, paymentIntentId: string): Promise<SettledRow[]> {
  return waitFor(
    async () => {
      const ids = await stripeEventIds(bookingId, paymentIntentId);
      const { rows } = await system.db.query<SettledRow>(
        'SELECT id, type, status, last_error FROM stripe_events WHERE id = ANY($1) ORDER BY received_at, id',
        [ids],
      );
      return ids.length > 0 && rows.length === ids.length && rows.every((row) => row.status !== 'pending')
        ? rows
        : false;
    },
    { timeoutMs: 60_000, intervalMs: 200, description: `booking ${bookingId} webhooks all settled` },
  );
}

async function signalsIn(bookingId: string): Promise<number> {
  const history = await system.decodedHistory(bookingWorkflowId(bookingId));
  return (history.events ?? []).filter((event) => event.eventType === SIGNALED).length;
}

async function hold(bookingId: string): Promise<{ status?: string; paymentIntentId?: string }> {
  const { body } = await system.api<{ hold?: { status?: string; paymentIntentId?: string } }>(
    'GET',
    `/v1/bookings/${bookingId}`,
  );
  return body.hold ?? {};
}

async function waitForHold(bookingId: string, status: string) {
  return waitFor(
    async () => {
      const current = await hold(bookingId);
      return current.status === status ? current : false;
    },
    { timeoutMs: 60_000, intervalMs: 250, description: `booking ${bookingId} hold ${status}` },
  );
}

describe('webhook relay cost', () => {
  it('signals none of the webhooks of a card hold placed and released: each repeats what Stripe answered the workflow', async () => {
    // Webhooks held back until the workflow has had Stripe's answers, as Stripe's usually arrive after them.
    await system.emulatorControl('POST', '/_emulator/faults', { webhooks: { pause: true } });
    try {
      const booking = newBooking({ endsAt: new Date(Date.now() + 4_000).toISOString() });
      expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
      const held = await waitForHold(booking.bookingId, 'held');
      await system.emulatorControl('POST', '/_emulator/webhooks/flush');
      await settledInboxRows(booking.bookingId, held.paymentIntentId!);
      await waitForHold(booking.bookingId, 'released');
      await system.emulatorControl('POST', '/_emulator/webhooks/flush');
      const rows = await settledInboxRows(booking.bookingId, held.paymentIntentId!);

      expect(rows.map((row) => [row.type, row.status])).toEqual(
        expect.arrayContaining([
          ['payment_intent.created', 'handled'],
          ['charge.succeeded', 'handled'],
          ['payment_intent.amount_capturable_updated', 'handled'],
          ['charge.refunded', 'handled'],
          ['payment_intent.canceled', 'handled'],
        ]),
      );
      expect(rows.every((row) => row.status === 'handled')).toBe(true);
      const reason = (type: string) => rows.find((row) => row.type === type)?.last_error;
      expect(reason('payment_intent.amount_capturable_updated')).toBe(
        "repeats requires_capture, which the booking already learned from Stripe's answer to its own call",
      );
      expect(reason('charge.succeeded')).toMatch(/^not relayed: payment_intent\.amount_capturable_updated/);
      expect(await signalsIn(booking.bookingId)).toBe(0);
    } finally {
      await system.emulatorControl('POST', '/_emulator/faults', { webhooks: null });
      await system.emulatorControl('POST', '/_emulator/webhooks/flush');
    }
  });

  it('relays the webhook that tells the workflow the customer completed 3-D Secure', async () => {
    const booking = newBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    const waiting = await waitForHold(booking.bookingId, 'requires_action');
    const next = await system.api<{ clientSecret: string }>(
      'GET',
      `/v1/bookings/${booking.bookingId}/hold/next-action`,
    );
    await handleNextAction(system.emulatorUrl, next.body.clientSecret, 'complete');
    await waitForHold(booking.bookingId, 'held');
    const rows = await settledInboxRows(booking.bookingId, waiting.paymentIntentId!);
    const authorized = rows.filter((row) => row.type === 'payment_intent.amount_capturable_updated');
    expect(authorized.map((row) => row.status)).toEqual(['relayed']);
    expect(await signalsIn(booking.bookingId)).toBeGreaterThanOrEqual(1);
    expect((await system.api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {})).status).toBe(200);
  });
});
