/**
 * Webhook ingest: signed Stripe events POSTed as fast as `concurrency` senders can, by one load
 * generator, to three receivers in turn: the ingest floor (a bare receiver, bench/ingest-floor.ts),
 * the API's /v1/webhooks/stripe with its inbox relay paused, and with it running; then how long the
 * relay took to signal them to their bookings (relay lag, from the inbox's received_at to relayed_at).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { stripeSignatureHeader } from '../emulator/webhooks/webhook-signature.js';
import { waitFor } from '../harness/wait-for.js';
import type { BenchTarget, RelayControl } from './bench-target.js';
import { startIngestFloor } from './ingest-floor.js';
import { summarizeLatencies, type LatencySummary } from './percentiles.js';

/** How fast a receiver took one burst of signed events, and how long each POST took. */
export interface IngestRate {
  events: number;
  concurrency: number;
  acceptedPerSecond: number;
  rejected: number;
  latency: LatencySummary;
}

/** Webhook ingest figures of the API's receiver with its relay running. */
export interface IngestResult extends IngestRate {
  /** received_at → relayed_at of the same events (the relay works while they arrive). */
  relayLag: LatencySummary;
  /**
   * relayed_at less the time the event was due (`next_attempt_at`: its receipt, or the end of a deliberate
   * wait such as RELAY_UNLEARNED_GRACE_MS): whether the relay keeps up. Absent in reports made before it was measured.
   */
  relayLagOnceDue?: LatencySummary;
  /** From the first POST until the last event was relayed. */
  drainedAfterMs: number;
  /**
   * How the relay settled the burst's events: signalled (`relayed`), or recorded unsignalled (`handled`: their
   * booking creates no PaymentIntent). Absent in reports made before it was counted.
   */
  outcomes?: Record<string, number>;
}

/** The API's receiver with its relay paused, and how long the resumed relay took to empty the inbox of that burst. */
export interface PausedIngestResult extends IngestRate {
  /** From the relay's resumption until every event of the burst was relayed (nothing else arriving). */
  drainAfterResumeMs: number;
}

/** The three bursts of one run: the floor receiver, the API with its relay paused, the API with it running. */
export interface IngestComparison {
  floor: IngestRate;
  /** Absent (with why) where the bench cannot pause the stack's relay. */
  relayPaused: PausedIngestResult | { unmeasured: string };
  relayRunning: IngestResult;
}

/**
 * An event about a PaymentIntent the booking neither learned nor created, made just now (as Stripe would
 * send for one another system made with the booking's metadata): stored, then recorded as handled while its
 * booking creates no PaymentIntent, or else relayed as a signal and dropped by the workflow without a Stripe call.
 */
function strayEvent(bookingId: string) {
  return {
    id: `evt_bench_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    type: 'payment_intent.amount_capturable_updated',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    api_version: '2025-09-30.clover',
    data: {
      object: {
        id: `pi_bench_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        object: 'payment_intent',
        status: 'requires_capture',
        amount: 100,
        currency: 'usd',
        created: Math.floor(Date.now() / 1000),
        metadata: { booking_id: bookingId },
      },
    },
  };
}

/**
 * POSTs one signed event and answers the status once the whole answer was read. Plain node:http on a
 * kept-alive agent: fetch's streams cost the load generator several times the receiver's own CPU.
 */
function postSigned(agent: Agent, url: string, payload: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'stripe-signature': signature,
        },
      },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** The event ids a burst got a 200 for, with the burst's rate. */
interface Burst {
  rate: IngestRate;
  acceptedIds: string[];
  /** performance.now() when the first POST went out. */
  began: number;
}

/**
 * The load generator: POSTs `events` signed events spread over `bookingIds` to `url` from
 * `concurrency` senders, each sending its next event once the last one was answered.
 */
