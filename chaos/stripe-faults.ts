/**
 * Scenario: Stripe answering 429 (before doing anything), 500 (after doing the work and storing its
 * idempotent result) and declines, at chosen rates, while bookings run from create to a short
 * release. Every booking ends with one hold: held then released at its deadline, or declined and
 * waiting (with its deadline timer) for a new payment method.
 */
import type { SystemUnderTest } from '../harness/system-under-test.js';
import { createBookings, tally, waitForHolds } from './booking-driver.js';
import { checkInvariants } from './invariants.js';
import { markStripeRequests } from './stripe-requests.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** Chosen failure rates of PaymentIntent requests (create, confirm, cancel) and of declined cards. */
export interface StripeFaultRates {
  rateLimited: number;
  serverError: number;
  declined: number;
}

const DEFAULT_RATES: StripeFaultRates = { rateLimited: 0.3, serverError: 0.3, declined: 0.25 };

/** Runs the scenario: one phase with 429s, one with 500s after the work, declines in both. */
export async function runStripeFaults(
  system: SystemUnderTest,
  scale: ChaosScale,
  rates: StripeFaultRates = DEFAULT_RATES,
): Promise<ScenarioReport> {
  return timedScenario('Stripe answering 429, 500 and declines at chosen rates', async (report) => {
    const phases = [
      {
        name: '429',
        fault: { status: 429, rate: rates.rateLimited, when: 'before', pathPattern: '^POST /v1/payment_intents' },
      },
      {
        name: '500 after the work',
        fault: { status: 500, rate: rates.serverError, when: 'after', pathPattern: '^POST /v1/payment_intents' },
      },
    ];
    const requestsSince = await markStripeRequests(system);
    const allBookings: string[] = [];
    const declinedBookings: string[] = [];
    for (const phase of phases) {
      await system.emulatorControl('POST', '/_emulator/faults', { api: phase.fault });
      try {
        // The chosen share of declined cards, at least one per phase when the rate is above zero.
        const declinedCount = rates.declined > 0 ? Math.max(1, Math.round(scale.bookings * rates.declined)) : 0;
        const declinedIndex = (index: number) => index < declinedCount;
        const bookingIds = await createBookings(system, scale.bookings, (index) => ({
          holdPaymentMethod: declinedIndex(index) ? 'pm_card_chargeDeclined' : 'pm_card_visa',
          endsAt: new Date(Date.now() + 4_000).toISOString(),
        }));
        bookingIds.forEach((bookingId, index) =>
          (declinedIndex(index) ? declinedBookings : allBookings).push(bookingId),
        );
        report.tried[`bookings under ${phase.name} (rate ${phase.fault.rate})`] = bookingIds.length;
        const settled = await waitForHolds(system, bookingIds, ['released', 'declined'], 120_000);
        for (const [status, count] of Object.entries(tally(settled.map((view) => view.hold.status)))) {
          report.counted[`${phase.name}: ${status}`] = count;
        }
      } finally {
        await system.emulatorControl('DELETE', '/_emulator/faults');
      }
    }
    report.tried['declined cards'] = declinedBookings.length;
    const requests = await requestsSince();
    report.counted['Stripe requests'] = requests.length;
    report.counted['faults injected'] = requests.filter((request) => request.injectedFault !== null).length;
    report.counted['idempotent replays'] = requests.filter((request) => request.replayed).length;
    for (const bookingId of declinedBookings) {
      const reported = system.callbacks.some(
        (callback) => callback.bookingId === bookingId && callback.type === 'hold.declined',
      );
      if (!reported) report.failures.push(`${bookingId}: declined but hold.declined was not reported`);
    }
    report.counted['declines reported'] = declinedBookings.length - report.failures.length;
    return checkInvariants(system, [...allBookings, ...declinedBookings]);
  });
}
