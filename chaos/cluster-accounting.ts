/**
 * Driving and accounting for the cluster scenarios (chaos/cluster-scenarios.ts): bookings created
 * through one API process of the production topology, and what Stripe (the emulator), the inbox
 * (Postgres) and Temporal (the histories) hold for them afterwards: counts, not sleeps.
 */
import { randomUUID } from 'node:crypto';
import type { TestCluster } from '../harness/cluster.js';
import { newBooking } from '../harness/system-under-test.js';
import { waitFor } from '../harness/wait-for.js';
import { bookingWorkflowId } from '../workflows/booking/contract.js';
import type { BookingView } from '../api/booking/schemas.js';
import type { InvariantReport } from './invariants.js';

/** Bookings are created through the first API; Stripe's webhooks arrive through the second. */
export const CREATING_API = 0;
export const WEBHOOK_API = 1;

/** A card booking whose hold is released about `endsInMs` + 1 s (the cluster's grace) after it is created. */
export function shortBooking(endsInMs = 3_000) {
  return newBooking({ bookingId: `cluster-${randomUUID()}`, endsAt: new Date(Date.now() + endsInMs).toISOString() });
}

/** Creates `count` bookings through API `index` at once; throws unless each answered 201. */
export async function createBookings(
  cluster: TestCluster,
  count: number,
  index = CREATING_API,
  endsInMs?: number,
): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const booking = shortBooking(endsInMs);
      const created = await cluster.api(index, 'POST', '/v1/bookings', booking);
      if (created.status !== 201)
        throw new Error(`creating ${booking.bookingId} answered ${created.status}: ${JSON.stringify(created.body)}`);
      return booking.bookingId;
    }),
  );
}

/**
 * Creates `count` bookings on a card that asks for 3-D Secure through the first API, and has each
 * customer complete it (the emulator's control route): held once the authorization's webhook is signalled.
 */
export async function createAuthenticatedBookings(cluster: TestCluster, count: number): Promise<string[]> {
  const bookingIds = await Promise.all(
    Array.from({ length: count }, async () => {
      const booking = { ...shortBooking(12_000), holdPaymentMethod: 'pm_card_authenticationRequired' };
      const created = await cluster.api(CREATING_API, 'POST', '/v1/bookings', booking);
      if (created.status !== 201)
        throw new Error(`creating ${booking.bookingId} answered ${created.status}: ${JSON.stringify(created.body)}`);
      return booking.bookingId;
    }),
  );
  await waitForHolds(cluster, bookingIds, ['requires_action'], CREATING_API);
  for (const bookingId of bookingIds) {
    const { body } = await cluster.api<BookingView>(CREATING_API, 'GET', `/v1/bookings/${bookingId}`);
    await cluster.emulatorControl('POST', `/_emulator/payment_intents/${body.hold.paymentIntentId}/authenticate`, {
      outcome: 'succeed',
    });
  }
  return bookingIds;
}

/** Reads each booking through API `index` until every hold has one of `statuses`. */
export async function waitForHolds(
  cluster: TestCluster,
  bookingIds: string[],
  statuses: string[],
  index: number,
  timeoutMs = 90_000,
): Promise<void> {
  const waiting = new Set(bookingIds);
  await waitFor(
    async () => {
      for (const bookingId of [...waiting]) {
        const { body } = await cluster.api<BookingView>(index, 'GET', `/v1/bookings/${bookingId}`);
        if (statuses.includes(body.hold?.status)) waiting.delete(bookingId);
      }
      return waiting.size === 0;
    },
    { timeoutMs, intervalMs: 300, description: `${bookingIds.length} holds ${statuses.join(' or ')}` },
  );
}

/**
 * Sends a booking through API `index`, again (same body) while it is refused with a 503 (or, with
 * `anyRefusal`, with any status but 200 and 201) until accepted; throws on another refusal or after 60 s.
 */
export async function createRetrying(
  cluster: TestCluster,
  index: number,
  {
    booking = shortBooking(),
    anyRefusal = false,
  }: { booking?: ReturnType<typeof shortBooking>; anyRefusal?: boolean } = {},
): Promise<string> {
  let refusal: string | undefined;
  await waitFor(
    async () => {
      const created = await cluster.api(index, 'POST', '/v1/bookings', booking);
      const accepted = created.status === 201 || created.status === 200;
      refusal = accepted ? undefined : `${created.status} ${JSON.stringify(created.body)}`;
      return accepted || (created.status !== 503 && !anyRefusal);
    },
    { timeoutMs: 60_000, intervalMs: 500, description: `booking ${booking.bookingId} accepted` },
  );
  if (refusal) throw new Error(`booking ${booking.bookingId} answered ${refusal}`);
  return booking.bookingId;
}