export async function sendSignedEvents(
  url: string,
  webhookSecret: string,
  options: { events: number; concurrency: number; bookingIds: string[] },
): Promise<Burst> {
  const latencies: number[] = [];
  const acceptedIds: string[] = [];
  let rejected = 0;
  let next = 0;
  const secret = webhookSecret.split(',')[0];
  // One kept-alive connection per sender, as a webhook sender's connection pool would hold.
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const began = performance.now();
  const sender = async () => {
    while (next < options.events) {
      const index = next++;
      const event = strayEvent(options.bookingIds[index % options.bookingIds.length]);
      const payload = JSON.stringify(event);
      const t0 = performance.now();
      const status = await postSigned(
        agent,
        url,
        payload,
        stripeSignatureHeader(payload, secret, Math.floor(Date.now() / 1000)),
      );
      if (status === 200) {
        latencies.push(performance.now() - t0);
        acceptedIds.push(event.id);
      } else rejected += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, sender)).finally(() => agent.destroy());
  const elapsed = performance.now() - began;
  return {
    rate: {
      events: options.events,
      concurrency: options.concurrency,
      acceptedPerSecond: latencies.length / (elapsed / 1000),
      rejected,
      latency: summarizeLatencies(latencies),
    },
    acceptedIds,
    began,
  };
}

/** Waits until none of `ids` is pending in the inbox any more. */
async function waitUntilRelayed(target: BenchTarget, ids: string[]): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await target.db.query<{ pending: string }>(
        `SELECT count(*) AS pending FROM stripe_events WHERE id = ANY($1) AND status = 'pending'`,
        [ids],
      );
      return Number(rows[0].pending) === 0;
    },
    { timeoutMs: 300_000, intervalMs: 250, description: 'every ingested event relayed' },
  );
}

/** Sends the burst to the API's receiver with its relay running; answers the rate and the relay's lag. */
export async function measureWebhookIngest(
  target: BenchTarget,
  options: { events: number; concurrency: number; bookingIds: string[] },
): Promise<IngestResult> {
  const { rate, acceptedIds, began } = await sendSignedEvents(
    `${target.apiUrl}/v1/webhooks/stripe`,
    target.webhookSecret,
    options,
  );
  await waitUntilRelayed(target, acceptedIds);
  const drainedAfterMs = performance.now() - began;
  const { rows } = await target.db.query<{ lag_ms: number; due_lag_ms: number }>(
    `SELECT extract(epoch FROM (relayed_at - received_at)) * 1000 AS lag_ms,
            extract(epoch FROM (relayed_at - greatest(received_at, next_attempt_at))) * 1000 AS due_lag_ms
       FROM stripe_events WHERE id = ANY($1) AND relayed_at IS NOT NULL`,
    [acceptedIds],
  );
  const settled = await target.db.query<{ status: string; events: string }>(
    'SELECT status, count(*) AS events FROM stripe_events WHERE id = ANY($1) GROUP BY status ORDER BY status',
    [acceptedIds],
  );
  return {
    ...rate,
    outcomes: Object.fromEntries(settled.rows.map((row) => [row.status, Number(row.events)])),
    relayLag: summarizeLatencies(rows.map((row) => Number(row.lag_ms))),
    relayLagOnceDue: summarizeLatencies(rows.map((row) => Math.max(0, Number(row.due_lag_ms)))),
    drainedAfterMs,
  };
}

/**
 * Sends the burst to the API's receiver with its relay paused, then resumes the relay and waits
 * until it has relayed them all; answers the rate and how long that drain took.
 */
export async function measurePausedWebhookIngest(
  target: BenchTarget,
  relay: RelayControl,
  options: { events: number; concurrency: number; bookingIds: string[] },
): Promise<PausedIngestResult> {
  await relay.pause();
  let burst: Burst;
  try {
    burst = await sendSignedEvents(`${target.apiUrl}/v1/webhooks/stripe`, target.webhookSecret, options);
  } finally {
    relay.resume();
  }
  const resumed = performance.now();
  await waitUntilRelayed(target, burst.acceptedIds);
  return { ...burst.rate, drainAfterResumeMs: performance.now() - resumed };
}

/** Sends the burst to the floor receiver (bench/ingest-floor.ts) started on the stack's PostgreSQL. */
export async function measureIngestFloor(
  target: BenchTarget,
  options: { events: number; concurrency: number; bookingIds: string[] },
): Promise<IngestRate> {
  const floor = await startIngestFloor({ databaseUrl: target.databaseUrl, webhookSecret: target.webhookSecret });
  try {
    return (await sendSignedEvents(floor.url, target.webhookSecret, options)).rate;
  } finally {
    await floor.stop();
  }
}
