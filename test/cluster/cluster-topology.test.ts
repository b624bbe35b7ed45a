/**
 * The production topology on this machine (issue 14), started once for this file: Temporal's
 * history, matching, frontend and worker services as separate processes on PostgreSQL, two
 * workers, two APIs (both running the inbox relay) and the Stripe emulator, whose webhooks go to
 * the second API. The blocks run in order, each taking a process away under load and then
 * accounting for every booking and webhook from Temporal's histories, the inbox and the emulator.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../harness/cluster.js';
import { scrape, sumOf } from '../../harness/prometheus-text.js';
import { newBooking } from '../../harness/system-under-test.js';
import { waitFor } from '../../harness/wait-for.js';
import { bookingWorkflowId } from '../../workflows/booking/contract.js';
import type { BookingView } from '../../api/booking/schemas.js';

let cluster: TestCluster;
/** Bookings are created through the first API; Stripe's webhooks arrive through the second. */
const CREATING_API = 0;
const WEBHOOK_API = 1;

beforeAll(async () => {
  cluster = await startTestCluster({ workers: 2, apis: 2, webhookApi: WEBHOOK_API });
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A card booking whose hold is released about 4 s after it is created (end in 3 s, grace 1 s). */
function shortBooking() {
  return newBooking({ bookingId: `cluster-${randomUUID()}`, endsAt: new Date(Date.now() + 3_000).toISOString() });
}

/** Creates `count` bookings through API `index` at once; each must answer 201. */
async function createBookings(count: number, index = CREATING_API): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const booking = shortBooking();
      const created = await cluster.api(index, 'POST', '/v1/bookings', booking);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return booking.bookingId;
    }),
  );
}

/** Reads each booking through API `index` until every hold has `status`. */
async function waitForHolds(bookingIds: string[], status: string, index: number, timeoutMs = 90_000) {
  const waiting = new Set(bookingIds);
  await waitFor(
    async () => {
      for (const bookingId of [...waiting]) {
        const { body } = await cluster.api<BookingView>(index, 'GET', `/v1/bookings/${bookingId}`);
        if (body.hold?.status === status) waiting.delete(bookingId);
      }
      return waiting.size === 0;
    },
    { timeoutMs, intervalMs: 300, description: `${waiting.size} of ${bookingIds.length} holds ${status}` },
  );
}

/** What Stripe, the inbox and Temporal hold for a set of bookings. */
interface Accounting {
  /** PaymentIntents per booking, as the emulator lists them. */
  paymentIntents: Record<string, number>;
  /** Events Stripe sent for the bookings. */
  events: number;
  /** Events not in the inbox, or still pending there. */
  unsettled: string[];
  /** Events relayed, with how often each was signalled (WorkflowExecutionSignaled in the histories). */
  signalsPerRelayedEvent: Map<string, number>;
  /** Event ids signalled more than once to a booking. */
  signalledTwice: string[];
}

async function accountFor(bookingIds: string[]): Promise<Accounting> {
  const ours = new Set(bookingIds);
  const { data: intents } = await cluster.emulatorControl<{
    data: Array<{ id: string; metadata: Record<string, string> }>;
  }>('GET', '/_emulator/payment_intents');
  const paymentIntents = Object.fromEntries(bookingIds.map((id) => [id, 0]));
  for (const intent of intents)
    if (ours.has(intent.metadata.booking_id)) paymentIntents[intent.metadata.booking_id] += 1;

  const events = (await cluster.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).filter(
    (event) => ours.has((event.data.object as { metadata?: Record<string, string> }).metadata?.booking_id ?? ''),
  );
  const inbox = await cluster.db.query<{ id: string; status: string }>(
    'SELECT id, status FROM stripe_events WHERE id = ANY($1)',
    [events.map((event) => event.id)],
  );
  const status = new Map(inbox.rows.map((row) => [row.id, row.status]));
  const unsettled = events
    .filter((event) => (status.get(event.id) ?? 'pending') === 'pending')
    .map((event) => `${event.type} ${event.id} ${status.get(event.id) ?? 'not in the inbox'}`);

  const signalled = new Map<string, number>();
  const signalledTwice: string[] = [];
  for (const bookingId of bookingIds) {
    for (const eventId of await cluster.signalledEventIds(bookingWorkflowId(bookingId))) {
      signalled.set(eventId, (signalled.get(eventId) ?? 0) + 1);
      if (signalled.get(eventId) === 2) signalledTwice.push(eventId);
    }
  }
  const signalsPerRelayedEvent = new Map(
    inbox.rows.filter((row) => row.status === 'relayed').map((row) => [row.id, signalled.get(row.id) ?? 0]),
  );
  return { paymentIntents, events: events.length, unsettled, signalsPerRelayedEvent, signalledTwice };
}

/** Asserts one hold per booking, every event settled in the inbox, every relayed one signalled exactly once. */
function expectAccountedFor(accounting: Accounting, bookings: number) {
  expect(Object.values(accounting.paymentIntents)).toEqual(Array.from({ length: bookings }, () => 1));
  // A card hold placed and released: at least authorised and canceled.
  expect(accounting.events).toBeGreaterThanOrEqual(2 * bookings);
  expect(accounting.unsettled).toEqual([]);
  expect(accounting.signalledTwice).toEqual([]);
  expect([...accounting.signalsPerRelayedEvent].filter(([, count]) => count !== 1)).toEqual([]);
  expect(accounting.signalsPerRelayedEvent.size).toBeGreaterThan(0);
}

const metricsOf = async (index: number) => scrape(`${cluster.apis[index].url}/metrics`);

describe('the cluster topology', () => {
  it('takes bookings created through one API to held and released while their webhooks arrive through the other; two relays signal each event once', async () => {
    const before = await Promise.all([metricsOf(0), metricsOf(1)]);
    const bookingIds = await createBookings(6);
    await waitForHolds(bookingIds, 'released', WEBHOOK_API);

    const accounting = await accountFor(bookingIds);
    expectAccountedFor(accounting, bookingIds.length);
    const after = await Promise.all([metricsOf(0), metricsOf(1)]);
    const delta = (index: number, name: string, labels: Record<string, string> = {}) =>
      sumOf(after[index], name, labels) - sumOf(before[index], name, labels);
    // Every webhook reached the second API; the first received none.
    expect(delta(WEBHOOK_API, 'bookings_webhooks_received_total', { outcome: 'stored' })).toBeGreaterThanOrEqual(
      accounting.events,
    );
    expect(delta(CREATING_API, 'bookings_webhooks_received_total')).toBe(0);
    // The two relays together signalled as many events as the histories show, none twice.
    const relayed =
      delta(0, 'bookings_inbox_relay_outcomes_total', { outcome: 'relayed' }) +
      delta(1, 'bookings_inbox_relay_outcomes_total', { outcome: 'relayed' });
    expect(relayed).toBe(accounting.signalsPerRelayedEvent.size);
  });
});
