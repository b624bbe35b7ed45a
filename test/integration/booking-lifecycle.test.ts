/**
 * The whole system on real parts: the Temporal dev server (a child process we can stop), real
 * PostgreSQL, the Stripe emulator delivering signed webhooks over HTTP, the real worker, and the
 * API served over HTTP with its inbox relay. Only the booking service's callback is a test server.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/create-app.js';
import type { BookingView } from '../../api/schemas.js';
import { startInboxRelay, type InboxRelay } from '../../api/inbox-relay.js';
import { loadApiConfig } from '../../config/env.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { createStripeEmulator } from '../../emulator/create-emulator.js';
import { verifyCallback } from '../../notifications/callback-signature.js';
import { createStripeClient } from '../../stripe/create-stripe-client.js';
import { createPaymentGateway } from '../../stripe/payment-gateway.js';
import { createBookingWorker } from '../../worker/create-worker.js';
import { startDevServer, type DevServerHandle } from '../support/dev-server-env.js';
import { getFreePort } from '../support/free-port.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { waitFor } from '../support/wait-for.js';
import {
  bookingStateQuery,
  bookingWorkflowId,
  stripeEventSignal,
  type StripeEventSignal,
} from '../../workflows/contract.js';

const API_TOKEN = 'integration-token-123';
const WEBHOOK_SECRET = 'whsec_integration_secret';
const CALLBACK_SECRET = 'callback-secret-123';
const TASK_QUEUE = 'booking-payments-integration';

interface ReceivedCallback {
  type: string;
  bookingId: string;
  signatureValid: boolean;
}

let temporal: DevServerHandle;
let postgres: TestPostgres;
let db: ReturnType<typeof createPool>;
let emulatorServer: { url: string; close(): Promise<void> };
let worker: Worker;
let workerRun: Promise<void>;
let workerConnection: NativeConnection;
let clientConnection: Connection;
let relay: InboxRelay;
let apiServer: ServerType;
let apiUrl: string;
let callbackServer: Server;
const callbacks: ReceivedCallback[] = [];

beforeAll(async () => {
  temporal = await startDevServer();
  postgres = await startTestPostgres();
  await migrate(postgres.url);
  db = createPool(postgres.url);

  callbackServer = createServer((request, response) => {
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
  const callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/notifications`;

  const apiPort = await getFreePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const emulator = createStripeEmulator({
    webhookUrl: `${apiUrl}/v1/webhooks/stripe`,
    webhookSecret: WEBHOOK_SECRET,
    webhookRetryBaseMs: 200,
  });
  emulatorServer = await emulator.listen(0);

  workerConnection = await NativeConnection.connect({ address: temporal.address });
  worker = await createBookingWorker({
    connection: workerConnection,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    gateway: createPaymentGateway(
      createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_integration', STRIPE_API_URL: emulatorServer.url }),
    ),
    db,
    callback: { url: callbackUrl, signingSecret: CALLBACK_SECRET },
  });
  workerRun = worker.run();

  const config = loadApiConfig({
    DATABASE_URL: postgres.url,
    PORT: String(apiPort),
    API_TOKEN,
    STRIPE_SECRET_KEY: 'sk_test_integration',
    STRIPE_API_URL: emulatorServer.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    HOLD_RELEASE_GRACE_SECONDS: '1',
    RELAY_INTERVAL_MS: '200',
  });
  clientConnection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection: clientConnection });
  relay = startInboxRelay({ db, temporal: client, config, retry: { initialDelayMs: 200, maxDelayMs: 2_000 } });
  const app = createApp({ temporal: client, db, config, relay });
  apiServer = serve({ fetch: app.fetch, port: apiPort, hostname: '127.0.0.1' });
}, 180_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (apiServer ? apiServer.close(() => resolve()) : resolve()));
  await relay?.stop();
  worker?.shutdown();
  await workerRun;
  await workerConnection?.close();
  await clientConnection?.close();
  await emulatorServer?.close();
  await new Promise<void>((resolve) => (callbackServer ? callbackServer.close(() => resolve()) : resolve()));
  await db?.end();
  await postgres?.stop();
  await temporal?.dispose();
});

/** The API's answer: a booking view or the error shape. */
interface ApiAnswer {
  status: number;
  body: BookingView & { error?: { code: string; message: string; requestId: string } };
}