/** What Stripe, the inbox and Temporal hold for a set of bookings. */
export interface Accounting {
  /** PaymentIntents per booking, as the emulator lists them. */
  paymentIntents: Record<string, number>;
  /** Events Stripe sent for the bookings. */
  events: number;
  /** Events not in the inbox, or still pending there. */
  unsettled: string[];
  /** Inbox rows of the events by status (`closed`: its booking had finished when the relay got to it). */
  inboxStatuses: Record<string, number>;
  /** Events relayed, with how often each was signalled (WorkflowExecutionSignaled in the histories). */
  signalsPerRelayedEvent: Map<string, number>;
  /** Event ids signalled more than once to a booking. */
  signalledTwice: string[];
}

/** The Stripe events of these bookings, as the emulator lists them. */
export async function stripeEventsOf(cluster: TestCluster, bookingIds: string[]) {
  const ours = new Set(bookingIds);
  return (await cluster.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).filter((event) =>
    ours.has((event.data.object as { metadata?: Record<string, string> }).metadata?.booking_id ?? ''),
  );
}

/** Inbox rows (id, status) of these event ids. */
export async function inboxRows(cluster: TestCluster, eventIds: string[]) {
  const { rows } = await cluster.db.query<{ id: string; status: string }>(
    'SELECT id, status FROM stripe_events WHERE id = ANY($1)',
    [eventIds],
  );
  return rows;
}

async function accountFor(cluster: TestCluster, bookingIds: string[]): Promise<Accounting> {
  const ours = new Set(bookingIds);
  const { data: intents } = await cluster.emulatorControl<{
    data: Array<{ id: string; metadata: Record<string, string> }>;
  }>('GET', '/_emulator/payment_intents');
  const paymentIntents = Object.fromEntries(bookingIds.map((id) => [id, 0]));
  for (const intent of intents)
    if (ours.has(intent.metadata.booking_id)) paymentIntents[intent.metadata.booking_id] += 1;

  const events = await stripeEventsOf(cluster, bookingIds);
  const inbox = await inboxRows(
    cluster,
    events.map((event) => event.id),
  );
  const status = new Map(inbox.map((row) => [row.id, row.status]));
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
    inbox.filter((row) => row.status === 'relayed').map((row) => [row.id, signalled.get(row.id) ?? 0]),
  );
  const inboxStatuses: Record<string, number> = {};
  for (const row of inbox) inboxStatuses[row.status] = (inboxStatuses[row.status] ?? 0) + 1;
  return { paymentIntents, events: events.length, unsettled, inboxStatuses, signalsPerRelayedEvent, signalledTwice };
}

/**
 * Accounts for the bookings once every Stripe event of theirs is settled in the inbox (a hold's
 * `canceled` webhook may still be on its way when the booking reads released), or after 60 s.
 */
export async function settledAccounting(cluster: TestCluster, bookingIds: string[]): Promise<Accounting> {
  let last: Accounting | undefined;
  try {
    return await waitFor(
      async () => ((last = await accountFor(cluster, bookingIds)).unsettled.length === 0 ? last : false),
      { timeoutMs: 60_000, intervalMs: 500, description: 'every event settled in the inbox' },
    );
  } catch {
    return last ?? accountFor(cluster, bookingIds);
  }
}

/**
 * The cluster's invariants from an accounting: one PaymentIntent per booking, at least a hold's two
 * events each, every event settled in the inbox, every relayed one signalled exactly once.
 */
export function accountingInvariants(accounting: Accounting): InvariantReport {
  const bookings = Object.keys(accounting.paymentIntents).length;
  const violations: string[] = [];
  for (const [bookingId, count] of Object.entries(accounting.paymentIntents))
    if (count !== 1) violations.push(`${bookingId}: ${count} PaymentIntents, not 1`);
  // A card hold placed and released: at least authorised and canceled.
  if (accounting.events < 2 * bookings)
    violations.push(`${accounting.events} Stripe events for ${bookings} bookings, fewer than 2 each`);
  for (const event of accounting.unsettled) violations.push(`unsettled in the inbox: ${event}`);
  for (const eventId of accounting.signalledTwice) violations.push(`${eventId} signalled to a booking twice`);
  for (const [eventId, count] of accounting.signalsPerRelayedEvent)
    if (count !== 1) violations.push(`relayed event ${eventId} signalled ${count} times, not once`);
  return {
    checked: {
      bookings,
      'Stripe events': accounting.events,
      ...Object.fromEntries(
        Object.entries(accounting.inboxStatuses).map(([status, count]) => [`inbox ${status}`, count]),
      ),
      'relayed events signalled once': [...accounting.signalsPerRelayedEvent.values()].filter((count) => count === 1)
        .length,
    },
    violations,
  };
}
