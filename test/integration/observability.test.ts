/**
 * Metrics, logs and traces of the whole system on real parts (harness/system-under-test.ts):
 * the worker's Prometheus endpoint (the SDK's runtime metrics and the business counters), the API's
 * `/metrics`, one OpenTelemetry trace from the API request through the workflow and its activities
 * to the Stripe HTTP call, and JSON log lines that carry booking ids and nothing sensitive.
 * The worker runtime, the tracer and the log capture are installed once for this file's process.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView, PaymentView } from '../../api/booking/schemas.js';
import { createJsonLogger } from '../../telemetry/logger.js';
import { startTracing, type Tracing } from '../../telemetry/tracing.js';
import { createJsonRuntimeLogger } from '../../worker/json-logger.js';
import { installWorkerRuntime } from '../../worker/runtime.js';
import { bookingWorkflowId, type HoldStatus, type PaymentStatus } from '../../workflows/booking/contract.js';
import { getFreePort } from '../../harness/free-port.js';
import { scrape, sumOf, type PrometheusSample } from '../../harness/prometheus-text.js';
import { findSensitiveData } from '../../harness/sensitive-data.js';
import {
  SYSTEM_SECRETS,
  newBooking,
  startSystemUnderTest,
  waitForBooking as waitForBookingView,
  type SystemUnderTest,
} from '../../harness/system-under-test.js';
import { waitFor } from '../../harness/wait-for.js';

const spans = new InMemorySpanExporter();
const workerLogLines: string[] = [];
const apiLogLines: string[] = [];
let tracing: Tracing;
let system: SystemUnderTest;
let workerMetricsUrl: string;

beforeAll(async () => {
  tracing = startTracing(
    {},
    { serviceName: 'booking-payments-test', spanProcessors: [new SimpleSpanProcessor(spans)] },
  )!;
  const metricsPort = await getFreePort();
  workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  installWorkerRuntime({
    metricsAddress: `127.0.0.1:${metricsPort}`,
    logger: createJsonRuntimeLogger('INFO', (line) => workerLogLines.push(line)),
  });
  system = await startSystemUnderTest({
    tracing,
    apiLogger: createJsonLogger('api', (line) => apiLogLines.push(line)),
    emulator: { achDisputeDelaySeconds: 86_400 },
  });
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await tracing?.shutdown();
});

const waitForBooking = (bookingId: string, accept: (booking: BookingView) => boolean, description: string) =>
  waitForBookingView(system, bookingId, accept, description, { timeoutMs: 60_000, intervalMs: 250 });

const waitForHold = (bookingId: string, status: HoldStatus) =>
  waitForBooking(bookingId, (view) => view.hold?.status === status, `hold ${status}`);

const waitForPayment = async (bookingId: string, status: PaymentStatus) =>
  (await waitForBooking(bookingId, (view) => view.payment?.status === status, `payment ${status}`)) as BookingView & {
    payment: PaymentView;
  };

async function waitForWorkflowEnd(bookingId: string) {
  const handle = system.client.workflow.getHandle(bookingWorkflowId(bookingId));
  await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED', {
    timeoutMs: 60_000,
    intervalMs: 250,
    description: `workflow of ${bookingId} completed`,
  });
}

/** A booking whose hold is released a few seconds after it is placed, so its workflow completes. */
const shortBooking = (overrides: Record<string, unknown> = {}) =>
  newBooking({ endsAt: new Date(Date.now() + 3_000).toISOString(), ...overrides });

/** A booking that also pays $125 from a saved-in-test bank account token. */
const bankBooking = (paymentMethod: string) =>
  newBooking({
    payment: {
      amount: 12_500,
      method: 'us_bank_account',
      paymentMethod,
      verification: 'automatic',
      mandate: {
        ipAddress: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (integration tests)',
        acceptedAt: new Date().toISOString(),
      },
    },
  });

const counterDelta = (
  after: PrometheusSample[],
  before: PrometheusSample[],
  name: string,
  labels: Record<string, string>,
) => sumOf(after, name, labels) - sumOf(before, name, labels);

