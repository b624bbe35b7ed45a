/**
 * Scenario: every ordering of a 3-D Secure card flow's webhooks. The flow runs once per ordering
 * with its deliveries held and dropped; then each booking gets its own events, signed and POSTed
 * as Stripe would, one at a time in its ordering, each relayed to the workflow before the next is
 * sent, so the workflow sees them in that order — except a charge event that comes before any event
 * of its PaymentIntent, which the inbox keeps until one names the booking. Whatever the order, the
 * booking ends held, processes each event once and reports `hold.held` once.
 */
import type Stripe from 'stripe';
import { postWebhook, type SystemUnderTest } from '../harness/system-under-test.js';
import { waitFor } from '../harness/wait-for.js';
import { bookingStateQuery, bookingWorkflowId } from '../workflows/booking/contract.js';
import { cancelBookings, createBookings, tally, waitForHolds } from './booking-driver.js';
import { bookingIdOf, checkInvariants, listEmulatorEvents } from './invariants.js';
import { timedScenario, type ScenarioReport } from './scenario-report.js';

/** Every ordering of `items` (n! of them). */
export function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Most events a flow may have for this scenario: 6! = 720 bookings is already a long run. */
const MAX_EVENTS = 6;

/**
 * A booking's events: those naming it in metadata, and its PaymentIntent's charge events; sorted by
 * type (then id), so the same position is the same type of event in every booking.
 */
function eventsOfBooking(events: Stripe.Event[], bookingId: string, paymentIntentId: string): Stripe.Event[] {
  return events
    .filter(
      (event) =>
        bookingIdOf(event) === bookingId ||
        (event.data.object as { payment_intent?: unknown }).payment_intent === paymentIntentId,
    )
    .sort((a, b) => a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
}

/** Runs a 3-D Secure flow with its webhooks dropped, for `count` bookings; answers each booking's events. */
async function runFlowsWithoutWebhooks(system: SystemUnderTest, count: number): Promise<Map<string, Stripe.Event[]>> {
  await system.emulatorControl('POST', '/_emulator/faults', { webhooks: { pause: true } });
  try {
    const bookingIds = await createBookings(system, count, () => ({
      holdPaymentMethod: 'pm_card_authenticationRequired',
    }));
    const waiting = await waitForHolds(system, bookingIds, ['requires_action']);
    for (const view of waiting) {
      await system.emulatorControl('POST', `/_emulator/payment_intents/${view.hold.paymentIntentId}/authenticate`, {
        outcome: 'succeed',
      });
    }
    // Authentication's events are created by then; what the receiver never saw is dropped.
    await system.emulatorControl('POST', '/_emulator/webhooks/drop');
    const events = await listEmulatorEvents(system);
    return new Map(
      waiting.map((view) => [view.bookingId, eventsOfBooking(events, view.bookingId, view.hold.paymentIntentId!)]),
    );
  } finally {
    await system.emulatorControl('DELETE', '/_emulator/faults');
  }
}

/** POSTs one event to the API's webhook endpoint, signed now; throws unless it answers 200. */
async function deliver(system: SystemUnderTest, event: Stripe.Event): Promise<void> {
  const answer = await postWebhook(system, JSON.stringify(event));
  if (answer.status !== 200)
    throw new Error(
      `${event.type} ${event.id} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`,
    );
}

/**
 * Waits until the inbox says the event reached its workflow (or was set aside), or that it waits for
 * its booking to be known (a charge before any event of its PaymentIntent): answers which.
 */
async function waitUntilSettled(system: SystemUnderTest, eventId: string): Promise<string> {
  return waitFor(
    async () => {
      const { rows } = await system.db.query<{ status: string; booking_id: string | null }>(
        'SELECT status, booking_id FROM stripe_events WHERE id = $1',
        [eventId],
      );
      if (!rows[0]) return false;
      if (rows[0].status === 'pending') return rows[0].booking_id === null ? 'kept until its booking is known' : false;
      return rows[0].status;
    },
    { timeoutMs: 30_000, intervalMs: 100, description: `event ${eventId} relayed` },
  );
}

/** Runs the scenario: one booking per ordering of the flow's events. */
export async function runEventOrderings(system: SystemUnderTest): Promise<ScenarioReport> {
  return timedScenario("every ordering of a 3-D Secure flow's webhooks", async (report) => {
    const probe = await runFlowsWithoutWebhooks(system, 1);
    const [probeEvents] = [...probe.values()];
    const eventCount = Math.min(probeEvents.length, MAX_EVENTS);
    report.tried['events in the flow'] = probeEvents.length;
    report.tried['event types'] = new Set(probeEvents.map((event) => event.type)).size;
    const orders = permutations(Array.from({ length: eventCount }, (_, index) => index));
    // The probe booking takes the first ordering; one more booking for each other one.
    const flows = new Map([...probe, ...(await runFlowsWithoutWebhooks(system, orders.length - 1))]);
    report.tried.orderings = orders.length;

    const bookingIds = [...flows.keys()];
    const orderOf = new Map<string, string>();
    const settled: string[] = [];
    await Promise.all(
      bookingIds.map(async (bookingId, index) => {
        const events = flows.get(bookingId)!;
        if (events.length !== probeEvents.length) {
          report.failures.push(`${bookingId}: ${events.length} events where the first flow had ${probeEvents.length}`);
          return;
        }
        const order = orders[index];
        orderOf.set(bookingId, order.map((position) => events[position].type).join(' → '));
        for (const position of order) {
          await deliver(system, events[position]);
          settled.push(await waitUntilSettled(system, events[position].id));
        }
      }),
    );
    report.counted['distinct orderings delivered'] = new Set(orderOf.values()).size;
    if (report.counted['distinct orderings delivered'] !== orders.length)
      report.failures.push(
        `${report.counted['distinct orderings delivered']} distinct orderings delivered of ${orders.length}`,
      );
    for (const [outcome, count] of Object.entries(tally(settled)))
      report.counted[`events ${outcome} before the next`] = count;

    await waitForHolds(system, bookingIds, ['held']);
    let processedOnce = 0;
    let heldReportedOnce = 0;
    for (const bookingId of bookingIds) {
      const state = await system.client.workflow.getHandle(bookingWorkflowId(bookingId)).query(bookingStateQuery);
      if (state.processedEventCount <= flows.get(bookingId)!.length) processedOnce += 1;
      else
        report.failures.push(`${bookingId} (${orderOf.get(bookingId)}): processed ${state.processedEventCount} events`);
      const heldReports = () =>
        system.callbacks.filter((callback) => callback.bookingId === bookingId && callback.type === 'hold.held').length;
      await waitFor(() => heldReports() > 0, {
        timeoutMs: 15_000,
        description: `hold.held reported for ${bookingId}`,
      }).catch(() => undefined);
      if (heldReports() === 1) heldReportedOnce += 1;
      else report.failures.push(`${bookingId} (${orderOf.get(bookingId)}): hold.held reported ${heldReports()} times`);
    }
    report.counted['bookings held'] = bookingIds.length;
    report.counted['bookings with each event processed at most once'] = processedOnce;
    report.counted['bookings with hold.held reported once'] = heldReportedOnce;
    report.counted['cancelled and released'] = await cancelBookings(system, bookingIds);
    return checkInvariants(system, bookingIds);
  });
}
