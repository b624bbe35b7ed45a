/**
 * Stripe webhook receiver and inbox relay, against real Postgres and a real Temporal dev server:
 * signatures, de-duplication, relaying as signals, early events, closed bookings, concurrent relays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/create-app.js';
import { storeStripeEvent } from '../../inbox/inbox-store.js';
import { createPool } from '../../db/pool.js';
import { getFreePort } from '../../harness/free-port.js';
import { bookingWorkflowId } from '../../workflows/booking/contract.js';
import { waitFor } from '../../harness/wait-for.js';
import {
  authJson,
  bookingBody,
  paymentIntentEvent,
  startApiHarness,
  stripeSignature,
  type ApiHarness,
} from './fixtures/api-harness.js';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness({ withRelay: true });
});

afterAll(async () => {
  await harness?.teardown();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter += 1)}`;

async function deliverWebhook(payload: string, signature: string | null = stripeSignature(payload)) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (signature !== null) headers['Stripe-Signature'] = signature;
  const response = await harness.app.request('/v1/webhooks/stripe', { method: 'POST', headers, body: payload });
  return { status: response.status, body: await response.json() };
}

async function createBooking(bookingId: string) {
  const response = await harness.app.request('/v1/bookings', {
    method: 'POST',
    headers: authJson(),
    body: JSON.stringify(bookingBody(bookingId)),
  });
  expect(response.status).toBe(201);
}

interface InboxRow {
  id: string;
  type: string;
  booking_id: string | null;
  payment_intent_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  relayed_at: Date | null;
}

async function inboxRows(where: string, params: unknown[]): Promise<InboxRow[]> {
  const result = await harness.db.query<InboxRow>(`SELECT * FROM stripe_events WHERE ${where} ORDER BY id`, params);
  return result.rows;
}

const inboxRow = async (eventId: string) => (await inboxRows('id = $1', [eventId]))[0];

/** A `charge.dispute.created` event: charge objects carry their PaymentIntent's id but not its metadata. */
function chargeEvent(eventId: string, paymentIntentId: string): string {
  // A dispute: a charge event relayed to the booking (a charge's own events are carried by its
  // PaymentIntent's, and recorded as handled).
  return JSON.stringify({
    id: eventId,
    object: 'event',
    type: 'charge.dispute.created',
    created: 1_900_000_001,
    data: {
      object: {
        id: `dp_${eventId}`,
        object: 'dispute',
        status: 'needs_response',
        payment_intent: paymentIntentId,
        metadata: {},
      },
    },
  });
}

