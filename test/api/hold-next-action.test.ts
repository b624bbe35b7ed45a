/**
 * `GET /v1/bookings/{bookingId}/hold/next-action`: while the hold waits for 3-D Secure, the client
 * secret Stripe.js needs, read from Stripe (the emulator, over HTTP with the `stripe` package) at
 * each request and kept nowhere; 409 otherwise, 404 for an unknown booking, the API's auth and
 * error shape, and never a client secret in a log line or the booking's history.
 */
import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../api/create-app.js';
import type { LogFields } from '../../telemetry/logger.js';
import { createStripeClient } from '../../stripe/create-stripe-client.js';
import { createPaymentGateway } from '../../stripe/payment-gateway.js';
import { bookingWorkflowId, stripeEventSignal } from '../../workflows/booking/contract.js';
import { getFreePort } from '../../harness/free-port.js';
import { historyText } from '../../harness/history-text.js';
import { holdParams, startRunningEmulator, type RunningEmulator } from '../../harness/running-emulator.js';
import { handleNextAction } from '../../harness/stripe-js-stand-in.js';
import { waitFor } from '../../harness/wait-for.js';
import { API_TOKEN, authJson, bookingBody, startApiHarness, type ApiHarness } from './fixtures/api-harness.js';

let harness: ApiHarness;
let running: RunningEmulator;
let app: App;
const logLines: string[] = [];

beforeAll(async () => {
  harness = await startApiHarness();
  running = await startRunningEmulator();
  // Raw lines, before the logger's redaction: a secret the code passed to it must show here.
  const record = (message: string, fields?: LogFields) => logLines.push(JSON.stringify({ message, ...fields }));
  app = harness.appWith({
    gateway: createPaymentGateway(running.stripe),
    logger: { info: record, warn: record, error: record },
  });
});

afterAll(async () => {
  await running?.close();
  await harness?.teardown();
});

const nextActionPath = (bookingId: string) => `/v1/bookings/${bookingId}/hold/next-action`;

async function get(path: string, on: App = app, headers: Record<string, string> = authJson()) {
  const response = await on.request(path, { headers });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** A booking whose hold waits for 3-D Secure on a PaymentIntent the emulator holds in `requires_action`. */
async function challengedBooking(extra: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  const bookingId = `bk-3ds-${randomUUID()}`;
  const created = await app.request('/v1/bookings', {
    method: 'POST',
    headers: authJson(),
    body: JSON.stringify(bookingBody(bookingId)),
  });
  expect(created.status).toBe(201);
  const paymentIntent = await running.stripe.paymentIntents.create({
    ...holdParams(bookingId, 'pm_card_threeDSecure2Required'),
    ...extra,
  });
  expect(paymentIntent.status).toBe('requires_action');
  // What the relay does with Stripe's `payment_intent.requires_action` webhook.
  await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).signal(stripeEventSignal, {
    eventId: `evt_${randomUUID().replace(/-/g, '')}`,
    type: 'payment_intent.requires_action',
    created: Math.floor(Date.now() / 1000),
    objectId: paymentIntent.id,
    paymentIntentId: paymentIntent.id,
    objectStatus: 'requires_action',
    cancellationReason: null,
  });
  await waitFor(async () => (await harness.bookingState(bookingId)).hold.status === 'requires_action', {
    description: `booking ${bookingId} waiting for 3-D Secure`,
  });
  return { bookingId, paymentIntent };
}

/** How many times the API read this PaymentIntent from Stripe. */
const stripeReadsOf = (paymentIntentId: string) =>
  running.responses.filter(
    (response) => response.method === 'GET' && response.path === `/v1/payment_intents/${paymentIntentId}`,
  ).length;

