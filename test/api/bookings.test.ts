/** HTTP contract of the booking routes, health and OpenAPI, against real Postgres and a real Temporal dev server. */
import { Client, Connection } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/create-app.js';
import { apiTemporalConnectionOptions } from '../../api/temporal/temporal-connection.js';
import { createEncryptionCodec, generateCodecKey, parseCodecKeyring } from '../../codec/payload-encryption-codec.js';
import { loadApiConfig } from '../../config/env.js';
import { createPool } from '../../db/pool.js';
import { bookingWorkflowId } from '../../workflows/booking/contract.js';
import { startDevServer } from '../../harness/dev-server-env.js';
import { getFreePort } from '../../harness/free-port.js';
import { createBookingApiClient, type BookingApiClient } from '../../client/index.js';
import {
  API_TOKEN,
  STRIPE_SECRET_KEY,
  WEBHOOK_SECRET,
  authJson,
  bookingBody,
  startApiHarness,
  type ApiHarness,
} from './fixtures/api-harness.js';
import { DECLINED_PAYMENT_METHOD } from './fixtures/booking-workflow-stub.js';

let harness: ApiHarness;
/** The booking service's typed client, generated from /openapi.json, driving the app. */
let client: BookingApiClient;

beforeAll(async () => {
  harness = await startApiHarness({ env: { MAX_BODY_BYTES: '2048' } });
  client = createBookingApiClient({
    baseUrl: 'http://booking-payments.test',
    apiToken: API_TOKEN,
    // app.fetch, not app.request: a test that serves the app over HTTP replaces the global Request
    // class (@hono/node-server), which app.request's instanceof check would then not recognise.
    fetch: async (request) => harness.app.fetch(request),
  });
});

afterAll(async () => {
  await harness?.teardown();
});

let counter = 0;
const newBookingId = () => `bk-${Date.now().toString(36)}-${(counter += 1)}`;