describe('POST /v1/webhooks/stripe', () => {
  it('answers 503 database_unavailable while Postgres is unreachable, so Stripe retries, and stores the retry', async () => {
    const deadPort = await getFreePort();
    const deadPool = createPool(`postgres://postgres:x@127.0.0.1:${deadPort}/nothing`);
    const eventId = unique('evt');
    const payload = paymentIntentEvent(eventId, unique('bk'));
    try {
      const app = createApp({ temporal: harness.temporal, db: deadPool, config: harness.config });
      const response = await app.request('/v1/webhooks/stripe', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripeSignature(payload) },
        body: payload,
      });
      expect(response.status).toBe(503);
      expect((await response.json()).error.code).toBe('database_unavailable');
    } finally {
      await deadPool.end();
    }
    expect(await inboxRow(eventId)).toBeUndefined();
    expect(await deliverWebhook(payload)).toEqual({ status: 200, body: { received: true, duplicate: false } });
  });

  it('stores a validly signed event once and relays it to its booking as a signal', async () => {
    const bookingId = unique('bk');
    await createBooking(bookingId);
    const eventId = unique('evt');
    const payload = paymentIntentEvent(eventId, bookingId);

    const { status, body } = await deliverWebhook(payload);

    expect(status).toBe(200);
    expect(body).toEqual({ received: true, duplicate: false });
    const stored = await inboxRow(eventId);
    expect(stored).toMatchObject({
      type: 'payment_intent.amount_capturable_updated',
      booking_id: bookingId,
      payment_intent_id: `pi_${eventId}`,
    });
    await waitFor(async () => (await inboxRow(eventId))?.status === 'relayed', { description: 'event relayed' });
    const state = await harness.bookingState(bookingId);
    expect(state.seenEventIds).toEqual([eventId]);
  });

  it('stores a redelivered event once, answers duplicate: true, and signals it once', async () => {
    const bookingId = unique('bk');
    await createBooking(bookingId);
    const eventId = unique('evt');
    const payload = paymentIntentEvent(eventId, bookingId);

    const first = await deliverWebhook(payload);
    const second = await deliverWebhook(payload, stripeSignature(payload));
    const third = await deliverWebhook(payload);

    expect(first.body.duplicate).toBe(false);
    expect(second.body).toEqual({ received: true, duplicate: true });
    expect(third.body).toEqual({ received: true, duplicate: true });
    expect(await inboxRows('id = $1', [eventId])).toHaveLength(1);
    await waitFor(async () => (await inboxRow(eventId))?.status === 'relayed', { description: 'event relayed' });
    // Give a stray second delivery the time to happen before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await harness.bookingState(bookingId)).processedEventCount).toBe(1);
  });

  it.each([
    ['forged (signed with another secret)', (payload: string) => stripeSignature(payload, 'whsec_someone_else')],
    ['unsigned', () => null],
    [
      'stale (signed 10 minutes ago)',
      (payload: string) => stripeSignature(payload, undefined, Math.floor(Date.now() / 1000) - 600),
    ],
    ['garbage signature header', () => 't=123,v1=deadbeef'],
  ])('answers 400 invalid_signature and stores nothing for a %s event', async (_, sign) => {
    const eventId = unique('evt');
    const payload = paymentIntentEvent(eventId, unique('bk'));

    const { status, body } = await deliverWebhook(payload, sign(payload));

    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_signature');
    expect(await inboxRows('id = $1', [eventId])).toHaveLength(0);
  });

  it('answers 400 and stores nothing when a signed body was tampered with', async () => {
    const eventId = unique('evt');
    const payload = paymentIntentEvent(eventId, unique('bk'));
    const signature = stripeSignature(payload);

    const { status } = await deliverWebhook(payload.replace('requires_capture', 'succeeded'), signature);

    expect(status).toBe(400);
    expect(await inboxRows('id = $1', [eventId])).toHaveLength(0);
  });

  it('stores a PaymentIntent event without a booking id as ignored and relays nothing', async () => {
    const eventId = unique('evt');
    const { status } = await deliverWebhook(paymentIntentEvent(eventId, null));

    expect(status).toBe(200);
    expect(await inboxRow(eventId)).toMatchObject({ status: 'ignored', booking_id: null, attempts: 0 });
  });

  it('stores an event that names neither a booking nor a PaymentIntent as ignored', async () => {
    const eventId = unique('evt');
    const { status } = await deliverWebhook(
      JSON.stringify({
        id: eventId,
        object: 'event',
        type: 'customer.created',
        created: 1_900_000_000,
        data: { object: { id: 'cus_1', object: 'customer', metadata: {} } },
      }),
    );

    expect(status).toBe(200);
    expect(await inboxRow(eventId)).toMatchObject({ status: 'ignored', booking_id: null, payment_intent_id: null });
  });

  it("finds a charge event's booking through its PaymentIntent", async () => {
    const bookingId = unique('bk');
    await createBooking(bookingId);
    const intentEventId = unique('evt');
    await deliverWebhook(paymentIntentEvent(intentEventId, bookingId));

    const chargeEventId = unique('evt');
    await deliverWebhook(chargeEvent(chargeEventId, `pi_${intentEventId}`));

    expect(await inboxRow(chargeEventId)).toMatchObject({
      booking_id: bookingId,
      payment_intent_id: `pi_${intentEventId}`,
    });
    await waitFor(async () => (await harness.bookingState(bookingId)).seenEventIds.includes(chargeEventId), {
      description: 'charge event signalled',
    });
  });

  it("keeps a charge event that comes before any event of its PaymentIntent, and relays it once the PaymentIntent's event names the booking", async () => {
    const bookingId = unique('bk');
    await createBooking(bookingId);
    const intentEventId = unique('evt');
    const chargeEventId = unique('evt');

    const early = await deliverWebhook(chargeEvent(chargeEventId, `pi_${intentEventId}`));

    expect(early.status).toBe(200);
    const waiting = await waitFor(
      async () => {
        const row = await inboxRow(chargeEventId);
        return row && row.attempts >= 1 ? row : null;
      },
      { description: 'first attempt at the early charge event recorded' },
    );
    expect(waiting).toMatchObject({ status: 'pending', booking_id: null, payment_intent_id: `pi_${intentEventId}` });
    expect(waiting.last_error).toContain(`no booking known yet for PaymentIntent pi_${intentEventId}`);
    expect((await deliverWebhook(chargeEvent(chargeEventId, `pi_${intentEventId}`))).body.duplicate).toBe(true);

    await deliverWebhook(paymentIntentEvent(intentEventId, bookingId));

    const relayed = await waitFor(
      async () => {
        const row = await inboxRow(chargeEventId);
        return row?.status === 'relayed' ? row : null;
      },
      { description: 'early charge event relayed', timeoutMs: 20_000 },
    );
    expect(relayed.booking_id).toBe(bookingId);
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual(
      expect.arrayContaining([intentEventId, chargeEventId]),
    );
  });
});

