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
import { newBooking, postWebhook, type ApiAnswer } from '../../harness/system-under-test.js';
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

/** A card booking whose hold is released about 4 s after it is created (end in 3 s, grace 1 s), or `endsInMs` + 1 s. */
function shortBooking(endsInMs = 3_000) {
  return newBooking({ bookingId: `cluster-${randomUUID()}`, endsAt: new Date(Date.now() + endsInMs).toISOString() });
}

/** Creates `count` bookings through API `index` at once; each must answer 201. */
async function createBookings(count: number, index = CREATING_API, endsInMs?: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const booking = shortBooking(endsInMs);
      const created = await cluster.api(index, 'POST', '/v1/bookings', booking);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return booking.bookingId;
    }),
  );
}

/** Reads each booking through API `index` until every hold has `status` (or one of them). */
async function waitForHolds(bookingIds: string[], status: string | string[], index: number, timeoutMs = 90_000) {
  const statuses = ([] as string[]).concat(status);
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

  const events = await stripeEventsOf(bookingIds);
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

/**
 * Accounts for the bookings once every Stripe event of theirs is settled in the inbox (a hold's
 * `canceled` webhook may still be on its way when the booking reads released), or after 60 s.
 */
async function settledAccounting(bookingIds: string[]): Promise<Accounting> {
  let last: Accounting | undefined;
  try {
    return await waitFor(async () => ((last = await accountFor(bookingIds)).unsettled.length === 0 ? last : false), {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: 'every event settled in the inbox',
    });
  } catch {
    return last ?? accountFor(bookingIds);
  }
}

/** Asserts one hold per booking, every event settled in the inbox, every relayed one signalled exactly once. */
function expectAccountedFor(accounting: Accounting, bookings: number) {
  expect(Object.values(accounting.paymentIntents)).toEqual(Array.from({ length: bookings }, () => 1));
  // A card hold placed and released: at least authorised and canceled.
  expect(accounting.events).toBeGreaterThanOrEqual(2 * bookings);
  expect(accounting.unsettled).toEqual([]);
  expect(accounting.signalledTwice).toEqual([]);
  expect([...accounting.signalsPerRelayedEvent].filter(([, count]) => count !== 1)).toEqual([]);
}

/** Creates a booking through API `index`, sending it again (same body) on a 503 until it is accepted. */
async function createRetryingOn503(index: number, timeoutMs = 60_000): Promise<string> {
  const booking = shortBooking();
  await waitFor(
    async () => {
      const created = await cluster.api(index, 'POST', '/v1/bookings', booking);
      if (created.status === 503) return false;
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return true;
    },
    { timeoutMs, intervalMs: 500, description: `booking ${booking.bookingId} accepted` },
  );
  return booking.bookingId;
}

/** The identities (`pid@host`) that completed each workflow task of a booking, in order. */
async function workflowTaskIdentities(bookingId: string): Promise<string[]> {
  const history = await cluster.client.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
  return (history.events ?? []).flatMap((event) => event.workflowTaskCompletedEventAttributes?.identity ?? []);
}

/** The Stripe events of these bookings, as the emulator lists them. */
async function stripeEventsOf(bookingIds: string[]) {
  const ours = new Set(bookingIds);
  return (await cluster.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).filter((event) =>
    ours.has((event.data.object as { metadata?: Record<string, string> }).metadata?.booking_id ?? ''),
  );
}

/** The events of these bookings the emulator delivered to the webhook API and got 200 for. */
async function eventsAnswered200(bookingIds: string[]): Promise<string[]> {
  const ours = new Set((await stripeEventsOf(bookingIds)).map((event) => event.id));
  const { data } = await cluster.emulatorControl<{
    data: Array<{ eventId: string; attempts: Array<{ status: number | null }> }>;
  }>('GET', '/_emulator/webhooks/deliveries');
  return data
    .filter((delivery) => ours.has(delivery.eventId) && delivery.attempts.some((attempt) => attempt.status === 200))
    .map((delivery) => delivery.eventId);
}

const metricsOf = async (index: number) => scrape(`${cluster.apis[index].url}/metrics`);

describe('the cluster topology', () => {
  it('takes bookings created through one API to held and released while their webhooks arrive through the other; two relays signal each event once', async () => {
    const before = await Promise.all([metricsOf(0), metricsOf(1)]);
    const bookingIds = await createBookings(6);
    await waitForHolds(bookingIds, 'released', WEBHOOK_API);

    const accounting = await settledAccounting(bookingIds);
    expectAccountedFor(accounting, bookingIds.length);
    expect(accounting.signalsPerRelayedEvent.size).toBeGreaterThan(0);
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

  it('SIGKILL of one worker under load: every booking still ends released with one PaymentIntent, finished by the surviving worker', async () => {
    const [doomed, survivor] = cluster.workers;
    const doomedIdentity = cluster.identityOf(doomed.child.pid);
    const first = await createBookings(8);
    // Under load: the kill lands once the first holds are placed, with the rest in flight.
    await waitFor(
      async () => {
        const views = await Promise.all(
          first.map((id) => cluster.api<BookingView>(CREATING_API, 'GET', `/v1/bookings/${id}`)),
        );
        return views.some((view) => view.body.hold?.status === 'held');
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'a first hold placed' },
    );
    expect((await doomed.kill()).signal).toBe('SIGKILL');
    const afterKill = await createBookings(4);
    const bookingIds = [...first, ...afterKill];
    await waitForHolds(bookingIds, 'released', WEBHOOK_API);

    expectAccountedFor(await settledAccounting(bookingIds), bookingIds.length);
    const identities = await Promise.all(bookingIds.map(workflowTaskIdentities));
    // The killed worker had taken part; every booking's last workflow task ran on the survivor.
    expect(identities.flat()).toContain(doomedIdentity);
    expect(identities.map((ids) => ids.at(-1))).toEqual(bookingIds.map(() => cluster.identityOf(survivor.child.pid)));
    // The other blocks run on the survivor alone (a worker's restart is the same code as the API's below).
  });

  it('SIGKILL of one API with requests in flight: the other keeps answering, every webhook the killed one answered 200 is in the inbox and relayed', async () => {
    const victim = cluster.apis[WEBHOOK_API];
    const first = await createBookings(6);
    await waitFor(async () => (await eventsAnswered200(first)).length > 0, {
      description: 'webhooks reaching the victim',
    });
    // Requests in flight on the victim at the kill: bookings created through it, and webhooks.
    const sentToVictim = Array.from({ length: 4 }, () => shortBooking());
    const victimAnswers = sentToVictim.map((booking) =>
      cluster.api(WEBHOOK_API, 'POST', '/v1/bookings', booking).catch((error: unknown) => error),
    );
    expect((await victim.kill()).signal).toBe('SIGKILL');
    const answeredByVictim = await eventsAnswered200(first);

    // The other API answers: new bookings, and those the victim did not accept, sent again (same body).
    const during = await createBookings(4);
    const resent: string[] = [];
    for (const [index, answer] of (await Promise.all(victimAnswers)).entries()) {
      const booking = sentToVictim[index];
      if ((answer as ApiAnswer).status === 201) continue;
      const again = await cluster.api(CREATING_API, 'POST', '/v1/bookings', booking);
      expect([200, 201], JSON.stringify(again.body)).toContain(again.status);
      resent.push(booking.bookingId);
    }
    // Every webhook the victim answered 200 is in the inbox, relayed (or closed: its booking had finished).
    const inbox = await cluster.db.query<{ id: string; status: string }>(
      'SELECT id, status FROM stripe_events WHERE id = ANY($1)',
      [answeredByVictim],
    );
    expect(inbox.rows.map((row) => row.id).sort()).toEqual([...answeredByVictim].sort());

    // The webhooks that failed with the victim are delivered again once it is back.
    await victim.restart();
    const bookingIds = [...first, ...sentToVictim.map((booking) => booking.bookingId), ...during];
    await waitForHolds(bookingIds, 'released', CREATING_API);
    const accounting = await settledAccounting(bookingIds);
    expectAccountedFor(accounting, bookingIds.length);
    const relayedByNow = await cluster.db.query<{ id: string; status: string }>(
      'SELECT id, status FROM stripe_events WHERE id = ANY($1)',
      [answeredByVictim],
    );
    expect(relayedByNow.rows.filter((row) => !['relayed', 'closed'].includes(row.status))).toEqual([]);
    // A relay killed between its signal and marking the row relayed leaves the row to the other
    // relay, which signals it again: with the event's own request id, Temporal records it once
    // (inbox/event-delivery.ts), as expectAccountedFor checked.
    console.log(
      `API kill: ${answeredByVictim.length} webhooks answered 200 by the victim before the kill; ` +
        `${resent.length} of ${sentToVictim.length} creates in flight on it sent again`,
    );
  });

  it('the history service killed and restarted under load: bookings carry on, nothing lost', async () => {
    const first = await createBookings(6);
    expect((await cluster.services.history.kill()).signal).toBe('SIGKILL');
    const whileDown = createRetryingOn503(CREATING_API);
    await cluster.services.history.restart();
    const later = await Promise.all([whileDown, createRetryingOn503(CREATING_API), createRetryingOn503(CREATING_API)]);
    const bookingIds = [...first, ...later];
    await waitForHolds(bookingIds, 'released', CREATING_API);
    expectAccountedFor(await settledAccounting(bookingIds), bookingIds.length);
  });

  it('PostgreSQL stopped for 30 s under load: the APIs answer 503 with the error shape, then every booking and webhook is accounted for', async () => {
    // Their releases fall due during the outage (held within a few seconds, released 11 s after creation).
    const first = await createBookings(6, CREATING_API, 10_000);
    await waitForHolds(first, ['held', 'released'], CREATING_API);
    // A real event, sent again during the outage as Stripe would retry it.
    const [event] = await cluster.stripe.events.list({ limit: 1 }).autoPagingToArray({ limit: 1 });
    const webhookTarget = { apiUrl: cluster.apis[WEBHOOK_API].url, webhookSecret: cluster.secrets.stripeWebhookSecret };

    await cluster.postgres.stop();
    const stoppedAt = Date.now();
    const refused: Array<{ what: string; status: number; code?: string; requestId?: string; ms: number }> = [];
    const refusedBookings: ReturnType<typeof shortBooking>[] = [];
    while (Date.now() - stoppedAt < 30_000) {
      const booking = shortBooking();
      let started = Date.now();
      const created = await cluster.api(CREATING_API, 'POST', '/v1/bookings', booking);
      refused.push({ what: 'create', status: created.status, ...created.body.error, ms: Date.now() - started });
      if (created.status !== 201) refusedBookings.push(booking);
      started = Date.now();
      const webhook = await postWebhook(webhookTarget, JSON.stringify(event));
      refused.push({ what: 'webhook', status: webhook.status, ...webhook.body.error, ms: Date.now() - started });
      // Paces the load over the outage (a create and a webhook every 2 s); nothing waits on a condition here.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    await cluster.postgres.restart();

    const slowest = Math.max(...refused.map((answer) => answer.ms));
    console.log(`PostgreSQL outage: ${refused.length} answers while down, the slowest in ${slowest} ms`);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    expect(refused.filter((answer) => answer.status !== 503 || !answer.code || !answer.requestId)).toEqual([]);
    // Sent again after the outage, every refused booking is accepted; all end released.
    const retried = await Promise.all(
      refusedBookings.map(async (booking) => {
        await waitFor(
          async () => {
            const again = await cluster.api(CREATING_API, 'POST', '/v1/bookings', booking);
            return again.status === 201 || again.status === 200;
          },
          { timeoutMs: 60_000, intervalMs: 500, description: `booking ${booking.bookingId} accepted after the outage` },
        );
        return booking.bookingId;
      }),
    );
    const bookingIds = [...first, ...retried];
    await waitForHolds(bookingIds, 'released', CREATING_API, 120_000);
    expectAccountedFor(await settledAccounting(bookingIds), bookingIds.length);
  });
});
