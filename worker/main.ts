/** Worker process: parses its environment, connects to Temporal and Postgres, runs until signalled. */
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { dataConverterFor, payloadCodecFrom } from '../codec/data-converter.js';
import { loadWorkerConfig } from '../config/env.js';
import { temporalConnectionOptions } from '../config/temporal-connection.js';
import { createPool } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { createStripeClient } from '../stripe/create-stripe-client.js';
import { createPaymentGateway } from '../stripe/payment-gateway.js';
import { createBookingWorker } from './create-worker.js';
import { ensureReconciliationSchedule } from './reconciliation-schedule.js';

const config = loadWorkerConfig();
await migrate(config.DATABASE_URL);
const db = createPool(config.DATABASE_URL);
const connection = await NativeConnection.connect(temporalConnectionOptions(config));
const dataConverter = dataConverterFor(payloadCodecFrom(config));
// Visibility, queries and the Schedule go through the worker's own connection, with the same payload keys.
const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
const worker = await createBookingWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  gateway: createPaymentGateway(createStripeClient(config)),
  db,
  callback: { url: config.NOTIFY_CALLBACK_URL, signingSecret: config.NOTIFY_SIGNING_SECRET },
  dataConverter,
  temporal,
});
if (!config.PAYLOAD_CODEC_KEYS) console.warn('worker: PAYLOAD_CODEC_KEYS is not set: workflow payloads are stored unencrypted');
const reconciliation = await ensureReconciliationSchedule(temporal, {
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  intervalSeconds: config.RECONCILE_INTERVAL,
  lookbackSeconds: config.RECONCILE_LOOKBACK,
});
console.log(
  `worker: reconciliation schedule ${reconciliation}` +
    (config.RECONCILE_INTERVAL === null ? '' : ` (every ${config.RECONCILE_INTERVAL} s, lookback ${config.RECONCILE_LOOKBACK} s)`),
);

console.log(
  `worker: polling task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}); Stripe at ${config.STRIPE_API_URL ?? 'api.stripe.com'}`,
);
// Worker.run() stops polling on SIGINT/SIGTERM by itself and lets running tasks finish.
try {
  await worker.run();
} finally {
  await connection.close();
  await db.end();
  console.log('worker: stopped');
}