describe('inbox relay', () => {
  it('keeps an event for a not-yet-started booking pending, then relays it once the workflow starts', async () => {
    const bookingId = unique('bk');
    const eventId = unique('evt');

    await deliverWebhook(paymentIntentEvent(eventId, bookingId));

    const deferred = await waitFor(
      async () => {
        const row = await inboxRow(eventId);
        return row && row.attempts >= 1 ? row : null;
      },
      { description: 'first failed attempt recorded' },
    );
    expect(deferred.status).toBe('pending');
    expect(deferred.last_error).toContain('not started yet');
    expect(deferred.next_attempt_at.getTime()).toBeGreaterThan(Date.now() - 1_000);

    await createBooking(bookingId);

    await waitFor(async () => (await inboxRow(eventId))?.status === 'relayed', {
      description: 'event relayed after the workflow started',
      timeoutMs: 20_000,
    });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });

  it('marks events for a booking whose workflow has finished as closed', async () => {
    const bookingId = unique('bk');
    await createBooking(bookingId);
    await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).terminate('test: booking over');
    const eventId = unique('evt');

    await deliverWebhook(paymentIntentEvent(eventId, bookingId));

    const row = await waitFor(
      async () => {
        const current = await inboxRow(eventId);
        return current?.status === 'closed' ? current : null;
      },
      { description: 'event closed' },
    );
    expect(row.last_error).toContain('TERMINATED');
  });

  it('delivers every event exactly once when two relays run at the same time', async () => {
    const bookingIds = [unique('bk'), unique('bk'), unique('bk')];
    for (const bookingId of bookingIds) await createBooking(bookingId);

    const eventIds: string[] = [];
    for (let index = 0; index < 60; index += 1) {
      const eventId = unique(`evt_concurrent${index}`);
      const bookingId = bookingIds[index % bookingIds.length];
      eventIds.push(eventId);
      await storeStripeEvent(harness.db, {
        id: eventId,
        type: 'payment_intent.processing',
        bookingId,
        paymentIntentId: `pi_${eventId}`,
        payload: JSON.parse(paymentIntentEvent(eventId, bookingId, 'payment_intent.processing')),
        status: 'pending',
      });
    }

    const relayConfig = { ...harness.config, RELAY_BATCH_SIZE: 4, RELAY_INTERVAL_MS: 20 };
    harness.startRelay({ config: relayConfig });
    harness.startRelay({ config: relayConfig });

    await waitFor(
      async () => {
        const pending = await harness.db.query<{ count: string }>(
          `SELECT count(*) FROM stripe_events WHERE id = ANY($1) AND status <> 'relayed'`,
          [eventIds],
        );
        return pending.rows[0].count === '0';
      },
      { description: 'all events relayed', timeoutMs: 30_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    const delivered: string[] = [];
    for (const bookingId of bookingIds) delivered.push(...(await harness.bookingState(bookingId)).seenEventIds);
    const deliveredHere = delivered.filter((id) => eventIds.includes(id));
    expect(deliveredHere).toHaveLength(eventIds.length);
    expect(new Set(deliveredHere).size).toBe(eventIds.length);
  });
});

describe('rolling the webhook signing secret', () => {
  it('accepts events signed with any of the comma-separated secrets, and no other', async () => {
    const app = createApp({
      temporal: harness.temporal,
      db: harness.db,
      config: { ...harness.config, STRIPE_WEBHOOK_SECRET: 'whsec_new_secret, whsec_old_secret' },
    });
    const deliver = async (secret: string) => {
      const eventId = unique('evt');
      const payload = paymentIntentEvent(eventId, unique('bk'));
      const response = await app.request('/v1/webhooks/stripe', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripeSignature(payload, secret) },
        body: payload,
      });
      return { status: response.status, stored: (await inboxRows('id = $1', [eventId])).length };
    };
    expect(await deliver('whsec_new_secret')).toEqual({ status: 200, stored: 1 });
    expect(await deliver('whsec_old_secret')).toEqual({ status: 200, stored: 1 });
    expect(await deliver('whsec_retired_secret')).toMatchObject({ status: 400, stored: 0 });
  });
});
