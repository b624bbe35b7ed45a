/**
 * Webhook ingest: signed Stripe events POSTed to /v1/webhooks/stripe as fast as `concurrency`
 * senders can, each verified and stored by the API; then how long the inbox relay took to signal
 * them to their bookings (relay lag, from the inbox's received_at to relayed_at).
 */
import { randomUUID } from 'node:crypto';
import { stripeSignatureHeader } from '../emulator/webhooks/webhook-signature.js';
import { waitFor } from '../harness/wait-for.js';
import type { BenchTarget } from './bench-target.js';
import { summarizeLatencies, type LatencySummary } from './percentiles.js';

/** Webhook ingest figures. */
export interface IngestResult {
  events: number;
  concurrency: number;
  acceptedPerSecond: number;
  rejected: number;
  latency: LatencySummary;
  /** received_at → relayed_at of the same events (the relay works while they arrive). */
  relayLag: LatencySummary;
  /** From the first POST until the last event was relayed. */
  drainedAfterMs: number;
}

/**
 * An event about a PaymentIntent the booking does not follow, as Stripe sends for another attempt:
 * stored, relayed as a signal, and dropped by the workflow without a Stripe call.
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
        metadata: { booking_id: bookingId },
      },
    },
  };
}

/** Sends `events` signed events spread over `bookingIds` with `concurrency` senders. */
export async function measureWebhookIngest(
  target: BenchTarget,
  options: { events: number; concurrency: number; bookingIds: string[] },
): Promise<IngestResult> {
  const latencies: number[] = [];
  const ids: string[] = [];
  let rejected = 0;
  let next = 0;
  const secret = target.webhookSecret.split(',')[0];
  const began = performance.now();
  const sender = async () => {
    while (next < options.events) {
      const index = next++;
      const payload = JSON.stringify(strayEvent(options.bookingIds[index % options.bookingIds.length]));
      const t0 = performance.now();
      const response = await fetch(`${target.apiUrl}/v1/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': stripeSignatureHeader(payload, secret, Math.floor(Date.now() / 1000)),
        },
        body: payload,
      });
      await response.arrayBuffer();
      if (response.status === 200) {
        latencies.push(performance.now() - t0);
        ids.push((JSON.parse(payload) as { id: string }).id);
      } else rejected += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, sender));
  const elapsed = performance.now() - began;
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
  const drainedAfterMs = performance.now() - began;
  const { rows } = await target.db.query<{ lag_ms: number }>(
    `SELECT extract(epoch FROM (relayed_at - received_at)) * 1000 AS lag_ms FROM stripe_events WHERE id = ANY($1) AND relayed_at IS NOT NULL`,
    [ids],
  );
  return {
    events: options.events,
    concurrency: options.concurrency,
    acceptedPerSecond: latencies.length / (elapsed / 1000),
    rejected,
    latency: summarizeLatencies(latencies),
    relayLag: summarizeLatencies(rows.map((row) => Number(row.lag_ms))),
    drainedAfterMs,
  };
}
