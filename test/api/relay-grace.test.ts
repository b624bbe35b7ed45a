/**
 * The relay's grace for a PaymentIntent its booking has not learned yet: Stripe often sends the
 * webhook before the answer to the call that made the PaymentIntent reaches the worker, so the event
 * waits RELAY_UNLEARNED_GRACE_MS for the activity to learn the status (which settles it as handled,
 * with no signal), and is signalled once the grace has passed. Against real Postgres and a real
 * Temporal dev server, one relay pass at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeStripeEvent } from '../../inbox/inbox-store.js';
import { recordLearnedStatus } from '../../inbox/learned-statuses.js';
import { runRelayPass } from '../../inbox/relay-pass.js';
import { DEFAULT_RELAY_RETRY } from '../../inbox/relay-retry.js';
import { silentLogger } from '../../telemetry/logger.js';
import { authJson, bookingBody, paymentIntentEvent, startApiHarness, type ApiHarness } from './fixtures/api-harness.js';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.teardown();
});

const GRACE_MS = 60_000;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter += 1)}`;

/** A booking (on the stub workflow) with one pending `amount_capturable_updated` event about a new PaymentIntent. */
async function bookingWithUnlearnedEvent(): Promise<{ bookingId: string; eventId: string; paymentIntentId: string }> {
  const bookingId = unique('bk');
  const response = await harness.app.request('/v1/bookings', {
    method: 'POST',
    headers: authJson(),
    body: JSON.stringify(bookingBody(bookingId)),
  });
  expect(response.status).toBe(201);
  const eventId = unique('evt');
  const paymentIntentId = `pi_${eventId}`;
  await storeStripeEvent(harness.db, {
    id: eventId,
    type: 'payment_intent.amount_capturable_updated',
    bookingId,
    paymentIntentId,
    payload: JSON.parse(paymentIntentEvent(eventId, bookingId)),
    status: 'pending',
  });
  return { bookingId, eventId, paymentIntentId };
}

const pass = (graceMs: number) =>
  runRelayPass({
    db: harness.db,
    temporal: harness.temporal,
    config: { ...harness.config, RELAY_UNLEARNED_GRACE_MS: graceMs },
    logger: silentLogger,
    retry: DEFAULT_RELAY_RETRY,
  });

async function inboxRow(eventId: string) {
  const { rows } = await harness.db.query<{
    status: string;
    attempts: number;
    received_at: Date;
    next_attempt_at: Date;
    last_error: string | null;
  }>('SELECT status, attempts, received_at, next_attempt_at, last_error FROM stripe_events WHERE id = $1', [eventId]);
  return rows[0];
}

describe('the relay grace for a PaymentIntent not learned yet', () => {
  it('holds the event back without an attempt, and settles it as handled once the activity learns the status it repeats', async () => {
    const { bookingId, eventId, paymentIntentId } = await bookingWithUnlearnedEvent();

    expect(await pass(GRACE_MS)).toMatchObject({ deferred: 1, relayed: 0 });
    const deferred = await inboxRow(eventId);
    expect(deferred).toMatchObject({ status: 'pending', attempts: 0 });
    expect(deferred.next_attempt_at.getTime()).toBe(deferred.received_at.getTime() + GRACE_MS);
    expect(deferred.last_error).toContain('not learned by its booking yet');

    // The placement's answer arrives: its activity records the status, which settles the event.
    await recordLearnedStatus(harness.db, { paymentIntentId, status: 'requires_capture' });

    expect((await inboxRow(eventId)).status).toBe('handled');
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([]);
  });

  it('signals the event once its grace has passed and no activity learned the PaymentIntent', async () => {
    const { bookingId, eventId } = await bookingWithUnlearnedEvent();
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await pass(1)).toMatchObject({ deferred: 0, relayed: 1 });
    expect(await inboxRow(eventId)).toMatchObject({ status: 'relayed', attempts: 1 });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });
});
