/** API process: wires configuration, Postgres, Temporal, Stripe, the Hono app and the inbox relay, then serves. */
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { dataConverterFor, payloadCodecFrom } from '../codec/data-converter.js';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { loadApiConfig } from '../config/env.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { createStripeClient } from '../stripe/create-stripe-client.js';
import { createPaymentGateway } from '../stripe/payment-gateway.js';
import { startTracing } from '../telemetry/tracing.js';
import { createApp } from './create-app.js';
import { startInboxRelay } from '../inbox/inbox-relay.js';
import { createJsonLogger, describeError } from '../telemetry/logger.js';
import { createApiMetrics } from './ops/metrics.js';
import { apiTemporalConnectionOptions } from './temporal/temporal-connection.js';
import { billableCallsInterceptor } from './temporal/billable-calls.js';

async function main(): Promise<void> {
  const logger = createJsonLogger('api');
  const config = loadApiConfig();
  // Before the server starts and Stripe is called: tracing patches node:http.
  const tracing = startTracing(config, { serviceName: 'booking-payments-api' });

  await migrate(config.DATABASE_URL, {
    info: (message) => logger.info('migrate', { detail: message }),
    warn: (message) => logger.warn('migrate', { detail: message }),
    error: (message) => logger.error('migrate', { detail: message }),
  });
  const db = createPool(config.DATABASE_URL);
  const connection = await Connection.connect(apiTemporalConnectionOptions(config));
  const codec = payloadCodecFrom(config);
  if (!codec) logger.warn('PAYLOAD_CODEC_KEYS is not set: workflow payloads are stored unencrypted');
  else if (!config.CODEC_AUTH_TOKEN)
    logger.warn('CODEC_AUTH_TOKEN is not set: /codec is not served, the Web UI and CLI show payloads encrypted');
  const metrics = createApiMetrics({ db, logger, processMetrics: true });
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverterFor(codec),
    interceptors: {
      workflow: [
        // Every start, signal, query and update counted as the action Temporal Cloud bills for it.
        billableCallsInterceptor(metrics),
        // Starts, signals and updates carry the request's trace into the workflow's headers.
        ...(tracing ? [new OpenTelemetryWorkflowClientInterceptor()] : []),
      ],
    },
  });

  const stripe = createStripeClient(config);
  const relay = startInboxRelay({ db, temporal, config, logger, metrics });
  const app = createApp({
    temporal,
    db,
    config,
    stripe,
    gateway: createPaymentGateway(stripe),
    relay,
    logger,
    metrics,
    codec,
  });
  const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
    logger.info('api listening', {
      port: info.port,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      tracing: tracing !== null,
    });
  });

  let shuttingDown = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('api shutting down', { signal });
    // Stop accepting first, so nothing new needs Temporal or Postgres while they are being closed.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await relay.stop();
    await db.end();
    await connection.close();
    await tracing?.shutdown();
    logger.info('api stopped');
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      shutdown(signal).catch((error: unknown) => {
        logger.error('api shutdown failed', { error: describeError(error) });
        process.exitCode = 1;
      });
    });
  }
}

main().catch((error: unknown) => {
  // ConfigError messages name the bad variables, never their values.
  process.stderr.write(`api failed to start: ${describeError(error)}\n`);
  process.exit(1);
});
