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
import { startTracing } from '../telemetry/tracing.js';
import { createBookingWorker } from './create-worker.js';
import { ensureReconciliationSchedule } from './reconciliation-schedule.js';
import { startWorkerHealthServer } from './health-server.js';
import { createJsonRuntimeLogger } from './json-logger.js';
import { installWorkerRuntime } from './runtime.js';

const config = loadWorkerConfig();
// Tracing first (it patches node:http for the Stripe calls), then the runtime, before any connection.
const tracing = startTracing(config, { serviceName: 'booking-payments-worker' });
// The process's own lines go straight to the logger: the runtime's copy buffers them, and the last would be lost at exit.
const logger = createJsonRuntimeLogger(config.WORKER_LOG_LEVEL);
installWorkerRuntime({ metricsAddress: config.WORKER_METRICS_ADDRESS, logger });

await migrate(config.DATABASE_URL, {
  info: (message) => logger.info('migrate', { detail: message }),
  warn: (message) => logger.warn('migrate', { detail: message }),
  error: (message) => logger.error('migrate', { detail: message }),
});
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
  tracing: tracing ?? undefined,
  ...(config.WORKER_MAX_CACHED_WORKFLOWS !== undefined && {
    options: { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS },
  }),
});
if (!config.PAYLOAD_CODEC_KEYS) logger.warn('PAYLOAD_CODEC_KEYS is not set: workflow payloads are stored unencrypted');
const reconciliation = await ensureReconciliationSchedule(temporal, {
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  intervalSeconds: config.RECONCILE_INTERVAL,
  lookbackSeconds: config.RECONCILE_LOOKBACK,
  retentionSeconds: config.DATA_RETENTION,
});
logger.info('reconciliation schedule', {
  schedule: reconciliation,
  intervalSeconds: config.RECONCILE_INTERVAL,
  lookbackSeconds: config.RECONCILE_LOOKBACK,
  retentionSeconds: config.DATA_RETENTION,
});
if (config.RECONCILE_INTERVAL === null)
  logger.warn('RECONCILE_INTERVAL is off: nothing purges the inbox and notifications past DATA_RETENTION');
const health = await startWorkerHealthServer({ address: config.WORKER_HEALTH_ADDRESS, worker });

logger.info('worker polling', {
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  temporalAddress: config.TEMPORAL_ADDRESS,
  namespace: config.TEMPORAL_NAMESPACE,
  stripe: config.STRIPE_API_URL ?? 'api.stripe.com',
  metrics: `http://${config.WORKER_METRICS_ADDRESS}/metrics`,
  health: `${health.url}/healthz`,
  tracing: tracing !== null,
  maxCachedWorkflows: worker.options.maxCachedWorkflows,
});
// Worker.run() stops polling on SIGINT/SIGTERM by itself and lets running tasks finish.
try {
  await worker.run();
} finally {
  await health.close();
  await connection.close();
  await db.end();
  await tracing?.shutdown();
  logger.info('worker stopped');
}
