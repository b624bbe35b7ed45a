/**
 * Measures the data lifecycle (docs/DATA-LIFECYCLE.md) on this machine: the retention migration on a
 * database already holding N inbox events and N/2 notifications, then one purge run (the reconciliation's
 * activity, with the real visibility check against a Temporal dev server) over rows spread evenly across
 * 60 days, with a 35-day retention. Prints one JSON line of figures.
 *
 *   npx tsx bench/data-retention.ts            # 100,000 events
 *   RETENTION_BENCH_EVENTS=20000 npx tsx bench/data-retention.ts
 */
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDataPurgeActivities } from '../activities/reconciliation/purge-expired-data.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { startDevServer } from '../harness/dev-server-env.js';
import { startTestPostgres } from '../harness/postgres.js';
import { bookingWorkflowId } from '../workflows/booking/contract.js';
import {
  DEFAULT_PURGE_BATCH_SIZE,
  type DataPurgeInput,
  type DataPurgeResult,
} from '../workflows/reconciliation/contract.js';

const EVENTS = Number(process.env.RETENTION_BENCH_EVENTS ?? 100_000);
const EVENTS_PER_BOOKING = 8;
const SPREAD_DAYS = 60;
const RETENTION_DAYS = 35;
/** Bookings still running among the oldest ones (long ACH dispute windows): their rows must stay. */
const RUNNING_BOOKINGS = 20;
/** Hex digests per event body: 64 × 32 characters, about the size of a Stripe `payment_intent.*` event. */
const PAYLOAD_DIGESTS = 64;

const [postgres, server] = await Promise.all([startTestPostgres(), startDevServer()]);
const db = createPool(postgres.url);
const connection = await Connection.connect({ address: server.address });
try {
  const client = new Client({ connection });
  await migrate(postgres.url, undefined, { count: 6 });
  const bookings = Math.ceil(EVENTS / EVENTS_PER_BOOKING);
  // Booking n's events arrive together, at an age spread evenly over SPREAD_DAYS; one in a thousand is still
  // pending (a relay failing for weeks, or a charge whose booking is not known yet).
  await db.query(
    `INSERT INTO stripe_events (id, type, booking_id, payment_intent_id, payload, status, received_at)
     SELECT 'evt_' || n, 'payment_intent.succeeded', 'bench-' || (n / $2), 'pi_' || (n / $2),
            jsonb_build_object('id', 'evt_' || n, 'object', 'event', 'data',
              (SELECT string_agg(md5(n || ':' || i), '') FROM generate_series(1, $3) AS i)),
            CASE WHEN n % 1000 = 0 THEN 'pending' ELSE 'relayed' END,
            now() - make_interval(secs => (n / $2) * $4::float8 / $5)
       FROM generate_series(0, $1 - 1) AS n`,
    [EVENTS, EVENTS_PER_BOOKING, PAYLOAD_DIGESTS, SPREAD_DAYS * 86_400, bookings],
  );
  await db.query(
    `INSERT INTO notifications (id, booking_id, type, payload, created_at, delivered_at)
     SELECT 'ntf_' || n, 'bench-' || (n / 4), 'hold.released',
            jsonb_build_object('data', (SELECT string_agg(md5(n || ':' || i), '') FROM generate_series(1, $2) AS i)),
            now() - make_interval(secs => (n / 4) * $3::float8 / $4), CASE WHEN n % 50 = 0 THEN NULL ELSE now() END
       FROM generate_series(0, $1 - 1) AS n`,
    [EVENTS / 2, PAYLOAD_DIGESTS / 8, SPREAD_DAYS * 86_400, bookings],
  );
  await db.query('VACUUM ANALYZE stripe_events, notifications');
  const size = async () =>
    Number(
      (
        await db.query<{ bytes: string }>(
          `SELECT pg_total_relation_size('stripe_events') + pg_total_relation_size('notifications') AS bytes`,
        )
      ).rows[0].bytes,
    );
  const bytesBefore = await size();

  let started = performance.now();
  await migrate(postgres.url);
  const migrationMs = performance.now() - started;

  const taskQueue = 'nobody-polls';
  for (let n = bookings - 1; n >= bookings - RUNNING_BOOKINGS; n -= 1)
    await client.workflow.start('bookingWorkflow', { taskQueue, workflowId: bookingWorkflowId(`bench-${n}`) });
  for (;;) {
    const { count } = await client.workflow.count(`ExecutionStatus = 'Running'`);
    if (count >= RUNNING_BOOKINGS) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  // Which index the purge's reads walk (the planner's choice on this data, after ANALYZE).
  await db.query('ANALYZE stripe_events, notifications');
  const plans = await Promise.all(
    [
      `SELECT id FROM stripe_events WHERE status <> 'pending' AND received_at < now() - interval '35 days'
          AND (received_at, id) > ('-infinity'::timestamptz, '') ORDER BY received_at, id LIMIT 500`,
      `SELECT id FROM notifications WHERE delivered_at IS NOT NULL AND created_at < now() - interval '35 days'
          AND (created_at, id) > ('-infinity'::timestamptz, '') ORDER BY created_at, id LIMIT 500`,
    ].map(async (sql) => {
      const plan = JSON.stringify((await db.query(`EXPLAIN (FORMAT JSON) ${sql}`)).rows[0]);
      return /"Index Name":"([^"]+)"/.exec(plan)?.[1] ?? 'no index (sequential scan)';
    }),
  );

  const activities = createDataPurgeActivities({ db, temporal: client, now: () => new Date() });
  const input: DataPurgeInput = { olderThanSeconds: RETENTION_DAYS * 86_400, batchSize: DEFAULT_PURGE_BATCH_SIZE };
  const runPurge = (): Promise<DataPurgeResult> =>
    new MockActivityEnvironment().run((given: DataPurgeInput) => activities.purgeExpiredData(given), input);
  started = performance.now();
  const result = await runPurge();
  const purgeMs = performance.now() - started;
  started = performance.now();
  const again = await runPurge();
  const secondPurgeMs = performance.now() - started;
  const purged = result.stripeEvents.purged + result.notifications.purged;
  console.log(
    JSON.stringify({
      events: EVENTS,
      notifications: EVENTS / 2,
      bytesBefore,
      migrationMs: Math.round(migrationMs),
      purge: result,
      purgeMs: Math.round(purgeMs),
      rowsPurgedPerSecond: Math.round(purged / (purgeMs / 1000)),
      secondPurge: { ...again, ms: Math.round(secondPurgeMs) },
      bytesAfterPurge: await size(),
      purgeReadsIndexes: plans,
    }),
  );
} finally {
  await connection.close();
  await db.end();
  await Promise.all([server.dispose(), postgres.stop()]);
}
