/**
 * The retention migration on a database that already holds inbox events and notifications, as production
 * does: brought to the version before it, filled, then migrated up. Real PostgreSQL, no Temporal.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExpiredDeliveredNotifications } from '../../db/notifications.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { listExpiredSettledEvents } from '../../inbox/inbox-store.js';
import { startTestPostgres, type TestPostgres } from '../../harness/postgres.js';

/** Migrations before the retention one (1763800000006_data-retention-indexes). */
const VERSION_BEFORE_RETENTION = 6;

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

const snapshot = async (table: string) =>
  (await db.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY id`)).rows.map(
    (row: { row: unknown }) => row.row,
  );

describe('data retention migration', () => {
  it('carries every existing inbox event and notification, adds the purge indexes, and the purge finds the old rows', async () => {
    expect(await migrate(postgres.url, undefined, { count: VERSION_BEFORE_RETENTION })).toHaveLength(
      VERSION_BEFORE_RETENTION,
    );
    await db.query(`
      INSERT INTO stripe_events (id, type, booking_id, payment_intent_id, payload, status, received_at, attempts)
      SELECT 'evt_' || n, 'payment_intent.succeeded', 'bk-' || (n % 50), 'pi_' || (n % 50),
             jsonb_build_object('id', 'evt_' || n, 'object', 'event'),
             CASE WHEN n % 10 = 0 THEN 'pending' ELSE 'relayed' END,
             now() - make_interval(days => n % 60), 1
        FROM generate_series(1, 1000) AS n`);
    await db.query(`
      INSERT INTO notifications (id, booking_id, type, payload, created_at, delivered_at)
      SELECT 'ntf_' || n, 'bk-' || (n % 50), 'hold.released', '{}', now() - make_interval(days => n % 60),
             CASE WHEN n % 7 = 0 THEN NULL ELSE now() END
        FROM generate_series(1, 500) AS n`);
    const eventsBefore = await snapshot('stripe_events');
    const notificationsBefore = await snapshot('notifications');

    expect(await migrate(postgres.url, undefined, { count: 1 })).toEqual(['1763800000006_data-retention-indexes']);

    expect(await snapshot('stripe_events')).toEqual(eventsBefore);
    expect(await snapshot('notifications')).toEqual(notificationsBefore);
    const indexes = await db.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_settled_received_at_idx' OR indexname LIKE '%_delivered_created_at_idx'
        ORDER BY indexname`,
    );
    expect(indexes.rows.map((row) => row.indexname)).toEqual([
      'notifications_delivered_created_at_idx',
      'stripe_events_settled_received_at_idx',
    ]);
    const cutoff = new Date(Date.now() - 35 * 86_400_000);
    const oldSettled = await listExpiredSettledEvents(db, cutoff, null, 10_000);
    const expectedOld = await db.query(
      `SELECT count(*)::int AS n FROM stripe_events WHERE status <> 'pending' AND received_at < $1`,
      [cutoff],
    );
    expect(oldSettled).toHaveLength(expectedOld.rows[0].n);
    expect(oldSettled.length).toBeGreaterThan(0);
    const oldDelivered = await listExpiredDeliveredNotifications(db, cutoff, null, 10_000);
    expect(oldDelivered.length).toBeGreaterThan(0);
  });
});
