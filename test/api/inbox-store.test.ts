/** Migrations and the webhook inbox's SQL against real PostgreSQL (no Temporal). */
import { readdir } from 'node:fs/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learnedStatuses, recordLearnedStatus } from '../../inbox/learned-statuses.js';
import { retryDelayMs } from '../../inbox/relay-retry.js';
import {
  bookingIdForPaymentIntent,
  claimPendingEvents,
  inboxDepth,
  markHandled,
  recordRelayOutcomes,
  storeStripeEvent,
  type NewStripeEvent,
} from '../../inbox/inbox-store.js';
import { MIGRATIONS_DIR, migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { withTransaction } from '../../db/transaction.js';
import { startTestPostgres, type TestPostgres } from '../../harness/postgres.js';

let postgres: TestPostgres;
let db: pg.Pool;

beforeAll(async () => {
  postgres = await startTestPostgres();
  db = createPool(postgres.url);
});

afterAll(async () => {
  await db?.end();
  await postgres?.stop();
});

const event = (id: string, overrides: Partial<NewStripeEvent> = {}): NewStripeEvent => ({
  id,
  type: 'payment_intent.succeeded',
  bookingId: 'bk-1',
  paymentIntentId: `pi_${id}`,
  payload: { id, object: 'event' },
  status: 'pending',
  ...overrides,
});

describe('migrate', () => {
  it('creates the schema once even when several processes start at the same time', async () => {
    const runs = await Promise.all([migrate(postgres.url), migrate(postgres.url), migrate(postgres.url)]);

    const migrationFiles = (await readdir(MIGRATIONS_DIR)).filter((file) => file.endsWith('.sql'));
    expect(runs.flat()).toHaveLength(migrationFiles.length);
    expect(runs.filter((applied) => applied.length > 0)).toHaveLength(1);
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['notifications', 'stripe_customers', 'stripe_events']),
    );
    expect(await migrate(postgres.url)).toEqual([]);
  });

  it('rejects an inbox status outside the lifecycle', async () => {
    await expect(
      db.query(`INSERT INTO stripe_events (id, type, payload, status) VALUES ('evt_bad', 't', '{}', 'lost')`),
    ).rejects.toThrow(/check constraint/);
  });
});

describe('inbox', () => {
  it('stores an event once by its Stripe id', async () => {
    expect(await storeStripeEvent(db, event('evt_once'))).toBe(true);
    expect(await storeStripeEvent(db, event('evt_once', { type: 'changed' }))).toBe(false);
    const rows = await db.query(`SELECT type, status, attempts FROM stripe_events WHERE id = 'evt_once'`);
    expect(rows.rows).toEqual([{ type: 'payment_intent.succeeded', status: 'pending', attempts: 0 }]);
  });

  it('gives concurrent claimers disjoint events instead of making them wait', async () => {
    for (let index = 0; index < 6; index += 1) await storeStripeEvent(db, event(`evt_claim_${index}`));
    await db.query(`UPDATE stripe_events SET status = 'relayed' WHERE id NOT LIKE 'evt_claim_%'`);

    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let claimedFirst!: (ids: string[]) => void;
    // Settles once the first transaction holds its rows' locks, and fails the test if it fails before.
    const firstClaimed = new Promise<string[]>((resolve) => (claimedFirst = resolve));
    const first = withTransaction(db, async (client) => {
      claimedFirst((await claimPendingEvents(client, 4)).map((claimed) => claimed.id));
      await holding;
    });
    const firstClaim = await Promise.race([firstClaimed, first.then(() => [] as string[])]);

    const secondClaim = await withTransaction(db, async (client) =>
      (await claimPendingEvents(client, 4)).map((claimed) => claimed.id),
    );
    release();
    await first;

    expect(firstClaim).toEqual(['evt_claim_0', 'evt_claim_1', 'evt_claim_2', 'evt_claim_3']);
    expect(secondClaim).toEqual(['evt_claim_4', 'evt_claim_5']);
  });

  it('does not hand out a deferred event before its next attempt is due', async () => {
    await storeStripeEvent(db, event('evt_later'));
    await recordRelayOutcomes(db, [
      {
        id: 'evt_later',
        outcome: 'retried',
        reason: 'workflow not started yet',
        nextAttemptAt: new Date(Date.now() + 60_000),
      },
    ]);

    const claimed = await withTransaction(db, async (client) =>
      (await claimPendingEvents(client, 50)).find((candidate) => candidate.id === 'evt_later'),
    );
    const row = await db.query(`SELECT status, attempts, last_error FROM stripe_events WHERE id = 'evt_later'`);

    expect(claimed).toBeUndefined();
    expect(row.rows[0]).toEqual({ status: 'pending', attempts: 1, last_error: 'workflow not started yet' });
  });

  it('counts only pending events in the depth, and finds bookings by PaymentIntent', async () => {
    await db.query(`UPDATE stripe_events SET status = 'relayed'`);
    await storeStripeEvent(db, event('evt_depth_1', { bookingId: 'bk-depth', paymentIntentId: 'pi_depth' }));
    await storeStripeEvent(db, event('evt_depth_2'));
    await storeStripeEvent(db, event('evt_depth_3'));
    await recordRelayOutcomes(db, [
      { id: 'evt_depth_2', outcome: 'relayed' },
      { id: 'evt_depth_3', outcome: 'closed', reason: 'workflow booking-bk-1 is COMPLETED' },
    ]);

    const depth = await inboxDepth(db);

    expect(depth.pending).toBe(1);
    expect(depth.oldestPendingReceivedAt).toBeInstanceOf(Date);
    expect(await bookingIdForPaymentIntent(db, 'pi_depth')).toBe('bk-depth');
    expect(await bookingIdForPaymentIntent(db, 'pi_unknown')).toBeNull();
  });

  it("hands the relay a SetupIntent event's setup id, and records an event the receiver handled itself", async () => {
    await storeStripeEvent(db, event('evt_setup', { bookingId: null, paymentIntentId: null, setupId: 'setup-1' }));
    await storeStripeEvent(db, event('evt_mandate', { bookingId: null, paymentIntentId: null, status: 'ignored' }));
    await markHandled(db, 'evt_mandate', 'mandate mandate_1 inactive: 1 saved payment method(s) updated');

    const claimed = await withTransaction(db, async (client) =>
      (await claimPendingEvents(client, 50)).find((candidate) => candidate.id === 'evt_setup'),
    );
    const handled = await db.query(`SELECT status, relayed_at, last_error FROM stripe_events WHERE id = 'evt_mandate'`);

    expect(claimed).toMatchObject({ id: 'evt_setup', setupId: 'setup-1', bookingId: null });
    expect(handled.rows[0]).toMatchObject({ status: 'handled', last_error: expect.stringContaining('mandate_1') });
    expect(handled.rows[0].relayed_at).toBeInstanceOf(Date);
  });
});

