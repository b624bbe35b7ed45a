/**
 * The whole system on real parts, for integration tests: the Temporal dev server (a child process
 * the test can stop), real PostgreSQL, the Stripe emulator delivering signed webhooks over HTTP,
 * the real worker, and the API served over HTTP with its inbox relay and Stripe client. Only the
 * booking service's callback is a test server, which records what it receives.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection } from '@temporalio/worker';
import type Stripe from 'stripe';
import { createApp } from '../api/create-app.js';
import { dataConverterFor, payloadCodecFrom } from '../codec/data-converter.js';
import { generateCodecKey } from '../codec/payload-encryption-codec.js';
import { startInboxRelay, type InboxRelay } from '../inbox/inbox-relay.js';
import { apiTemporalConnectionOptions } from '../api/temporal/temporal-connection.js';
import type { Logger } from '../telemetry/logger.js';
import { createApiMetrics } from '../api/ops/metrics.js';
import { billableCallsInterceptor } from '../api/temporal/billable-calls.js';
import type { BookingView } from '../api/booking/schemas.js';
import { DEFAULT_STRIPE_TIMEOUT_MS, loadApiConfig } from '../config/env.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { createStripeEmulator, type StripeEmulatorOptions } from '../emulator/create-emulator.js';
import { stripeSignatureHeader } from '../emulator/webhooks/webhook-signature.js';
import { verifyCallback } from '../notifications/callback-signature.js';
import { createStripeClient } from '../stripe/create-stripe-client.js';
import { createPaymentGateway } from '../stripe/payment-gateway.js';
import type { Tracing } from '../telemetry/tracing.js';
import { createBookingWorker } from '../worker/create-worker.js';
import { startDevServer, type DevServerHandle } from './dev-server-env.js';
import { getFreePort } from './free-port.js';
import { startTestPostgres, type PostgresServerHandle } from './postgres.js';
import { waitFor } from './wait-for.js';

const API_TOKEN = 'integration-token-123';
/** Token the codec endpoint requires in integration tests (what ops pass to the CLI's --codec-auth). */
export const CODEC_AUTH_TOKEN = 'integration-codec-token';
const WEBHOOK_SECRET = 'whsec_integration_secret';
const CALLBACK_SECRET = 'callback-secret-123';
const STRIPE_SECRET_KEY = 'sk_test_integration';
/** The system's secrets, for tests that check none of them leaks (into logs, for one). */
export const SYSTEM_SECRETS = [API_TOKEN, WEBHOOK_SECRET, CALLBACK_SECRET, STRIPE_SECRET_KEY];
const TASK_QUEUE = 'booking-payments-integration';

/** A notification the booking service's callback received. */
export interface ReceivedCallback {
  type: string;
  bookingId: string;
  signatureValid: boolean;
}

/** The API's answer: a booking view or the error shape. */
export interface ApiAnswer<Body = BookingView> {
  status: number;
  body: Body & { error?: { code: string; message: string; requestId: string } };
}

/** A row of the API's Stripe event inbox. */
export interface InboxRow {
  id: string;
  type: string;
  status: string;
  attempts: number;
}

/** Emulator settings a test file may choose (the webhook URL and secret are the system's own). */
export type SystemEmulatorOptions = Omit<StripeEmulatorOptions, 'webhookUrl' | 'webhookSecret'>;

/**
 * The API's inbox relay, run apart from the API as a separate relay process would be: paused, the
 * API still stores every webhook and its nudges go nowhere; resumed, a new relay takes the inbox up.
 */
export interface RelayControl {
  /** Stops the relay and waits for its passes in flight. */
  pause(): Promise<void>;
  /** Starts the relay again (nothing if it runs). */
  resume(): void;
}

