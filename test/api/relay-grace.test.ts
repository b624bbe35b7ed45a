/**
 * The relay's grace for a PaymentIntent its booking has not learned yet: Stripe often sends the
 * webhook before the answer to the call that made the PaymentIntent reaches the worker, so the event
 * waits RELAY_UNLEARNED_GRACE_MS for the activity to learn the status (which settles it as handled,
 * with no signal), and is signalled once the grace has passed. Against real Postgres and a real
 * Temporal dev server, one relay pass at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLearnedStatus } from '../../inbox/learned-statuses.js';
import { runRelayPass } from '../../inbox/relay-pass.js';
import { DEFAULT_RELAY_RETRY } from '../../inbox/relay-retry.js';
import { silentLogger } from '../../telemetry/logger.js';
import { startApiHarness, type ApiHarness } from './fixtures/api-harness.js';
import { bookingWithUnlearnedEvent } from './fixtures/unlearned-event.js';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.teardown();
});

const GRACE_MS = 60_000;

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
    const { bookingId, eventId, paymentIntentId } = await bookingWithUnlearnedEvent(harness);

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
    const { bookingId, eventId } = await bookingWithUnlearnedEvent(harness);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await pass(1)).toMatchObject({ deferred: 0, relayed: 1 });
    expect(await inboxRow(eventId)).toMatchObject({ status: 'relayed', attempts: 1 });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });
});
