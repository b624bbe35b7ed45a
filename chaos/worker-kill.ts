/**
 * Scenario: the worker process killed with SIGKILL after Stripe confirmed the holds and before the
 * confirmation activities completed (the emulator holds the answers it has already stored for
 * their idempotency keys), then restarted. Temporal retries each activity once its
 * startToCloseTimeout has passed, and Stripe replays the stored confirmation: one hold per booking.
 * Then the worker is killed once more at a random moment while other bookings run, and restarted.
 * Every booking reaches held, then released at its short end.
 */
import type { SystemUnderTest } from '../harness/system-under-test.js';
import { waitFor } from '../harness/wait-for.js';
import { bookingWorkflowId } from '../workflows/booking/contract.js';
import type { ChaosSystem } from './chaos-system.js';
import { createBookings, tally, waitForHolds } from './booking-driver.js';
import { checkInvariants } from './invariants.js';
import { markStripeRequests } from './stripe-requests.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** The hold's placement: its PaymentIntent created and confirmed in one request. */
const CONFIRMATION_PATTERN = '^POST /v1/payment_intents$';
/** Longer than the kill and restart take; clearing the fault after the kill releases the answers sooner. */
const STALL_HOLD_MS = 120_000;
/** The random kill lands within this long after the second bookings were created. */
const RANDOM_KILL_WINDOW_MS = 1_500;

/** Runs the scenario: a kill while Stripe's answers are held, then a kill at a random moment. */
export async function runWorkerKill(
  system: SystemUnderTest,
  scale: ChaosScale,
  chaos: ChaosSystem,
): Promise<ScenarioReport> {
  return timedScenario('worker killed after Stripe answered and at a random moment, then restarted', async (report) => {
    const requestsSince = await markStripeRequests(system);
    const restartMs: number[] = [];
    const killAndRestart = async () => {
      const exit = await chaos.worker.kill();
      if (exit.signal !== 'SIGKILL')
        report.failures.push(`the worker ended with ${exit.signal ?? `code ${exit.code}`}, not SIGKILL`);
      report.counted.kills = (report.counted.kills ?? 0) + 1;
      const started = Date.now();
      await chaos.worker.restart();
      restartMs.push(Date.now() - started);
    };

    // The end passes while the confirmation waits for its retry: once held, the booking is released at once.
    const stalledEnd = new Date(Date.now() + 4_000).toISOString();
    await system.emulatorControl('POST', '/_emulator/faults', {
      stall: { count: scale.bookings, holdMs: STALL_HOLD_MS, pathPattern: CONFIRMATION_PATTERN },
    });
    let stalledBookings: string[];
    try {
      stalledBookings = await createBookings(system, scale.bookings, () => ({ endsAt: stalledEnd }));
      report.tried['bookings whose confirmation answer was held'] = stalledBookings.length;
      const held = await waitFor(
        async () => {
          const { heldAnswers } = await system.emulatorControl<{ heldAnswers: number }>('GET', '/_emulator/faults');
          return heldAnswers === scale.bookings ? heldAnswers : false;
        },
        { timeoutMs: 60_000, intervalMs: 100, description: `${scale.bookings} confirmation answers held` },
      );
      report.counted['answers held at the kill'] = held;
      await killAndRestart();
    } finally {
      // The held answers go to connections of a process that is gone.
      await system.emulatorControl('DELETE', '/_emulator/faults');
    }

    const runningBookings = await createBookings(system, scale.bookings, () => ({
      endsAt: new Date(Date.now() + 4_000).toISOString(),
    }));
    report.tried['bookings running at a random kill'] = runningBookings.length;
    const killDelayMs = Math.floor(Math.random() * RANDOM_KILL_WINDOW_MS);
    report.tried['random kill after (ms)'] = killDelayMs;
    await new Promise((resolve) => setTimeout(resolve, killDelayMs));
    const pending = await Promise.all(
      runningBookings.map(
        async (bookingId) =>
          (await system.client.workflow.getHandle(bookingWorkflowId(bookingId)).describe()).raw.pendingActivities
            ?.length ?? 0,
      ),
    );
    report.counted['activities pending at the random kill'] = pending.reduce((sum, count) => sum + count, 0);
    await killAndRestart();
    report.tried.kills = 2;
    report.counted['longest restart (ms)'] = Math.max(...restartMs);

    const bookingIds = [...stalledBookings, ...runningBookings];
    // A retried activity waits out its 30 s startToCloseTimeout first.
    const settled = await waitForHolds(system, bookingIds, ['released'], 150_000);
    for (const [status, count] of Object.entries(tally(settled.map((view) => view.hold.status))))
      report.counted[status] = count;

    const requests = await requestsSince();
    report.counted['Stripe requests'] = requests.length;
    report.counted['answers stalled'] = requests.filter((request) => request.injectedFault === 'stall after').length;
    report.counted['requests replayed by idempotency key'] = requests.filter((request) => request.replayed).length;
    let confirmationsReplayed = 0;
    for (const bookingId of stalledBookings) {
      const replayed = requests.some(
        (request) => request.idempotencyKey === `booking-${bookingId}:place:1` && request.replayed,
      );
      if (replayed) confirmationsReplayed += 1;
      else report.failures.push(`${bookingId}: its held confirmation was never replayed by its idempotency key`);
    }
    report.counted['held confirmations replayed'] = confirmationsReplayed;
    // Each notification is its own activity: one the kill interrupted arrives after its retry.
    const reportedBoth = (bookingId: string) => {
      const reported = new Set(
        system.callbacks.filter((callback) => callback.bookingId === bookingId).map((callback) => callback.type),
      );
      return reported.has('hold.held') && reported.has('hold.released');
    };
    await waitFor(() => bookingIds.every(reportedBoth), {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'hold.held and hold.released reported',
    }).catch(() => undefined);
    report.counted['held then released'] = bookingIds.filter(reportedBoth).length;
    for (const bookingId of bookingIds.filter((candidate) => !reportedBoth(candidate))) {
      report.failures.push(`${bookingId}: hold.held and hold.released were not both reported`);
    }
    return checkInvariants(system, bookingIds);
  });
}
