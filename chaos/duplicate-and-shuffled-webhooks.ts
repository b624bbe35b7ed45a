/**
 * Scenario: every webhook of a 3-D Secure flow delivered many times at once, in a shuffled order.
 * Deliveries are held and dropped while the flow runs, then each booking's events are redelivered
 * by the emulator, `copies` times each, all at once, in a random order.
 */
import { waitFor } from '../harness/wait-for.js';
import type { SystemUnderTest } from '../harness/system-under-test.js';
import { bookingStateQuery, bookingWorkflowId } from '../workflows/booking/contract.js';
import { cancelBookings, createBookings, shuffled, waitForHolds } from './booking-driver.js';
import { bookingIdOf, checkInvariants, listEmulatorEvents } from './invariants.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** Runs the scenario on `scale.bookings` bookings. */
export async function runDuplicateAndShuffledWebhooks(
  system: SystemUnderTest,
  scale: ChaosScale,
): Promise<ScenarioReport> {
  return timedScenario('same event many times concurrently, shuffled orderings', async (report) => {
    await system.emulatorControl('POST', '/_emulator/faults', { webhooks: { pause: true } });
    let bookingIds: string[] = [];
    try {
      bookingIds = await createBookings(system, scale.bookings, () => ({
        holdPaymentMethod: 'pm_card_authenticationRequired',
      }));
      const waiting = await waitForHolds(system, bookingIds, ['requires_action']);
      for (const view of waiting) {
        await system.emulatorControl('POST', `/_emulator/payment_intents/${view.hold.paymentIntentId}/authenticate`, {
          outcome: 'succeed',
        });
      }
      report.counted['deliveries dropped'] = (
        await system.emulatorControl<{ dropped: number }>('POST', '/_emulator/webhooks/drop')
      ).dropped;
    } finally {
      await system.emulatorControl('DELETE', '/_emulator/faults');
    }

    const events = await listEmulatorEvents(system);
    const eventsOf = (bookingId: string) => events.filter((event) => bookingIdOf(event) === bookingId);
    const deliveries = shuffled(
      bookingIds.flatMap((bookingId) =>
        eventsOf(bookingId).flatMap((event) => Array.from({ length: scale.copies }, () => event.id)),
      ),
    );
    report.tried.bookings = bookingIds.length;
    report.tried['distinct events'] = bookingIds.reduce((sum, bookingId) => sum + eventsOf(bookingId).length, 0);
    report.tried['copies per event'] = scale.copies;
    report.tried['redeliveries (shuffled, concurrent)'] = deliveries.length;
    await Promise.all(
      deliveries.map((eventId) => system.emulatorControl('POST', `/_emulator/events/${eventId}/redeliver`)),
    );

    await waitForHolds(system, bookingIds, ['held']);
    report.counted['bookings held'] = bookingIds.length;
    let storedOnce = 0;
    let processedOnce = 0;
    let heldReportedOnce = 0;
    for (const bookingId of bookingIds) {
      const distinct = eventsOf(bookingId).length;
      // Every copy has been answered by now; the last distinct event may still be on its way in.
      const rows = await waitFor(
        async () => {
          const stored = await system.inboxRows(bookingId);
          return stored.length >= distinct ? stored : false;
        },
        { timeoutMs: 15_000, description: `${distinct} events of ${bookingId} stored` },
      ).catch(() => system.inboxRows(bookingId));
      if (rows.length === distinct && new Set(rows.map((row) => row.id)).size === distinct) storedOnce += 1;
      else report.failures.push(`${bookingId}: ${rows.length} inbox rows for ${distinct} distinct events`);
      const state = await system.client.workflow.getHandle(bookingWorkflowId(bookingId)).query(bookingStateQuery);
      if (state.processedEventCount <= distinct) processedOnce += 1;
      else report.failures.push(`${bookingId}: processed ${state.processedEventCount} events for ${distinct} distinct`);
      const countHeldReports = () =>
        system.callbacks.filter((callback) => callback.bookingId === bookingId && callback.type === 'hold.held').length;
      // The callback is sent by an activity after the state changes; give it time to arrive.
      await waitFor(() => countHeldReports() > 0, {
        timeoutMs: 15_000,
        description: `hold.held reported for ${bookingId}`,
      }).catch(() => undefined);
      const heldReports = countHeldReports();
      if (heldReports === 1) heldReportedOnce += 1;
      else report.failures.push(`${bookingId}: hold.held reported ${heldReports} times`);
    }
    report.counted['bookings with each event stored once'] = storedOnce;
    report.counted['bookings with each event processed at most once'] = processedOnce;
    report.counted['bookings with hold.held reported once'] = heldReportedOnce;
    report.counted['cancelled and released'] = await cancelBookings(system, bookingIds);
    return checkInvariants(system, bookingIds);
  });
}
