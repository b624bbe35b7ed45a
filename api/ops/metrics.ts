/**
 * The API's Prometheus metrics, on a prom-client registry of its own: HTTP requests by route
 * pattern, Stripe webhooks by outcome, the inbox relay's outcomes and delivery lag, and the
 * inbox's depth by status and the age of its oldest pending event, read from Postgres at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ACCEPTED_EVENT_OUTCOMES } from '../../inbox/accept-webhook-event.js';
import { INBOX_STATUSES, countEventsByStatus, inboxDepth } from '../../inbox/inbox-store.js';
import type { Queryable } from '../../db/transaction.js';
import type { RelayMetrics, RelayPassResult } from '../../inbox/relay-pass.js';
import { describeError, silentLogger, type Logger } from '../../telemetry/logger.js';
import type { TemporalCallCounter } from '../temporal/billable-calls.js';

/** What became of a webhook request: the inbox's outcomes, or refused before it. */
export const WEBHOOK_OUTCOMES = [...ACCEPTED_EVENT_OUTCOMES, 'invalid_signature', 'failed'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** What the relay recorded for one event. */
export type RelayOutcome = keyof RelayPassResult;

/** One HTTP request, as measured. */
export interface MeasuredRequest {
  method: string;
  /** The matched route pattern (`/v1/bookings/:bookingId`), never the raw path. */
  route: string;
  status: number;
  seconds: number;
}

/** The API's instruments. */
export interface ApiMetrics extends RelayMetrics, TemporalCallCounter {
  readonly registry: Registry;
  observeRequest(request: MeasuredRequest): void;
  countWebhook(outcome: WebhookOutcome): void;
}

/** What {@link createApiMetrics} reads and where it reports trouble. */
export interface ApiMetricsOptions {
  /** Where the inbox gauges are read from at scrape time. */
  db: Queryable;
  logger?: Logger;
  /** Also export prom-client's process metrics (CPU, memory, event loop lag, GC): once per process, from `main.ts`. */
  processMetrics?: boolean;
}

const REQUEST_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RELAY_DELAY_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Builds the registry and its instruments. */
export function createApiMetrics({ db, logger = silentLogger, processMetrics = false }: ApiMetricsOptions): ApiMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_SECONDS_BUCKETS,
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'bookings_webhooks_received_total',
    help: 'Stripe webhook requests by outcome: stored (pending relay), duplicate, ignored, handled, invalid_signature, failed',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const relayOutcomes = new Counter({
    name: 'bookings_inbox_relay_outcomes_total',
    help: 'Inbox relay attempts by outcome: relayed, handled (repeats a status the booking already learned), retried, closed, ignored',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const relayDelay = new Histogram({
    name: 'bookings_inbox_relay_delay_seconds',
    help: 'Time from an event being stored in the inbox to it reaching its workflow as a signal',
    buckets: RELAY_DELAY_SECONDS_BUCKETS,
    registers: [registry],
  });
  const temporalCalls = new Counter({
    name: 'temporal_client_calls_total',
    help: 'Calls to Temporal that Temporal Cloud bills as actions (start, signal, query, update), by call and outcome',
    labelNames: ['call', 'outcome'] as const,
    registers: [registry],
  });
  const relayPassFailures = new Counter({
    name: 'bookings_inbox_relay_pass_failures_total',
    help: 'Relay passes that failed as a whole (the database did not answer)',
    registers: [registry],
  });
  new Gauge({
    name: 'bookings_inbox_events',
    help: 'Stripe events in the inbox by status (read from Postgres at scrape time)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await countEventsByStatus(db);
        for (const status of INBOX_STATUSES) this.set({ status }, counts[status]);
      } catch (error) {
        // No value rather than a stale one: the series disappear and an absent() alert can fire.
        this.reset();
        logger.warn('inbox metrics unavailable', { error: describeError(error) });
      }
    },
  });
  new Gauge({
    name: 'bookings_inbox_oldest_pending_age_seconds',
    help: 'Age of the oldest pending inbox event, 0 when none waits (read from Postgres at scrape time)',
    registers: [registry],
    async collect() {
      try {
        const { oldestPendingReceivedAt } = await inboxDepth(db);
        this.set(oldestPendingReceivedAt ? Math.max(0, (Date.now() - oldestPendingReceivedAt.getTime()) / 1000) : 0);
      } catch (error) {
        this.reset();
        logger.warn('inbox metrics unavailable', { error: describeError(error) });
      }
    },
  });

  return {
    registry,
    observeRequest({ method, route, status, seconds }) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      requestSeconds.observe(labels, seconds);
    },
    countWebhook: (outcome) => webhooks.inc({ outcome }),
    countRelayOutcome(outcome, event) {
      relayOutcomes.inc({ outcome });
      if (outcome === 'relayed') relayDelay.observe(Math.max(0, (Date.now() - event.receivedAt.getTime()) / 1000));
    },
    countRelayPassFailure: () => relayPassFailures.inc(),
    countTemporalCall: (call, outcome) => temporalCalls.inc({ call, outcome }),
  };
}
