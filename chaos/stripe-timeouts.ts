/**
 * Scenario: Stripe answering PaymentIntent requests later than the client's timeout
 * (STRIPE_TIMEOUT_MS), while bookings run from create to a short release. In one phase the request
 * is done and its idempotent result stored, but the answer comes too late (the retry is replayed);
 * in the other the request waits holding its idempotency key before the work (a retry meanwhile
 * is refused with 409, a later one replayed). Every booking ends with exactly one hold, released.
 */
import type { SystemUnderTest } from '../harness/system-under-test.js';
import { createBookings, tally, waitForHolds } from './booking-driver.js';
import { checkInvariants } from './invariants.js';
import { markStripeRequests } from './stripe-requests.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** How much later than the client's timeout a slowed answer comes. */
const BEYOND_TIMEOUT_MS = 1_500;

/** Runs the scenario: one phase with answers late after the work, one with requests slow before it. */
export async function runStripeTimeouts(system: SystemUnderTest, scale: ChaosScale): Promise<ScenarioReport> {
  return timedScenario('Stripe answering later than the client waits, after the work and before it', async (report) => {
    const latencyMs = system.stripeTimeoutMs + BEYOND_TIMEOUT_MS;
    report.tried['client timeout (ms)'] = system.stripeTimeoutMs;
    report.tried['injected latency (ms)'] = latencyMs;
    const allBookings: string[] = [];
    for (const when of ['after', 'before'] as const) {
      const requestsSince = await markStripeRequests(system);
      // Counted, so every phase slows some requests whatever the scale; creates, confirms, cancels and their retries share the count.
      const slowed = scale.bookings * 2;
      await system.emulatorControl('POST', '/_emulator/faults', {
        latency: { ms: latencyMs, count: slowed, when, pathPattern: '^POST /v1/payment_intents' },
      });
      try {
        const bookingIds = await createBookings(system, scale.bookings, () => ({
          endsAt: new Date(Date.now() + 4_000).toISOString(),
        }));
        allBookings.push(...bookingIds);
        report.tried[`bookings with answers slowed ${when} the work`] = bookingIds.length;
        const settled = await waitForHolds(system, bookingIds, ['released'], 120_000);
        for (const [status, count] of Object.entries(tally(settled.map((view) => view.hold.status))))
          report.counted[`${when}: ${status}`] = count;
      } finally {
        await system.emulatorControl('DELETE', '/_emulator/faults');
      }
      const requests = await requestsSince();
      const timeouts = requests.filter(
        (request) => request.injectedLatency !== null && request.injectedLatency.ms > system.stripeTimeoutMs,
      ).length;
      report.counted[`${when}: timeouts injected`] = timeouts;
      report.counted[`${when}: idempotent replays`] = requests.filter((request) => request.replayed).length;
      report.counted[`${when}: refused while the key was in use (409)`] = requests.filter(
        (request) => request.status === 409,
      ).length;
      if (timeouts === 0) report.failures.push(`no request was slowed beyond the timeout ${when} the work`);
    }
    return checkInvariants(system, allBookings);
  });
}
