/**
 * The API's metrics and access log, against real Postgres and a real Temporal dev server:
 * `GET /metrics` behind its own token, requests labelled by route pattern, webhooks by outcome,
 * the inbox's depth read at scrape time, relay outcomes, and one JSON log line per request.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../telemetry/logger.js';
import { createApiMetrics, type ApiMetrics } from '../../api/ops/metrics.js';
import type { App } from '../../api/create-app.js';
import { billableCallsInterceptor } from '../../api/temporal/billable-calls.js';
import { parsePrometheusText, sumOf, type PrometheusSample } from '../../harness/prometheus-text.js';
import { waitFor } from '../../harness/wait-for.js';
import {
  API_TOKEN,
  authJson,
  bookingBody,
  paymentIntentEvent,
  startApiHarness,
  stripeSignature,
  type ApiHarness,
} from './fixtures/api-harness.js';

const METRICS_TOKEN = 'metrics-token-0123456789';

let harness: ApiHarness;
let app: App;
let metrics: ApiMetrics;
const logLines: string[] = [];

beforeAll(async () => {
  harness = await startApiHarness({ env: { METRICS_TOKEN } });
  metrics = createApiMetrics({ db: harness.db });
  app = harness.appWith({ metrics, logger: createJsonLogger('api', (line) => logLines.push(line)) });
});

afterAll(async () => {
  await harness?.teardown();
});

async function scrapeApp(): Promise<PrometheusSample[]> {
  const response = await app.request('/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheusText(await response.text());
}

async function deliverWebhook(payload: string, signature = stripeSignature(payload)) {
  return app.request('/v1/webhooks/stripe', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body: payload,
  });
}

describe('API metrics', () => {
  it('serves /metrics only with METRICS_TOKEN when it is set, not with the API token', async () => {
    expect((await app.request('/metrics')).status).toBe(401);
    const withApiToken = await app.request('/metrics', { headers: { Authorization: `Bearer ${API_TOKEN}` } });
    expect(withApiToken.status).toBe(401);
    expect((await withApiToken.json()).error.code).toBe('unauthorized');
    expect(sumOf(await scrapeApp(), 'http_requests_total', { route: '/metrics', status: '401' })).toBe(2);
  });

  it('labels requests by route pattern and status, never by the ids in the path', async () => {
    const bookingId = `metrics-${randomUUID()}`;
    const created = await app.request('/v1/bookings', {
      method: 'POST',
      headers: authJson(),
      body: JSON.stringify(bookingBody(bookingId)),
    });
    expect(created.status).toBe(201);
    expect((await app.request(`/v1/bookings/${bookingId}`, { headers: authJson() })).status).toBe(200);
    expect((await app.request(`/v1/bookings/missing-${bookingId}`, { headers: authJson() })).status).toBe(404);
    expect((await app.request(`/v1/bookings/${bookingId}`)).status).toBe(401);
    expect((await app.request(`/no/such/${bookingId}`)).status).toBe(404);

    const response = await app.request('/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await response.text();
    expect(text).not.toContain(bookingId);
    const samples = parsePrometheusText(text);
    expect(sumOf(samples, 'http_requests_total', { method: 'POST', route: '/v1/bookings', status: '201' })).toBe(1);
    const byId = { method: 'GET', route: '/v1/bookings/:bookingId' };
    expect(sumOf(samples, 'http_requests_total', { ...byId, status: '200' })).toBe(1);
    expect(sumOf(samples, 'http_requests_total', { ...byId, status: '404' })).toBe(1);
    expect(sumOf(samples, 'http_requests_total', { ...byId, status: '401' })).toBe(1);
    expect(sumOf(samples, 'http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(sumOf(samples, 'http_request_duration_seconds_count', { ...byId, status: '200' })).toBe(1);
    expect(sumOf(samples, 'http_request_duration_seconds_bucket', { ...byId, status: '200', le: '+Inf' })).toBe(1);
  });

  it('counts webhooks by outcome, reads the inbox by status and counts what the relay did', async () => {
    const bookingId = `metrics-${randomUUID()}`;
    const created = await app.request('/v1/bookings', {
      method: 'POST',
      headers: authJson(),
      body: JSON.stringify(bookingBody(bookingId)),
    });
    expect(created.status).toBe(201);
    const before = await scrapeApp();
    const pendingBefore = sumOf(before, 'bookings_inbox_events', { status: 'pending' });

    const event = paymentIntentEvent(`evt_${randomUUID().replace(/-/g, '')}`, bookingId);
    expect((await deliverWebhook(event)).status).toBe(200);
    expect((await deliverWebhook(event)).status).toBe(200);
    expect((await deliverWebhook(paymentIntentEvent(`evt_${randomUUID().replace(/-/g, '')}`, null))).status).toBe(200);
    expect((await deliverWebhook(event, `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`)).status).toBe(400);

    const stored = await scrapeApp();
    const webhooks = (outcome: string) =>
      sumOf(stored, 'bookings_webhooks_received_total', { outcome }) -
      sumOf(before, 'bookings_webhooks_received_total', { outcome });
    expect({ stored: webhooks('stored'), duplicate: webhooks('duplicate'), ignored: webhooks('ignored') }).toEqual({
      stored: 1,
      duplicate: 1,
      ignored: 1,
    });
    expect(webhooks('invalid_signature')).toBe(1);
    expect(sumOf(stored, 'bookings_inbox_events', { status: 'pending' })).toBe(pendingBefore + 1);
    expect(sumOf(stored, 'bookings_inbox_events', { status: 'ignored' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(stored, 'bookings_inbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);

    // This app has no relay of its own: run one that reports into the same registry. It is stopped at
    // the end, so that it does not take the next test's event from that test's own relay.
    const relay = harness.startRelay({ metrics });
    const relayed = await waitFor(
      async () => {
        const samples = await scrapeApp();
        // The relay counts an outcome once its transaction has committed, just after the rows change.
        const drained = sumOf(samples, 'bookings_inbox_events', { status: 'pending' }) === 0;
        return drained && sumOf(samples, 'bookings_inbox_relay_outcomes_total', { outcome: 'relayed' }) >= 1
          ? samples
          : false;
      },
      { description: 'inbox drained by the relay and its outcome counted' },
    );
    expect(sumOf(relayed, 'bookings_inbox_relay_outcomes_total', { outcome: 'relayed' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(relayed, 'bookings_inbox_relay_delay_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sumOf(relayed, 'bookings_inbox_oldest_pending_age_seconds')).toBe(0);
    await relay.stop();
  });

  it('counts each start, query and relayed signal it sends to Temporal, the calls Temporal Cloud bills as actions', async () => {
    const counted = createApiMetrics({ db: harness.db });
    const temporal = new Client({
      connection: harness.temporal.connection,
      namespace: harness.temporal.options.namespace,
      interceptors: { workflow: [billableCallsInterceptor(counted)] },
    });
    const countingApp = harness.appWith({ temporal, metrics: counted });
    const calls = async (call: string, outcome = 'ok') => {
      const response = await countingApp.request('/metrics', {
        headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
      });
      return sumOf(parsePrometheusText(await response.text()), 'temporal_client_calls_total', { call, outcome });
    };
    const bookingId = `metrics-calls-${randomUUID()}`;
    const created = await countingApp.request('/v1/bookings', {
      method: 'POST',
      headers: authJson(),
      body: JSON.stringify(bookingBody(bookingId)),
    });
    expect(created.status).toBe(201);
    const starts = (await calls('start')) + (await calls('update_with_start'));
    expect(starts).toBe(1);
    expect(await calls('query')).toBe(0);

    expect((await countingApp.request(`/v1/bookings/${bookingId}`, { headers: authJson() })).status).toBe(200);
    expect((await countingApp.request(`/v1/bookings/${bookingId}`, { headers: authJson() })).status).toBe(200);
    expect(await calls('query')).toBe(2);

    // The status route reads the workflow's search attributes by describe: no query, no action.
    const status = await countingApp.request(`/v1/bookings/${bookingId}/status`, { headers: authJson() });
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({
      bookingId,
      workflowId: `booking-${bookingId}`,
      workflowStatus: 'running',
      hold: { status: expect.any(String), releaseAt: null, nextAuthorizationAt: null },
      payment: null,
    });
    const unknown = await countingApp.request(`/v1/bookings/${bookingId}-none/status`, { headers: authJson() });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('booking_not_found');
    expect(await calls('query')).toBe(2);

    const event = paymentIntentEvent(`evt_${randomUUID().replace(/-/g, '')}`, bookingId);
    expect((await deliverWebhook(event)).status).toBe(200);
    harness.startRelay({ temporal, metrics: counted });
    await waitFor(async () => (await calls('signal')) >= 1, { description: 'the relayed event counted as a signal' });
    expect(await calls('signal')).toBe(1);
  });

  it('logs one JSON line per request with the booking and workflow ids, and never the body', async () => {
    const bookingId = `metrics-${randomUUID()}`;
    logLines.length = 0;
    const body = bookingBody(bookingId);
    expect(
      (await app.request('/v1/bookings', { method: 'POST', headers: authJson(), body: JSON.stringify(body) })).status,
    ).toBe(201);
    expect((await app.request(`/v1/bookings/${bookingId}`, { headers: authJson() })).status).toBe(200);
    expect((await app.request('/healthz')).status).toBe(200);

    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'api',
        message: 'request',
        method: 'POST',
        route: '/v1/bookings',
        status: 201,
        bookingId,
        workflowId: `booking-${bookingId}`,
      }),
      expect.objectContaining({
        message: 'request',
        method: 'GET',
        route: '/v1/bookings/:bookingId',
        status: 200,
        bookingId,
        workflowId: `booking-${bookingId}`,
      }),
    ]);
    expect(lines.every((line) => typeof line.requestId === 'string' && typeof line.durationMs === 'number')).toBe(true);
    const text = logLines.join('\n');
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('Ada Lovelace');
  });
});
