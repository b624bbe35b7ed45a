/**
 * The webhook receiver's nudges to the inbox relay, against real Postgres and a real Temporal dev
 * server: a burst of webhooks is relayed by a few batch passes, one at a time, so the receiver keeps
 * the rest of the connection pool for storing events.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  // No relay of the harness's own: the one under test is the only thing that can relay.
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.teardown();
});

/** A pool that counts the connections checked out of it, now and at most. */
function countingPool(pool: pg.Pool) {
  const counts = { checkedOut: 0, most: 0, connects: 0 };
  const proxy = new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'connect') return Reflect.get(target, property, receiver) as unknown;
      return async () => {
        const client = await target.connect();
        counts.connects += 1;
        counts.most = Math.max(counts.most, (counts.checkedOut += 1));
        const release = client.release.bind(client);
        client.release = (error?: Error | boolean) => {
          counts.checkedOut -= 1;
          return release(error);
        };
        return client;
      };
    },
  });
  return { pool: proxy, counts };
}

describe('relay nudges', () => {
  it('relays a burst of webhooks in a few batch passes, one at a time, without the timer', async () => {
    const bookingId = `bk_nudges_${Date.now().toString(36)}`;
    const created = await harness.app.request('/v1/bookings', {
      method: 'POST',
      headers: authJson(),
      body: JSON.stringify(bookingBody(bookingId)),
    });
    expect(created.status).toBe(201);

    const { pool, counts } = countingPool(harness.db);
    // The timer's first pass runs at start and the next an hour later: only nudges can relay the burst.
    const relay = harness.startRelay({
      db: pool,
      config: { ...harness.config, RELAY_INTERVAL_MS: 3_600_000, RELAY_BATCH_SIZE: 10 },
    });
    await waitFor(async () => counts.connects >= 1 && counts.checkedOut === 0, {
      description: "the timer's first pass done",
    });
    counts.connects = 0;
    counts.most = 0;
    const app = harness.appWith({ stripe: undefined, relay });

    const eventIds = Array.from({ length: 40 }, (_, index) => `evt_nudge_${Date.now().toString(36)}_${index}`);
    const statuses = await Promise.all(
      eventIds.map(async (eventId) => {
        const payload = paymentIntentEvent(eventId, bookingId, 'payment_intent.processing');
        const response = await app.request('/v1/webhooks/stripe', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripeSignature(payload) },
          body: payload,
        });
        return response.status;
      }),
    );
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    await waitFor(
      async () => {
        const { rows } = await harness.db.query<{ relayed: string }>(
          `SELECT count(*) AS relayed FROM stripe_events WHERE id = ANY($1) AND status = 'relayed'`,
          [eventIds],
        );
        return Number(rows[0].relayed) === eventIds.length;
      },
      { description: 'every event of the burst relayed', timeoutMs: 30_000 },
    );
    const seen = (await harness.bookingState(bookingId)).seenEventIds.filter((id) => eventIds.includes(id));
    expect(new Set(seen).size).toBe(eventIds.length);
    expect(counts.most).toBe(1);
    // 40 events in batches of 10 need at least 4 passes; one pass per webhook would be 40.
    expect(counts.connects).toBeGreaterThanOrEqual(4);
    expect(counts.connects).toBeLessThan(eventIds.length);
  });
});