async function post(path: string, body: unknown, headers: Record<string, string> = authJson()) {
  const response = await harness.app.request(path, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function get(path: string, headers: Record<string, string> = authJson()) {
  const response = await harness.app.request(path, { headers });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function workflowExists(bookingId: string): Promise<boolean> {
  try {
    await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function createBooking(bookingId: string, overrides: Record<string, unknown> = {}) {
  const created = await post('/v1/bookings', bookingBody(bookingId, overrides));
  expect(created.status).toBe(201);
  return created;
}

describe('POST /v1/bookings', () => {
  it('starts the workflow and answers 201 with the booking placing its hold', async () => {
    const bookingId = newBookingId();
    const { data: body, response } = await client.POST('/v1/bookings', {
      body: {
        bookingId,
        customer: { id: 'cust_42', email: 'ada@example.com', name: 'Ada Lovelace' },
        holdPaymentMethod: 'pm_card_visa',
        startsAt: '2030-05-01T10:00:00+02:00',
        endsAt: '2030-05-01T12:00:00+02:00',
      },
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('X-Request-Id')).toBeTruthy();
    expect(body).toEqual({
      bookingId,
      workflowId: `booking-${bookingId}`,
      customerId: 'cust_42',
      startsAt: '2030-05-01T10:00:00+02:00',
      endsAt: '2030-05-01T12:00:00+02:00',
      cancelRequested: false,
      cancelReason: null,
      hold: {
        status: 'placing',
        paymentIntentId: null,
        releaseAt: null,
        attempt: 1,
        authorizedAt: null,
        releasedAt: null,
        actionDeadline: null,
        declineCode: null,
        reason: null,
        offSession: false,
        plan: 'auto',
        validUntil: null,
        nextAuthorizationAt: null,
        authorizations: [],
      },
      payment: null,
    });

    const description = await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).describe();
    expect(description.type).toBe('bookingWorkflow');
    expect(description.taskQueue).toBe(harness.config.TEMPORAL_TASK_QUEUE);
    expect(description.memo?.requestFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hands the workflow the hold policy from configuration', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId);
    const history = await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const payload = started?.input?.payloads?.[0]?.data;
    const input = JSON.parse(Buffer.from(payload as Uint8Array).toString('utf8'));
    expect(input.policy).toEqual({
      releaseGraceSeconds: harness.config.HOLD_RELEASE_GRACE_SECONDS,
      authorizationValiditySeconds: harness.config.HOLD_AUTHORIZATION_VALIDITY_SECONDS,
      releaseSafetyMarginSeconds: harness.config.HOLD_RELEASE_SAFETY_MARGIN_SECONDS,
      customerActionTimeoutSeconds: harness.config.HOLD_CUSTOMER_ACTION_TIMEOUT_SECONDS,
      newPaymentMethodTimeoutSeconds: harness.config.HOLD_NEW_PAYMENT_METHOD_TIMEOUT_SECONDS,
      renewalMarginSeconds: harness.config.HOLD_RENEWAL_MARGIN_SECONDS,
    });
    expect(input.holdPlan).toBe('auto');
    expect(input.customer).toEqual({ id: 'cust_42', email: 'ada@example.com', name: 'Ada Lovelace' });
  });

  it('answers 200 with the current booking when the same request is repeated, whatever the key order', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId);

    const body = bookingBody(bookingId);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const repeated = await post('/v1/bookings', reordered);

    expect(repeated.status).toBe(200);
    expect(repeated.body.bookingId).toBe(bookingId);
    expect(repeated.body.hold.status).toBe('held');
    expect(repeated.body.hold.paymentIntentId).toBe('pi_stub_1');
  });

  it('answers 409 booking_conflict when the booking id is reused with a different body', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId);

    const conflict = await post('/v1/bookings', bookingBody(bookingId, { endsAt: '2030-05-01T13:00:00+02:00' }));

    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('booking_conflict');
    expect(conflict.body.error.requestId).toBe(conflict.headers.get('X-Request-Id'));
  });

  it('answers 401 unauthorized without a bearer token or with a wrong one, and starts nothing', async () => {
    const bookingId = newBookingId();
    const missing = await post('/v1/bookings', bookingBody(bookingId), { 'Content-Type': 'application/json' });
    const wrong = await post(
      '/v1/bookings',
      bookingBody(bookingId),
      authJson({ Authorization: 'Bearer not-the-token' }),
    );
    const notBearer = await post(
      '/v1/bookings',
      bookingBody(bookingId),
      authJson({ Authorization: `Basic ${API_TOKEN}` }),
    );

    for (const response of [missing, wrong, notBearer]) {
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('unauthorized');
    }
    expect(await workflowExists(bookingId)).toBe(false);
  });

  it('answers 400 invalid_json for a malformed body', async () => {
    const { status, body } = await post('/v1/bookings', '{"bookingId": "x",');
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_json' });
    expect(body.error.requestId).toBeTruthy();
  });

  it('answers 422 validation_failed naming every bad field, and starts nothing', async () => {
    const bookingId = newBookingId();
    const { status, body } = await post(
      '/v1/bookings',
      bookingBody(bookingId, {
        customer: { id: 42, email: 'not-an-email', name: 'Ada' },
        holdPaymentMethod: 'card_123',
      }),
    );

    expect(status).toBe(422);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('customer.id');
    expect(body.error.message).toContain('customer.email');
    expect(body.error.message).toContain('holdPaymentMethod');
    expect(await workflowExists(bookingId)).toBe(false);
  });

  it('answers 422 for unknown fields', async () => {
    const { status, body } = await post('/v1/bookings', bookingBody(newBookingId(), { amount: 100 }));
    expect(status).toBe(422);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('amount');
  });

  it('answers 422 when endsAt is not after startsAt, or an instant has no offset', async () => {
    const backwards = await post(
      '/v1/bookings',
      bookingBody(newBookingId(), { startsAt: '2030-05-01T12:00:00Z', endsAt: '2030-05-01T10:00:00Z' }),
    );
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.message).toContain('endsAt');

    const local = await post('/v1/bookings', bookingBody(newBookingId(), { startsAt: '2030-05-01T10:00:00' }));
    expect(local.status).toBe(422);
    expect(local.body.error.message).toContain('startsAt');
  });

  it('answers 422 for a booking id that could not be a workflow id', async () => {
    const { status, body } = await post('/v1/bookings', bookingBody('bad id/with spaces'));
    expect(status).toBe(422);
    expect(body.error.message).toContain('bookingId');
  });

  it('answers 413 payload_too_large for a body over MAX_BODY_BYTES', async () => {
    const bookingId = newBookingId();
    const { status, body } = await post(
      '/v1/bookings',
      bookingBody(bookingId, { customer: { id: 'c', email: 'a@example.com', name: 'x'.repeat(4096) } }),
    );
    expect(status).toBe(413);
    expect(body.error.code).toBe('payload_too_large');
    expect(await workflowExists(bookingId)).toBe(false);
  });

  it("closes the connection after a 413, so a keep-alive client's next request succeeds", async () => {
    const server = serve({ fetch: harness.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // Small, and past the 64 MiB @hono/node-server drains before it drops the socket under a keep-alive client.
      for (const size of [4096, 80_000_000]) {
        // Node's fetch keeps connections alive: the next request reuses the socket unless the server said it closes.
        const oversized = await fetch(`${url}/v1/bookings`, {
          method: 'POST',
          headers: authJson(),
          body: JSON.stringify(
            bookingBody(newBookingId(), { customer: { id: 'c', email: 'a@example.com', name: 'x'.repeat(size) } }),
          ),
        });
        expect(oversized.status).toBe(413);
        expect(oversized.headers.get('connection')).toBe('close');
        expect((await oversized.json()).error.code).toBe('payload_too_large');
        const next = await fetch(`${url}/v1/bookings/never-booked`, { headers: authJson() });
        expect(next.status).toBe(404);
        await next.body?.cancel();
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers 415 for a body that is not JSON', async () => {
    const { status, body } = await post('/v1/bookings', 'bookingId=x', authJson({ 'Content-Type': 'text/plain' }));
    expect(status).toBe(415);
    expect(body.error.code).toBe('unsupported_media_type');
  });
});

describe('GET /v1/bookings/:bookingId', () => {
  it('answers 200 with the booking as its workflow reports it', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId);

    const { data: body, response } = await client.GET('/v1/bookings/{bookingId}', { params: { path: { bookingId } } });
    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      bookingId,
      workflowId: bookingWorkflowId(bookingId),
      hold: { status: 'held', paymentIntentId: 'pi_stub_1', attempt: 1, releaseAt: '2030-05-01T12:00:00+02:00' },
    });
    // The view exposes the contract's fields only, not the workflow's internals.
    expect(body).not.toHaveProperty('seenEventIds');
    expect(body?.hold).not.toHaveProperty('paymentMethod');
  });

  it('answers 404 booking_not_found for an unknown booking', async () => {
    const { error, response } = await client.GET('/v1/bookings/{bookingId}', {
      params: { path: { bookingId: 'never-booked' } },
    });
    expect(response.status).toBe(404);
    expect(error?.error.code).toBe('booking_not_found');
  });

  it('answers 401 without a token', async () => {
    const { status, body } = await get('/v1/bookings/anything', {});
    expect(status).toBe(401);
    expect(body.error.code).toBe('unauthorized');
  });
});

