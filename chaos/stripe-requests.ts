/** The Stripe requests the emulator logged, as scenarios count them. */
import type { RequestLogEntry } from '../emulator/request-log.js';
import type { SystemUnderTest } from '../harness/system-under-test.js';

/** One request as the emulator's request log records it (its control API answers the entries as JSON). */
export type LoggedStripeRequest = RequestLogEntry;

/** Every request the emulator still remembers, oldest first. */
export async function stripeRequests(system: SystemUnderTest): Promise<LoggedStripeRequest[]> {
  return (await system.emulatorControl<{ data: LoggedStripeRequest[] }>('GET', '/_emulator/requests')).data;
}

/**
 * Marks the log now; the answer reads the requests logged since. The emulator keeps only its latest
 * requests (a capped log that earlier scenarios may have filled), so a scenario's requests are the
 * ones not logged at the mark, never a count past it.
 */
export async function markStripeRequests(system: SystemUnderTest): Promise<() => Promise<LoggedStripeRequest[]>> {
  const before = new Set((await stripeRequests(system)).map((request) => request.requestId));
  return async () => (await stripeRequests(system)).filter((request) => !before.has(request.requestId));
}