/** A running system and how to drive it. */
export interface SystemUnderTest {
  /** The dev server; `stop()` and `restart()` simulate a Temporal outage. */
  temporal: DevServerHandle;
  /** The embedded PostgreSQL server; `stop()` and `restart()` simulate an outage. Null on TEST_DATABASE_URL. */
  postgres: PostgresServerHandle | null;
  /** Base URL of the API (`http://127.0.0.1:<port>`). */
  apiUrl: string;
  /** A Temporal client (e.g. to read a workflow's history). */
  client: Client;
  /** The database shared by API and worker. */
  db: ReturnType<typeof createPool>;
  /** A Stripe client on the emulator, as the booking service's front end would use Stripe (e.g. to confirm a SetupIntent). */
  stripe: Stripe;
  /** Every notification the callback server received, in order. */
  callbacks: ReceivedCallback[];
  /** Calls the API with the bearer token; answers its status and JSON body. */
  api<Body = BookingView>(method: string, path: string, body?: unknown): Promise<ApiAnswer<Body>>;
  /** Calls the emulator's control API (`/_emulator/…`); throws on a non-2xx answer. */
  emulatorControl<T = { data: Array<Record<string, unknown>> }>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T>;
  /** Pauses and resumes the API's inbox relay. */
  relay: RelayControl;
  /** The inbox rows of one booking's Stripe events. */
  inboxRows(bookingId: string): Promise<InboxRow[]>;
  /** Stops everything, in the reverse order of start. */
  stop(): Promise<void>;
  /** The task queue the worker polls. */
  taskQueue: string;
  /** PostgreSQL and emulator addresses, for a process started by the test (e.g. `worker/main.ts`). */
  databaseUrl: string;
  emulatorUrl: string;
  stripeSecretKey: string;
  /** STRIPE_TIMEOUT_MS of the system's Stripe client, for a worker started by the caller. */
  stripeTimeoutMs: number;
  /**
   * A workflow's history with every payload decrypted, as ops see it through the codec endpoint
   * (fetchHistory alone gives the ciphertext Temporal stores).
   */
  decodedHistory(workflowId: string): Promise<temporal.api.history.v1.IHistory>;
  /** What the `temporal` CLI needs to show this system's payloads decrypted (`--codec-endpoint`, `--codec-auth`). */
  codecCliArgs: string[];
  /** PAYLOAD_CODEC_KEYS of this system, for processes started by a test (a worker, the CLI's replay check). */
  payloadCodecKeys: string;
  /** The callback server's URL and signing secret, for a worker started by the caller. */
  callbackUrl: string;
  callbackSecret: string;
  /** The secret the API verifies webhooks with, to sign events as Stripe would. */
  webhookSecret: string;
  /** The API's bearer token. */
  apiToken: string;
}

/** What {@link startSystemUnderTest} accepts. */
export interface SystemUnderTestOptions {
  /** Emulator timings and retry policy; webhook retries start at 200 ms unless given. */
  emulator?: SystemEmulatorOptions;
  /** Traces the API's Temporal calls, the workflows and the activities (from `startTracing`); untraced when absent. */
  tracing?: Tracing;
  /** The API's and relay's logger; silent when absent. */
  apiLogger?: Logger;
  /** Runs the worker in this process (default true); false leaves the task queue to a worker the caller starts. */
  inProcessWorker?: boolean;
  /** How long each Stripe request of the API and worker may take (STRIPE_TIMEOUT_MS); 20 s unless given. */
  stripeTimeoutMs?: number;
}

/**
 * Starts the dev server, Postgres (migrated), the callback server, the emulator, the worker and the
 * API with its relay. If a part fails to start, the parts already started are stopped.
 */