describe('GET /v1/bookings/:bookingId/hold/next-action', () => {
  it('answers the client secret and next action Stripe gives now, read at each request, not cached', async () => {
    const { bookingId, paymentIntent } = await challengedBooking();
    const readsBefore = stripeReadsOf(paymentIntent.id);

    const { status, headers, body } = await get(nextActionPath(bookingId));
    expect(status).toBe(200);
    expect(body).toEqual({
      paymentIntentId: paymentIntent.id,
      clientSecret: paymentIntent.client_secret,
      type: 'use_stripe_sdk',
    });
    expect(headers.get('Cache-Control')).toBe('no-store');
    expect((await get(nextActionPath(bookingId))).body.clientSecret).toBe(paymentIntent.client_secret);
    expect(stripeReadsOf(paymentIntent.id) - readsBefore).toBe(2);

    // The answer is all the browser needs: Stripe.js finishes the challenge with it.
    expect((await handleNextAction(running.url, body.clientSecret)).status).toBe('requires_capture');
  });

  it('gives the redirect URL when Stripe asks for a redirect', async () => {
    const { bookingId, paymentIntent } = await challengedBooking({ return_url: 'https://bookings.example/3ds-done' });
    const { status, body } = await get(nextActionPath(bookingId));
    expect(status).toBe(200);
    expect(body).toEqual({
      paymentIntentId: paymentIntent.id,
      clientSecret: paymentIntent.client_secret,
      type: 'redirect_to_url',
      redirectUrl: paymentIntent.next_action?.redirect_to_url?.url,
    });
  });

  it('answers 409 not_awaiting_action while the hold is not requires_action', async () => {
    const bookingId = `bk-held-${randomUUID()}`;
    expect(
      (
        await app.request('/v1/bookings', {
          method: 'POST',
          headers: authJson(),
          body: JSON.stringify(bookingBody(bookingId)),
        })
      ).status,
    ).toBe(201);
    await waitFor(async () => (await harness.bookingState(bookingId)).hold.status === 'held', {
      description: 'stub hold held',
    });

    const { status, body } = await get(nextActionPath(bookingId));
    expect(status).toBe(409);
    expect(body.error).toEqual({
      code: 'not_awaiting_action',
      message: expect.stringContaining('held'),
      requestId: expect.any(String),
    });
  });

  it('answers 409 not_awaiting_action once Stripe no longer waits, even before the workflow hears it', async () => {
    const { bookingId, paymentIntent } = await challengedBooking();
    await handleNextAction(running.url, paymentIntent.client_secret!);
    expect((await harness.bookingState(bookingId)).hold.status).toBe('requires_action');

    const { status, body } = await get(nextActionPath(bookingId));
    expect(status).toBe(409);
    expect(body.error.code).toBe('not_awaiting_action');
    expect(JSON.stringify(body)).not.toContain('_secret_');
  });

  it('answers 404 booking_not_found for an unknown booking', async () => {
    const { status, body } = await get(nextActionPath(`bk-unknown-${randomUUID()}`));
    expect(status).toBe(404);
    expect(body.error.code).toBe('booking_not_found');
  });

  it('refuses a request without the bearer token or with another one', async () => {
    const { bookingId } = await challengedBooking();
    const anonymous = await get(nextActionPath(bookingId), app, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
    const wrong = await get(nextActionPath(bookingId), app, { Authorization: `Bearer ${API_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify([anonymous.body, wrong.body])).not.toContain('_secret_');
    expect((await get(nextActionPath(bookingId))).status).toBe(200);
  });

  it('answers 503 stripe_unavailable when Stripe cannot be read, or is not configured', async () => {
    const { bookingId } = await challengedBooking();
    const closedPort = await getFreePort();
    const unreachable = createStripeClient({
      STRIPE_SECRET_KEY: 'sk_test_unreachable',
      STRIPE_API_URL: `http://127.0.0.1:${closedPort}`,
      STRIPE_TIMEOUT_MS: 2_000,
    });
    const record = (message: string, fields?: LogFields) => logLines.push(JSON.stringify({ message, ...fields }));
    const down = harness.appWith({
      gateway: createPaymentGateway(unreachable),
      logger: { info: record, warn: record, error: record },
    });
    const failed = await get(nextActionPath(bookingId), down);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('stripe_unavailable');

    const unconfigured = await get(nextActionPath(bookingId), harness.appWith({}));
    expect(unconfigured.status).toBe(503);
    expect(unconfigured.body.error.code).toBe('stripe_unavailable');
  });

  it('never puts the client secret in a log line or the booking’s history', async () => {
    const { bookingId, paymentIntent } = await challengedBooking();
    expect((await get(nextActionPath(bookingId))).status).toBe(200);
    const secret = paymentIntent.client_secret!;

    expect(
      logLines.some((line) => line.includes(bookingId)),
      'the request was logged',
    ).toBe(true);
    expect(logLines.filter((line) => line.includes('_secret_'))).toEqual([]);
    const history = historyText(await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory());
    expect(history).toContain(paymentIntent.id);
    expect(history.includes(secret), 'client secret in the workflow history').toBe(false);
  });
});

describe('OpenAPI for the hold’s next action', () => {
  it('documents the route, its answer, the no-store header and the 409', async () => {
    const doc = await (await app.request('/openapi.json')).json();
    const operation = doc.paths['/v1/bookings/{bookingId}/hold/next-action'].get;
    expect(operation.security).toEqual([{ bearerAuth: [] }]);
    expect(operation.parameters).toEqual([expect.objectContaining({ name: 'bookingId', in: 'path', required: true })]);
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '401', '404', '409', '422', '500', '503']);
    expect(operation.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/HoldNextAction',
    });
    expect(operation.responses['200'].headers['Cache-Control']).toBeDefined();
    expect(operation.responses['409'].description).toContain('not_awaiting_action');
    const schema = doc.components.schemas.HoldNextAction;
    expect(schema.required.sort()).toEqual(['clientSecret', 'paymentIntentId', 'type']);
    expect(schema.properties.type.enum).toEqual(['use_stripe_sdk', 'redirect_to_url']);
    expect(schema.properties.clientSecret.description).toContain('never log');
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain('not_awaiting_action');
  });
});