describe('metrics, logs and traces', () => {
  it('exports the SDK runtime metrics and counts each hold outcome once on the worker endpoint', async () => {
    const before = await scrape(workerMetricsUrl);

    const released = shortBooking();
    expect((await system.api('POST', '/v1/bookings', released)).status).toBe(201);
    await waitForHold(released.bookingId, 'released');
    await waitForWorkflowEnd(released.bookingId);

    const declined = newBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    expect((await system.api('POST', '/v1/bookings', declined)).status).toBe(201);
    await waitForHold(declined.bookingId, 'declined');
    expect((await system.api('POST', `/v1/bookings/${declined.bookingId}/cancel`, {})).status).toBe(200);

    // Cancelling the declined booking cancels its PaymentIntent too, which the booking reports as released.
    await waitFor(
      () => system.callbacks.some((c) => c.bookingId === declined.bookingId && c.type === 'hold.released'),
      { description: 'the declined booking released' },
    );
    const after = await scrape(workerMetricsUrl);
    const holds = (outcome: string) => counterDelta(after, before, 'bookings_holds_total', { outcome });
    expect({ placed: holds('placed'), released: holds('released'), declined: holds('declined') }).toEqual({
      placed: 1,
      released: 2,
      declined: 1,
    });
    // The SDK counts a completed workflow as its last task completes, around when Temporal reports it.
    const runtime = await waitFor(
      async () => {
        const samples = await scrape(workerMetricsUrl);
        return sumOf(samples, 'temporal_workflow_completed', { workflow_type: 'bookingWorkflow' }) >= 1
          ? samples
          : false;
      },
      { description: 'temporal_workflow_completed for a booking' },
    );
    expect(
      sumOf(runtime, 'temporal_activity_execution_latency_count', { activity_type: 'placeHold' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sumOf(runtime, 'temporal_activity_execution_failed', { activity_type: 'placeHold' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(sumOf(runtime, 'temporal_workflow_task_execution_latency_count')).toBeGreaterThan(0);
  });

  it('counts bank debits that succeed, are disputed or fail, once each', async () => {
    const before = await scrape(workerMetricsUrl);

    const disputed = bankBooking('pm_usBankAccount_dispute');
    const failed = bankBooking('pm_usBankAccount_insufficientFunds');
    for (const booking of [disputed, failed])
      expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    for (const booking of [disputed, failed]) {
      const processing = await waitForPayment(booking.bookingId, 'processing');
      await system.emulatorControl('POST', `/_emulator/payment_intents/${processing.payment.paymentIntentId}/settle`);
    }
    await waitForPayment(disputed.bookingId, 'succeeded');
    await waitForBooking(
      failed.bookingId,
      (view) => view.payment?.failureCode === 'insufficient_funds',
      'debit failed',
    );
    await system.emulatorControl('POST', '/_emulator/clock/advance', { seconds: 2 * 86_400 });
    await waitForPayment(disputed.bookingId, 'disputed');

    for (const [booking, type] of [
      [disputed, 'payment.disputed'],
      [failed, 'payment.failed'],
    ] as const) {
      await waitFor(() => system.callbacks.some((c) => c.bookingId === booking.bookingId && c.type === type), {
        description: `${type} notified`,
      });
    }
    const after = await scrape(workerMetricsUrl);
    const debits = (outcome: string) => counterDelta(after, before, 'bookings_debits_total', { outcome });
    expect({ succeeded: debits('succeeded'), failed: debits('failed'), disputed: debits('disputed') }).toEqual({
      succeeded: 1,
      failed: 1,
      disputed: 1,
    });
    for (const booking of [disputed, failed]) {
      expect((await system.api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {})).status).toBe(200);
    }
  });

  it('serves the API metrics without the API token: requests by route, webhooks, inbox depth and relay lag', async () => {
    const response = await fetch(`${system.apiUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toMatch(/route="\/v1\/bookings\/it-/);
    const samples = await scrape(`${system.apiUrl}/metrics`);

    expect(
      sumOf(samples, 'http_requests_total', { method: 'POST', route: '/v1/bookings', status: '201' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sumOf(samples, 'http_request_duration_seconds_count', { method: 'GET', route: '/v1/bookings/:bookingId' }),
    ).toBeGreaterThan(0);
    expect(
      sumOf(samples, 'http_requests_total', { method: 'POST', route: '/v1/webhooks/stripe', status: '200' }),
    ).toBeGreaterThan(0);
    expect(sumOf(samples, 'bookings_webhooks_received_total', { outcome: 'stored' })).toBeGreaterThan(0);
    expect(sumOf(samples, 'bookings_inbox_events', { status: 'relayed' })).toBeGreaterThan(0);
    for (const status of ['pending', 'ignored', 'closed', 'handled']) {
      expect(samples.some((sample) => sample.name === 'bookings_inbox_events' && sample.labels.status === status)).toBe(
        true,
      );
    }
    expect(samples.some((sample) => sample.name === 'bookings_inbox_oldest_pending_age_seconds')).toBe(true);
    expect(sumOf(samples, 'bookings_inbox_relay_outcomes_total', { outcome: 'relayed' })).toBeGreaterThan(0);
    expect(sumOf(samples, 'bookings_inbox_relay_delay_seconds_count')).toBeGreaterThan(0);
  });

  it('follows one trace from the API request through the workflow and its activities to the Stripe call', async () => {
    const booking = shortBooking();
    const workflowId = bookingWorkflowId(booking.bookingId);
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    await waitForHold(booking.bookingId, 'released');
    await waitForWorkflowEnd(booking.bookingId);

    // The workflow's own spans leave the sandbox through a sink when its last activation completes.
    const start = await waitFor(
      () =>
        spans
          .getFinishedSpans()
          .find(
            (span) =>
              span.name === 'StartWorkflow:bookingWorkflow' && span.attributes.temporalWorkflowId === workflowId,
          ),
      { description: 'StartWorkflow span' },
    );
    const traceId = start.spanContext().traceId;
    const inTrace = () => spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const named = (name: string, parent?: ReadableSpan) =>
      inTrace().find((span) => span.name === name && (!parent || span.parentSpanId === parent.spanContext().spanId));

    const run = await waitFor(() => named('RunWorkflow:bookingWorkflow', start), { description: 'RunWorkflow span' });
    const request = inTrace().find((span) => span.spanContext().spanId === start.parentSpanId);
    expect(request).toMatchObject({ kind: SpanKind.SERVER, name: 'POST /v1/bookings' });
    expect(request?.attributes['http.route']).toBe('/v1/bookings');

    const scheduled = named('StartActivity:placeHold', run);
    expect(scheduled, 'StartActivity:placeHold under RunWorkflow').toBeDefined();
    const activity = named('RunActivity:placeHold', scheduled);
    expect(activity, 'RunActivity:placeHold under StartActivity').toBeDefined();
    expect(activity?.attributes.temporalWorkflowId).toBe(workflowId);

    // The placement ensures the Stripe Customer, then creates and confirms the PaymentIntent.
    const urlOf = (span: ReadableSpan) => String(span.attributes['http.url'] ?? span.attributes['url.full']);
    const stripeCall = inTrace().find(
      (span) =>
        span.kind === SpanKind.CLIENT &&
        span.parentSpanId === activity?.spanContext().spanId &&
        /\/v1\/payment_intents$/.test(urlOf(span)),
    );
    expect(stripeCall, 'Stripe HTTP call under RunActivity:placeHold').toBeDefined();
    expect(stripeCall?.attributes['http.method'] ?? stripeCall?.attributes['http.request.method']).toBe('POST');

    // The release is in the same trace too: the workflow's later activities run under its RunWorkflow span.
    expect(named('StartActivity:releaseHold', run)).toBeDefined();
  });

  it('writes JSON log lines with booking and workflow ids, and no emails, names, card numbers or secrets', async () => {
    const booking = newBooking({ holdPaymentMethod: 'pm_card_chargeDeclined' });
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    await waitForHold(booking.bookingId, 'declined');
    expect((await system.api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {})).status).toBe(200);
    await waitFor(
      () => workerLogLines.some((line) => line.includes(booking.bookingId) && line.includes('hold.declined')),
      {
        description: 'the declined notification logged',
      },
    );

    const worker = workerLogLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const api = apiLogLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of [...worker, ...api]) {
      expect(line).toMatchObject({ time: expect.any(String), level: expect.any(String), message: expect.any(String) });
    }
    // Every worker line about a booking workflow names the booking; the declined attempt is one of them.
    const aboutBookings = worker.filter((line) => line.workflowType === 'bookingWorkflow');
    expect(aboutBookings.length).toBeGreaterThan(0);
    for (const line of aboutBookings) expect(line.workflowId).toBe(bookingWorkflowId(String(line.bookingId)));
    expect(worker).toContainEqual(
      expect.objectContaining({
        message: 'booking notification recorded',
        notificationType: 'hold.declined',
        bookingId: booking.bookingId,
        workflowId: bookingWorkflowId(booking.bookingId),
        activityType: 'notifyBookingService',
      }),
    );
    expect(api).toContainEqual(
      expect.objectContaining({
        message: 'request',
        route: '/v1/bookings/:bookingId/cancel',
        bookingId: booking.bookingId,
      }),
    );
    expect(api).toContainEqual(
      expect.objectContaining({ message: 'request', route: '/v1/webhooks/stripe', bookingId: booking.bookingId }),
    );
    // Each webhook's receipt names its booking and workflow (whether the relay then signals it depends on
    // whether the booking's activity learned its status first: see inbox/relay-pass.ts).
    expect(api).toContainEqual(
      expect.objectContaining({
        message: 'stripe event received',
        bookingId: booking.bookingId,
        workflowId: bookingWorkflowId(booking.bookingId),
      }),
    );

    const personal = [booking.customer.email, booking.customer.name, '000555555559', '000222222227'];
    expect(findSensitiveData([...workerLogLines, ...apiLogLines], [...SYSTEM_SECRETS, ...personal])).toEqual([]);
  });
});