describe('statuses the booking activities learned', () => {
  const intentEvent = (id: string, type: string, paymentIntentId: string, status: string) =>
    event(id, {
      type,
      paymentIntentId,
      payload: {
        id,
        object: 'event',
        type,
        data: { object: { id: paymentIntentId, object: 'payment_intent', status } },
      },
    });

  it('settles the pending events repeating a status an activity just learned, and leaves the others to the relay', async () => {
    await storeStripeEvent(
      db,
      intentEvent('evt_learn_1', 'payment_intent.amount_capturable_updated', 'pi_learn', 'requires_capture'),
    );
    await storeStripeEvent(db, intentEvent('evt_learn_2', 'payment_intent.canceled', 'pi_learn', 'canceled'));
    await storeStripeEvent(
      db,
      intentEvent('evt_learn_3', 'payment_intent.amount_capturable_updated', 'pi_other', 'requires_capture'),
    );

    expect(await recordLearnedStatus(db, { paymentIntentId: 'pi_learn', status: 'requires_capture' })).toBe(1);
    const statusOf = async () =>
      Object.fromEntries(
        (
          await db.query<{ id: string; status: string }>(
            `SELECT id, status FROM stripe_events WHERE id LIKE 'evt_learn_%'`,
          )
        ).rows.map((row) => [row.id, row.status]),
      );
    expect(await statusOf()).toEqual({ evt_learn_1: 'handled', evt_learn_2: 'pending', evt_learn_3: 'pending' });
    const reason = await db.query(`SELECT last_error, relayed_at FROM stripe_events WHERE id = 'evt_learn_1'`);
    expect(reason.rows[0].last_error).toBe(
      "repeats requires_capture, which the booking already learned from Stripe's answer to its own call",
    );
    expect(reason.rows[0].relayed_at).toBeInstanceOf(Date);
    expect(await learnedStatuses(db, ['pi_learn', 'pi_never'])).toEqual(new Map([['pi_learn', 'requires_capture']]));

    // The next answer replaces the last: a later event repeating it is settled in its turn.
    expect(await recordLearnedStatus(db, { paymentIntentId: 'pi_learn', status: 'canceled' })).toBe(1);
    expect(await statusOf()).toEqual({ evt_learn_1: 'handled', evt_learn_2: 'handled', evt_learn_3: 'pending' });
    expect(await learnedStatuses(db, ['pi_learn'])).toEqual(new Map([['pi_learn', 'canceled']]));
  });
});

describe('transactions', () => {
  it('fails the transaction, without an uncaught error, when PostgreSQL ends its connection between two queries', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const outcome = withTransaction(db, async (client) => {
        const backend = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // As a restart does: the server ends the session while the transaction waits between queries.
        const ended = new Promise((resolve) => client.once('end', resolve));
        await db.query('SELECT pg_terminate_backend($1)', [backend.rows[0].pid]);
        await ended;
        await client.query('SELECT 1');
      });

      await expect(outcome).rejects.toThrow();
      expect(uncaught).toEqual([]);
      expect((await db.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

describe('relay backoff', () => {
  it('waits 1 s after the first failure, doubling up to 60 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((failed) => retryDelayMs(failed))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });
});