describe('POST /v1/bookings/:bookingId/cancel', () => {
  it('cancels through the update and answers 200 with the released booking', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId);

    const { data: body, response } = await client.POST('/v1/bookings/{bookingId}/cancel', {
      params: { path: { bookingId } },
      body: { reason: 'guest cancelled' },
    });

    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      cancelRequested: true,
      cancelReason: 'guest cancelled',
      hold: { status: 'released' },
    });
  });

  it('accepts a cancel without a body', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId);
    const response = await harness.app.request(`/v1/bookings/${bookingId}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect((await response.json()).cancelReason).toBeNull();
  });

  it('answers a repeated cancel with 200 and the booking as the first cancel left it', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId);
    const first = await post(`/v1/bookings/${bookingId}/cancel`, { reason: 'guest cancelled' });

    const again = await post(`/v1/bookings/${bookingId}/cancel`, { reason: 'asked twice' });

    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.body.cancelReason).toBe('guest cancelled');
  });

  it('answers 404 for an unknown booking and 422 for unknown fields', async () => {
    const unknown = await post('/v1/bookings/never-booked/cancel', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('booking_not_found');

    const extra = await post('/v1/bookings/never-booked/cancel', { reason: 'x', refund: true });
    expect(extra.status).toBe(422);
    expect(extra.body.error.code).toBe('validation_failed');
  });
});

describe('a booking whose workflow has finished', () => {
  /** A booking that ended yesterday: its workflow releases the hold and finishes at once. */
  async function createFinishedBooking() {
    const bookingId = newBookingId();
    const startsAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const endsAt = new Date(Date.now() - 86_400_000).toISOString();
    await createBooking(bookingId, { startsAt, endsAt });
    await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).result();
    return bookingId;
  }

  it('answers a cancel with 200 and the final state, as GET does', async () => {
    const bookingId = await createFinishedBooking();

    const cancelled = await post(`/v1/bookings/${bookingId}/cancel`, { reason: 'too late' });
    const read = await get(`/v1/bookings/${bookingId}`);

    expect(read.status).toBe(200);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual(read.body);
    expect(cancelled.body).toMatchObject({ bookingId, cancelRequested: false, hold: { status: 'released' } });
  });

  it('answers a new payment method with 409 not_awaiting_payment_method', async () => {
    const bookingId = await createFinishedBooking();

    const { status, body } = await post(`/v1/bookings/${bookingId}/payment-method`, { paymentMethod: 'pm_card_amex' });

    expect(status).toBe(409);
    expect(body.error.code).toBe('not_awaiting_payment_method');
  });

  it('answers a cancel with 409 booking_closed when the final state cannot be read', async () => {
    const bookingId = newBookingId();
    // No worker polls this task queue, so the closed workflow cannot be queried.
    const handle = await harness.temporal.workflow.start('bookingWorkflow', {
      workflowId: bookingWorkflowId(bookingId),
      taskQueue: `no-worker-${bookingId}`,
      args: [],
    });
    await handle.terminate('test: closed without a worker');

    const { status, body } = await post(`/v1/bookings/${bookingId}/cancel`, {});

    expect(status).toBe(409);
    expect(body.error.code).toBe('booking_closed');
  });
});

describe('POST /v1/bookings/:bookingId/payment-method', () => {
  it('hands a declined booking its new payment method and answers 200 with the new attempt', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId, { holdPaymentMethod: DECLINED_PAYMENT_METHOD });

    const { data: body, response } = await client.POST('/v1/bookings/{bookingId}/payment-method', {
      params: { path: { bookingId } },
      body: { paymentMethod: 'pm_card_visa' },
    });

    expect(response.status).toBe(200);
    expect(body?.hold).toMatchObject({ status: 'held', attempt: 2, declineCode: null });
  });

  it('answers 409 not_awaiting_payment_method when the hold is not waiting for one', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId);

    const { status, body } = await post(`/v1/bookings/${bookingId}/payment-method`, { paymentMethod: 'pm_card_amex' });

    expect(status).toBe(409);
    expect(body.error.code).toBe('not_awaiting_payment_method');
  });

  it('answers 422 invalid_request when the workflow validator rejects the payment method', async () => {
    const bookingId = newBookingId();
    await createBooking(bookingId, { holdPaymentMethod: DECLINED_PAYMENT_METHOD });

    const { status, body } = await post(`/v1/bookings/${bookingId}/payment-method`, {
      paymentMethod: DECLINED_PAYMENT_METHOD,
    });

    expect(status).toBe(422);
    expect(body.error.code).toBe('invalid_request');
    const state = await harness.bookingState(bookingId);
    expect(state.hold.attempt).toBe(1);
  });

  it('answers 422 validation_failed for a payment method id of the wrong shape', async () => {
    const { status, body } = await post(`/v1/bookings/${newBookingId()}/payment-method`, { paymentMethod: 42 });
    expect(status).toBe(422);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('paymentMethod');
  });
});

describe('errors and operations', () => {
  it('answers 404 not_found in the error shape for an unknown route', async () => {
    const { status, body } = await get('/v2/nothing-here');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
  });

  it('answers 405 method_not_allowed with Allow for a method a documented path does not have', async () => {
    const bookingId = newBookingId();
    const cases = [
      { method: 'DELETE', path: `/v1/bookings/${bookingId}`, allow: 'GET, HEAD' },
      { method: 'PUT', path: '/v1/bookings', allow: 'POST' },
      { method: 'GET', path: `/v1/bookings/${bookingId}/cancel`, allow: 'POST' },
      { method: 'PATCH', path: '/v1/customers/cust_42/payment-methods', allow: 'GET, HEAD, POST' },
      { method: 'GET', path: '/v1/webhooks/stripe', allow: 'POST' },
    ];
    for (const { method, path, allow } of cases) {
      const response = await harness.app.request(path, { method, headers: authJson() });
      const body = await response.json();
      expect({ method, path, status: response.status, allow: response.headers.get('Allow') }).toEqual({
        method,
        path,
        status: 405,
        allow,
      });
      expect(body.error).toEqual({
        code: 'method_not_allowed',
        message: expect.stringContaining(allow),
        requestId: response.headers.get('X-Request-Id'),
      });
    }
    // Still 404 where no route documents the path.
    expect((await harness.app.request('/v1/nothing', { method: 'DELETE', headers: authJson() })).status).toBe(404);
  });

  it('echoes a caller-supplied X-Request-Id in the header and the error body', async () => {
    const { headers, body } = await get('/v1/bookings/never-booked', authJson({ 'X-Request-Id': 'req-abc-123' }));
    expect(headers.get('X-Request-Id')).toBe('req-abc-123');
    expect(body.error.requestId).toBe('req-abc-123');
  });

  it('answers 503 temporal_unavailable when Temporal cannot be reached', async () => {
    // A client whose connection points at a port nobody listens on.
    const deadPort = await getFreePort();
    const unreachable = Connection.lazy({ address: `127.0.0.1:${deadPort}` });
    const app = createApp({
      temporal: new Client({ connection: unreachable }),
      db: harness.db,
      config: { ...harness.config, TEMPORAL_RPC_TIMEOUT_MS: 1_500 },
    });
    const response = await app.request('/v1/bookings/some-booking', { headers: authJson() });
    const body = await response.json();
    expect(response.status).toBe(503);
    expect(body.error.code).toBe('temporal_unavailable');
    expect(body.error.message).not.toContain(String(deadPort));
  });

  it('refuses a booking within a few seconds with 503 temporal_unavailable and Retry-After while Temporal is down', async () => {
    // A Temporal the API was connected to, then lost: the SDK's retries must not outlast the caller's patience.
    const server = await startDevServer();
    const connection = await Connection.connect(
      apiTemporalConnectionOptions({ ...harness.config, TEMPORAL_ADDRESS: server.address }),
    );
    try {
      const app = createApp({ temporal: new Client({ connection }), db: harness.db, config: harness.config });
      await server.stop();
      const refusals: number[] = [];
      const responses: Response[] = [];
      for (const request of [
        () =>
          app.request('/v1/bookings', {
            method: 'POST',
            headers: authJson(),
            body: JSON.stringify(bookingBody(newBookingId())),
          }),
        () => app.request('/v1/bookings/some-booking', { headers: authJson() }),
      ]) {
        const started = performance.now();
        responses.push(await request());
        refusals.push(performance.now() - started);
      }
      console.info(`refusals while Temporal is down: ${refusals.map((ms) => `${Math.round(ms)} ms`).join(', ')}`);
      for (const response of responses) {
        expect(response.status).toBe(503);
        expect((await response.json()).error.code).toBe('temporal_unavailable');
        expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0);
      }
      for (const ms of refusals) expect(ms).toBeLessThan(3_000);
    } finally {
      await connection.close();
      await server.dispose();
    }
  });

  it('answers a create 503 database_unavailable when Postgres is unreachable, starting nothing, and 201 to the same request later', async () => {
    const deadPort = await getFreePort();
    const deadPool = createPool(`postgres://postgres:x@127.0.0.1:${deadPort}/nothing`);
    const bookingId = newBookingId();
    const body = bookingBody(bookingId);
    try {
      const app = createApp({ temporal: harness.temporal, db: deadPool, config: harness.config });
      const response = await app.request('/v1/bookings', {
        method: 'POST',
        headers: authJson(),
        body: JSON.stringify(body),
      });
      const refused = await response.json();
      expect(response.status).toBe(503);
      expect(refused.error).toMatchObject({
        code: 'database_unavailable',
        message: 'Database unavailable; retry later',
      });
      expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0);
      expect(refused.error.message).not.toContain(String(deadPort));
    } finally {
      await deadPool.end();
    }
    expect(await workflowExists(bookingId)).toBe(false);
    expect((await post('/v1/bookings', body)).status).toBe(201);
  });

  it('serves /codec only when CODEC_AUTH_TOKEN is set: without it the codec routes answer 404', async () => {
    const codec = createEncryptionCodec(parseCodecKeyring(`k1:${generateCodecKey()}`, 'k1'));
    const appWithCodec = (token: string | undefined) =>
      createApp({
        temporal: harness.temporal,
        db: harness.db,
        config: { ...harness.config, CODEC_AUTH_TOKEN: token },
        codec,
      });
    const decode = (app: ReturnType<typeof appWithCodec>, headers: Record<string, string> = {}) =>
      app.request('/codec/decode', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: '{"payloads":[]}',
      });

    for (const operation of ['decode', 'encode']) {
      const open = await appWithCodec(undefined).request(`/codec/${operation}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"payloads":[]}',
      });
      expect(open.status).toBe(404);
      expect((await open.json()).error.code).toBe('not_found');
    }
    const guarded = appWithCodec('codec-token-0123456789');
    expect((await decode(guarded)).status).toBe(401);
    expect((await decode(guarded, { Authorization: 'Bearer codec-token-0123456789' })).status).toBe(200);
  });

  it('/healthz answers 200 and /readyz answers 200 when Temporal and Postgres answer', async () => {
    expect((await get('/healthz', {})).status).toBe(200);
    const ready = await get('/readyz', {});
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { temporal: 'ok', postgres: 'ok' } });
  });

  it('/readyz answers 503 not_ready when Postgres is unreachable', async () => {
    const deadPort = await getFreePort();
    const deadPool = createPool(`postgres://postgres:x@127.0.0.1:${deadPort}/nothing`);
    try {
      const app = createApp({ temporal: harness.temporal, db: deadPool, config: harness.config });
      const response = await app.request('/readyz');
      const body = await response.json();
      expect(response.status).toBe(503);
      expect(body.error).toMatchObject({ code: 'not_ready', message: 'Unreachable: postgres' });
    } finally {
      await deadPool.end();
    }
  });

  it('/openapi.json publishes patterns a JSON Schema client matches ids with, flags and all', async () => {
    const { body } = await get('/openapi.json', {});
    const patterns: string[] = [];
    JSON.stringify(body, (key, value: unknown) => {
      if (key === 'pattern' && typeof value === 'string') patterns.push(value);
      return value;
    });
    expect(patterns.length).toBeGreaterThan(10);
    for (const pattern of patterns) {
      // No regex literal leaked (`/…/u`), and every pattern compiles as ECMA-262 with and without unicode.
      expect(pattern).toMatch(/\$$/);
      expect(() => new RegExp(pattern, 'u')).not.toThrow();
      expect(() => new RegExp(pattern)).not.toThrow();
      // `\d` and `\w` mean more than ASCII in other regex dialects (Python's); the API means ASCII.
      expect(pattern).not.toMatch(/\\[dDwWsS]/);
    }
    const parameter = (path: string, name: string) =>
      Object.values(body.paths[path])
        .flatMap(
          (operation) =>
            (operation as { parameters?: { name: string; schema: { pattern: string } }[] }).parameters ?? [],
        )
        .find((p) => p.name === name);
    const customerIdPattern = new RegExp(
      parameter('/v1/customers/{customerId}/payment-methods', 'customerId')!.schema.pattern,
      'u',
    );
    expect(customerIdPattern.test('cust_42')).toBe(true);
    expect(customerIdPattern.test('Ada Lovelace #7 (façade)')).toBe(true);
    expect(customerIdPattern.test('tab\there')).toBe(false);
    expect(customerIdPattern.test('x'.repeat(101))).toBe(false);
    const bookingIdPattern = new RegExp(parameter('/v1/bookings/{bookingId}', 'bookingId')!.schema.pattern, 'u');
    expect(bookingIdPattern.test('bk_2024_0001')).toBe(true);
  });

  it('/openapi.json documents every route, the bearer scheme and the error shape', async () => {
    const { status, body } = await get('/openapi.json', {});
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(Object.keys(body.paths).sort()).toEqual(
      [
        '/healthz',
        '/metrics',
        '/readyz',
        '/v1/bookings',
        '/v1/bookings/{bookingId}',
        '/v1/bookings/{bookingId}/cancel',
        '/v1/bookings/{bookingId}/hold/next-action',
        '/v1/bookings/{bookingId}/microdeposits',
        '/v1/bookings/{bookingId}/payment-method',
        '/v1/bookings/{bookingId}/status',
        '/v1/customers/{customerId}/payment-methods',
        '/v1/customers/{customerId}/payment-methods/{paymentMethodId}',
        '/v1/customers/{customerId}/payment-methods/setups/{setupId}',
        '/v1/customers/{customerId}/payment-methods/setups/{setupId}/cancel',
        '/v1/customers/{customerId}/payment-methods/setups/{setupId}/microdeposits',
        '/v1/webhooks/stripe',
      ].sort(),
    );
    expect(body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(body.paths['/v1/bookings'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(body.paths['/v1/webhooks/stripe'].post.security).toBeUndefined();
    expect(body.paths['/v1/webhooks/stripe'].post.parameters).toEqual([
      expect.objectContaining({ name: 'Stripe-Signature', in: 'header', required: true }),
    ]);
    expect(body.paths['/v1/bookings/{bookingId}'].get.parameters).toEqual([
      expect.objectContaining({ name: 'bookingId', in: 'path', required: true }),
    ]);
    expect(body.components.schemas.Error.properties.error.required).toEqual(['code', 'message', 'requestId']);
    const unavailable = Object.entries(
      body.paths as Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>,
    )
      .flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) => ({
          at: `${method} ${path}`,
          response: operation.responses['503'],
        })),
      )
      .filter(({ response }) => response);
    expect(unavailable.length).toBeGreaterThan(10);
    for (const { at, response } of unavailable) {
      expect(response.headers, at).toMatchObject({ 'Retry-After': { schema: { type: 'integer' } } });
    }
    expect(body.paths['/v1/bookings'].post.responses['409'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
  });
});

describe('token rotation', () => {
  const NEXT = { api: 'next-api-token-0123456789', metrics: 'next-metrics-token-0123', codec: 'next-codec-token-0123' };
  const PREVIOUS = { metrics: 'old-metrics-token-0123', codec: 'old-codec-token-0123' };
  const environment = {
    DATABASE_URL: 'postgres://unused',
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    API_TOKEN: `${API_TOKEN}, ${NEXT.api}`,
    METRICS_TOKEN: `${PREVIOUS.metrics},${NEXT.metrics}`,
    CODEC_AUTH_TOKEN: `${PREVIOUS.codec},${NEXT.codec}`,
  };

  it('accepts every token of a comma-separated API_TOKEN, METRICS_TOKEN and CODEC_AUTH_TOKEN, and no other', async () => {
    const tokens = loadApiConfig(environment);
    const codec = createEncryptionCodec(parseCodecKeyring(`k1:${generateCodecKey()}`, 'k1'));
    const app = createApp({
      temporal: harness.temporal,
      db: harness.db,
      config: {
        ...harness.config,
        API_TOKEN: tokens.API_TOKEN,
        METRICS_TOKEN: tokens.METRICS_TOKEN,
        CODEC_AUTH_TOKEN: tokens.CODEC_AUTH_TOKEN,
      },
      codec,
    });
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
    const decode = (token: string) =>
      app.request('/codec/decode', { method: 'POST', headers: bearer(token), body: '{"payloads":[]}' });

    for (const token of [API_TOKEN, NEXT.api]) {
      expect((await app.request('/v1/bookings/never-booked', { headers: bearer(token) })).status).toBe(404);
    }
    for (const token of [PREVIOUS.metrics, NEXT.metrics])
      expect((await app.request('/metrics', { headers: bearer(token) })).status).toBe(200);
    for (const token of [PREVIOUS.codec, NEXT.codec]) expect((await decode(token)).status).toBe(200);

    const joined = `${API_TOKEN},${NEXT.api}`;
    for (const wrong of [joined, 'next-api-token', `${NEXT.api}x`, PREVIOUS.metrics]) {
      expect((await app.request('/v1/bookings/never-booked', { headers: bearer(wrong) })).status).toBe(401);
    }
    expect((await app.request('/metrics', { headers: bearer(NEXT.api) })).status).toBe(401);
    expect((await decode(NEXT.metrics)).status).toBe(401);
  });

  it('refuses a token list with a token shorter than 8 characters, naming the variable', () => {
    for (const name of ['API_TOKEN', 'METRICS_TOKEN', 'CODEC_AUTH_TOKEN']) {
      expect(() => loadApiConfig({ ...environment, [name]: `${NEXT.api},short` })).toThrow(
        new RegExp(`${name}: .*8 characters`),
      );
      expect(() => loadApiConfig({ ...environment, [name]: `${NEXT.api},,` })).toThrow(new RegExp(name));
    }
  });
});