export async function startSystemUnderTest(options: SystemUnderTestOptions = {}): Promise<SystemUnderTest> {
  const stoppers: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const stopPart of stoppers.splice(0).reverse()) await stopPart();
  };
  try {
    return await startParts(options, stoppers, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startParts(
  options: SystemUnderTestOptions,
  stoppers: Array<() => Promise<void> | void>,
  stop: () => Promise<void>,
): Promise<SystemUnderTest> {
  const temporal = await startDevServer();
  stoppers.push(() => temporal.dispose());
  const postgres = await startTestPostgres();
  stoppers.push(() => postgres.stop());
  await migrate(postgres.url);
  const db = createPool(postgres.url);
  stoppers.push(() => db.end());

  const callbacks: ReceivedCallback[] = [];
  const callbackServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const notification = JSON.parse(body) as { type: string; bookingId: string };
      callbacks.push({
        type: notification.type,
        bookingId: notification.bookingId,
        signatureValid: verifyCallback(
          body,
          String(request.headers['bookings-signature'] ?? ''),
          CALLBACK_SECRET,
          Math.floor(Date.now() / 1000),
        ),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  stoppers.push(() => new Promise<void>((resolve) => callbackServer.close(() => resolve())));
  const callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/notifications`;

  const apiPort = await getFreePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const emulator = createStripeEmulator({
    webhookRetryBaseMs: 200,
    ...options.emulator,
    webhookUrl: `${apiUrl}/v1/webhooks/stripe`,
    webhookSecret: WEBHOOK_SECRET,
  });
  const emulatorServer = await emulator.listen(0);
  stoppers.push(async () => {
    await emulatorServer.close();
    await emulator.close();
  });
  const stripeTimeoutMs = options.stripeTimeoutMs ?? DEFAULT_STRIPE_TIMEOUT_MS;
  const stripe = createStripeClient({
    STRIPE_SECRET_KEY,
    STRIPE_API_URL: emulatorServer.url,
    STRIPE_TIMEOUT_MS: stripeTimeoutMs,
  });

  // Payloads are sealed as in production, so tests see what ops would see in history.
  const payloadCodecKeys = `it-1:${generateCodecKey()}`;
  const codec = payloadCodecFrom({ PAYLOAD_CODEC_KEYS: payloadCodecKeys });
  const dataConverter = dataConverterFor(codec);

  if (options.inProcessWorker ?? true) await startInProcessWorker();
  async function startInProcessWorker() {
    const workerConnection = await NativeConnection.connect({ address: temporal.address });
    stoppers.push(() => workerConnection.close());
    const worker = await createBookingWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      gateway: createPaymentGateway(stripe),
      db,
      callback: { url: callbackUrl, signingSecret: CALLBACK_SECRET },
      dataConverter,
      // As worker/main.ts does: a client on the worker's own connection, for the reconciliation activities.
      temporal: new Client({ connection: workerConnection, dataConverter }),
      tracing: options.tracing,
    });
    const workerRun = worker.run();
    stoppers.push(async () => {
      worker.shutdown();
      await workerRun;
    });
  }

  const config = loadApiConfig({
    DATABASE_URL: postgres.url,
    PORT: String(apiPort),
    API_TOKEN,
    STRIPE_SECRET_KEY,
    STRIPE_API_URL: emulatorServer.url,
    STRIPE_TIMEOUT_MS: String(stripeTimeoutMs),
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    HOLD_RELEASE_GRACE_SECONDS: '1',
    RELAY_INTERVAL_MS: '200',
    CODEC_AUTH_TOKEN,
  });
  const clientConnection = await Connection.connect({ address: temporal.address });
  stoppers.push(() => clientConnection.close());
  const clientInterceptors = options.tracing
    ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }
    : {};
  const client = new Client({ connection: clientConnection, dataConverter, ...clientInterceptors });
  // The in-process API connects as api/main.ts does (an unreachable cluster refused within about a second);
  // the tests' own client keeps the SDK's longer retries.
  const apiConnection = await Connection.connect(apiTemporalConnectionOptions(config));
  stoppers.push(() => apiConnection.close());
  const logger = options.apiLogger;
  const metrics = createApiMetrics({ db, logger });
  const apiClient = new Client({
    connection: apiConnection,
    dataConverter,
    interceptors: {
      workflow: [billableCallsInterceptor(metrics), ...(clientInterceptors.interceptors?.workflow ?? [])],
    },
  });
  // The relay runs beside the API, not inside it, so it can be paused while the API keeps receiving.
  const startRelay = () =>
    startInboxRelay({
      db,
      temporal: apiClient,
      config,
      retry: { initialDelayMs: 200, maxDelayMs: 2_000 },
      logger,
      metrics,
    });
  let relay: InboxRelay | null = startRelay();
  stoppers.push(() => relay?.stop());
  const relayControl: RelayControl = {
    async pause() {
      const running = relay;
      relay = null;
      await running?.stop();
    },
    resume() {
      relay ??= startRelay();
    },
  };
  const app = createApp({
    temporal: apiClient,
    db,
    config,
    stripe,
    gateway: createPaymentGateway(stripe),
    relay: { nudge: () => relay?.nudge() },
    logger,
    metrics,
    codec,
  });
  const apiServer = serve({ fetch: app.fetch, port: apiPort, hostname: '127.0.0.1' });
  stoppers.push(() => new Promise<void>((resolve) => apiServer.close(() => resolve())));

  return {
    temporal,
    postgres: postgres.server,
    apiUrl,
    client,
    db,
    stripe,
    callbacks,
    relay: relayControl,
    async api<Body>(method: string, path: string, body?: unknown): Promise<ApiAnswer<Body>> {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as ApiAnswer<Body>['body'] };
    },
    async emulatorControl<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${emulatorServer.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(`emulator control ${method} ${path} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as T;
    },
    async inboxRows(bookingId: string): Promise<InboxRow[]> {
      const result = await db.query<InboxRow>(
        'SELECT id, type, status, attempts FROM stripe_events WHERE booking_id = $1',
        [bookingId],
      );
      return result.rows;
    },
    stop,
    taskQueue: TASK_QUEUE,
    databaseUrl: postgres.url,
    emulatorUrl: emulatorServer.url,
    stripeSecretKey: STRIPE_SECRET_KEY,
    stripeTimeoutMs,
    payloadCodecKeys,
    async decodedHistory(workflowId) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      await decodePayloadsInPlace(history, codec!);
      return history;
    },
    callbackUrl,
    callbackSecret: CALLBACK_SECRET,
    webhookSecret: WEBHOOK_SECRET,
    apiToken: API_TOKEN,
    codecCliArgs: ['--codec-endpoint', `${apiUrl}/codec`, '--codec-auth', `Bearer ${CODEC_AUTH_TOKEN}`],
  };
}

/** Replaces every sealed payload found anywhere in `value` by its decrypted form. */
async function decodePayloadsInPlace(value: unknown, codec: PayloadCodec): Promise<void> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  const record = value as Record<string, unknown>;
  const metadata = record.metadata as Record<string, Uint8Array> | undefined;
  if (metadata && typeof metadata === 'object' && metadata.encoding instanceof Uint8Array && 'data' in record) {
    const [decoded] = await codec.decode([record]);
    record.metadata = decoded.metadata;
    record.data = decoded.data;
    return;
  }
  for (const child of Object.values(record)) await decodePayloadsInPlace(child, codec);
}