async function api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ApiAnswer['body'] };
}

function newBooking(overrides: Record<string, unknown> = {}) {
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

async function waitForHold(bookingId: string, status: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const { body } = await api('GET', `/v1/bookings/${bookingId}`);
      return body.hold?.status === status ? body : false;
    },
    { timeoutMs, intervalMs: 250, description: `booking ${bookingId} hold ${status}` },
  );
}

async function emulatorControl<T = { data: Array<Record<string, unknown>> }>(
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${emulatorServer.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as T;
}

/** The fields of an emulator webhook delivery this file reads. */
interface WebhookDeliverySummary {
  eventId: string;
  state: string;
}

async function inboxRows(
  bookingId: string,
): Promise<Array<{ id: string; type: string; status: string; attempts: number }>> {
  const result = await db.query('SELECT id, type, status, attempts FROM stripe_events WHERE booking_id = $1', [
    bookingId,
  ]);
  return result.rows;
}

describe('booking payments, end to end', () => {
  it('takes a booking from created to held to released, with signed notifications', async () => {
    const booking = newBooking({ endsAt: new Date(Date.now() + 3_000).toISOString() });

    const created = await api('POST', '/v1/bookings', booking);
    expect(created.status).toBe(201);
    expect(created.body.workflowId).toBe(`booking-${booking.bookingId}`);

    const held = await waitForHold(booking.bookingId, 'held');
    expect(held.hold.paymentIntentId).toMatch(/^pi_/);
    const released = await waitForHold(booking.bookingId, 'released');
    expect(released.hold.releasedAt).not.toBeNull();

    const intents = await emulatorControl('GET', `/_emulator/payment_intents?booking_id=${booking.bookingId}`);
    expect(intents.data).toHaveLength(1);
    expect(intents.data[0].status).toBe('canceled');

    await waitFor(() => callbacks.filter((c) => c.bookingId === booking.bookingId).length >= 2, {
      description: 'held and released callbacks',
    });
    const received = callbacks.filter((c) => c.bookingId === booking.bookingId);
    expect(received.map((c) => c.type)).toEqual(['hold.held', 'hold.released']);
    expect(received.every((c) => c.signatureValid)).toBe(true);

    const again = await api('POST', '/v1/bookings', booking);
    expect(again.status).toBe(200);
    expect(again.body.hold.status).toBe('released');
  });

  it('turns a storm of duplicated webhooks into one transition', async () => {
    await emulatorControl('POST', '/_emulator/faults', { webhooks: { duplicates: 10 } });
    try {
      const booking = newBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
      expect((await api('POST', '/v1/bookings', booking)).status).toBe(201);
      const waiting = await waitForHold(booking.bookingId, 'requires_action');

      await emulatorControl('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
        outcome: 'succeed',
      });
      await waitForHold(booking.bookingId, 'held');

      // Let every copy of every event reach the API before counting.
      const deliveries = await waitFor(
        async () => {
          const { data } = await emulatorControl<{ data: WebhookDeliverySummary[] }>('GET', '/_emulator/webhooks/deliveries');
          return data.every((delivery) => delivery.state !== 'pending' && delivery.state !== 'held') ? data : false;
        },
        { description: 'every webhook copy delivered' },
      );
      const stored = await waitFor(
        async () => {
          const rows = await inboxRows(booking.bookingId);
          return rows.every((row) => row.status === 'relayed') ? rows : false;
        },
        { description: 'every stored event relayed' },
      );
      const storedIds = stored.map((row) => row.id);

      // (a) The emulator delivered each event of this booking several times.
      const copiesByEvent = new Map<string, number>();
      for (const delivery of deliveries.filter((d) => storedIds.includes(d.eventId))) {
        copiesByEvent.set(delivery.eventId, (copiesByEvent.get(delivery.eventId) ?? 0) + 1);
      }
      const capturable = stored.filter((row) => row.type === 'payment_intent.amount_capturable_updated');
      expect(capturable).toHaveLength(1);
      expect(copiesByEvent.get(capturable[0].id)).toBeGreaterThan(1);
      for (const id of storedIds) expect(copiesByEvent.get(id)).toBeGreaterThan(1);

      // (b) The inbox stored each event once.
      expect(new Set(storedIds).size).toBe(storedIds.length);
      expect([...copiesByEvent.keys()].sort()).toEqual([...storedIds].sort());

      // (c) The workflow was signalled once per distinct event.
      const handle = new Client({ connection: clientConnection }).workflow.getHandle(bookingWorkflowId(booking.bookingId));
      const history = await handle.fetchHistory();
      const signalledIds = (history.events ?? [])
        .map((event) => event.workflowExecutionSignaledEventAttributes)
        .filter((signalled) => signalled?.signalName === stripeEventSignal.name)
        .map((signalled) => {
          const data = signalled?.input?.payloads?.[0]?.data;
          return (JSON.parse(Buffer.from(data as Uint8Array).toString('utf8')) as StripeEventSignal).eventId;
        });
      expect(signalledIds).toHaveLength(storedIds.length);
      expect([...signalledIds].sort()).toEqual([...storedIds].sort());

      // (d) The booking processed each distinct event once.
      await waitFor(async () => (await handle.query(bookingStateQuery)).processedEventCount === storedIds.length, {
        description: `processedEventCount ${storedIds.length}`,
      });
      expect(callbacks.filter((c) => c.bookingId === booking.bookingId && c.type === 'hold.held')).toHaveLength(1);

      const cancelled = await api('POST', `/v1/bookings/${booking.bookingId}/cancel`, { reason: 'storm test done' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.hold.status).toBe('released');
    } finally {
      await emulatorControl('DELETE', '/_emulator/faults');
    }
  });

  it('rejects a webhook with a forged signature and stores nothing', async () => {
    const eventId = `evt_forged_${randomUUID().replace(/-/g, '')}`;
    const body = JSON.stringify({
      id: eventId,
      object: 'event',
      type: 'payment_intent.canceled',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'pi_forged', object: 'payment_intent', metadata: { booking_id: 'victim' } } },
    });
    const response = await fetch(`${apiUrl}/v1/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
      body,
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('invalid_signature');
    const rows = await db.query('SELECT 1 FROM stripe_events WHERE id = $1', [eventId]);
    expect(rows.rowCount).toBe(0);
  });

  it('keeps a webhook that arrives while Temporal is down and relays it once Temporal is back', async () => {
    const booking = newBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    expect((await api('POST', '/v1/bookings', booking)).status).toBe(201);
    const waiting = await waitForHold(booking.bookingId, 'requires_action');
    const relayedBefore = (await inboxRows(booking.bookingId)).length;

    await temporal.stop();
    try {
      await emulatorControl('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
        outcome: 'succeed',
      });
      const pending = await waitFor(
        async () => {
          const rows = await inboxRows(booking.bookingId);
          const waitingRows = rows.filter((row) => row.status === 'pending' && row.attempts > 0);
          return rows.length > relayedBefore && waitingRows.length > 0 ? waitingRows : false;
        },
        { description: 'the new webhook stored and waiting for Temporal' },
      );
      expect(pending.length).toBeGreaterThan(0);
    } finally {
      await temporal.restart();
    }

    const held = await waitForHold(booking.bookingId, 'held', 90_000);
    expect(held.hold.paymentIntentId).toBe(waiting.hold.paymentIntentId);
    await waitFor(async () => (await inboxRows(booking.bookingId)).every((row) => row.status === 'relayed'), {
      description: 'every stored event relayed after the outage',
      timeoutMs: 30_000,
    });
    expect((await api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {})).status).toBe(200);
  });
});