/** Polls `GET /v1/bookings/:id` until `accept` holds for the view, and answers that view. */
export async function waitForBooking(
  system: Pick<SystemUnderTest, 'api'>,
  bookingId: string,
  accept: (booking: BookingView) => boolean,
  description: string,
  { timeoutMs = 30_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<BookingView> {
  return waitFor(
    async () => {
      const { body } = await system.api('GET', `/v1/bookings/${bookingId}`);
      return accept(body) ? body : false;
    },
    { timeoutMs, intervalMs, description: `booking ${bookingId} ${description}` },
  );
}

/**
 * POSTs a webhook body to the API's Stripe endpoint as Stripe would: signed now with the system's
 * secret, unless `signature` is given (null sends none). Answers the status and the JSON body.
 */
export async function postWebhook(
  system: Pick<SystemUnderTest, 'apiUrl' | 'webhookSecret'>,
  body: string,
  signature: string | null = stripeSignatureHeader(
    body,
    system.webhookSecret.split(',')[0],
    Math.floor(Date.now() / 1000),
  ),
): Promise<{
  status: number;
  body: { received?: boolean; duplicate?: boolean; error?: { code: string; requestId: string } };
}> {
  const response = await fetch(`${system.apiUrl}/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature !== null && { 'stripe-signature': signature }) },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      received?: boolean;
      duplicate?: boolean;
      error?: { code: string; requestId: string };
    },
  };
}

/** A card booking's create body (a $1 hold on `pm_card_visa`, starting in a second, 30 days long); overrides win. */
export function newBooking(overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    bookingId: `it-${randomUUID()}`,
    customer: { id: `cust-${randomUUID()}`, email: 'guest@example.com', name: 'Integration Guest' },
    holdPaymentMethod: 'pm_card_visa',
    startsAt: new Date(now + 1_000).toISOString(),
    endsAt: new Date(now + 30 * 86_400_000).toISOString(),
    ...overrides,
  };
}
