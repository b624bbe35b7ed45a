/** Drives bookings through the API for chaos scenarios: create, wait for a hold status, cancel. */
import { newBooking, waitForBooking, type SystemUnderTest } from '../harness/system-under-test.js';

/** Creates `count` card bookings concurrently; answers their ids (throws unless each was created). */
export async function createBookings(
  system: SystemUnderTest,
  count: number,
  overrides: (index: number) => Record<string, unknown> = () => ({}),
): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const booking = newBooking({ bookingId: `chaos-${newBooking().bookingId}`, ...overrides(index) });
      const created = await system.api('POST', '/v1/bookings', booking);
      if (created.status !== 201) throw new Error(`creating ${booking.bookingId} answered ${created.status}`);
      return booking.bookingId;
    }),
  );
}

/** Waits until each booking's hold has one of `statuses`; answers the views. */
export async function waitForHolds(
  system: SystemUnderTest,
  bookingIds: string[],
  statuses: string[],
  timeoutMs = 90_000,
) {
  return Promise.all(
    bookingIds.map((bookingId) =>
      waitForBooking(system, bookingId, (view) => statuses.includes(view.hold?.status), `hold ${statuses.join('|')}`, {
        timeoutMs,
        intervalMs: 300,
      }),
    ),
  );
}

/** Cancels each booking and answers how many answered 200 with the hold released. */
export async function cancelBookings(system: SystemUnderTest, bookingIds: string[]): Promise<number> {
  const answers = await Promise.all(
    bookingIds.map((bookingId) => system.api('POST', `/v1/bookings/${bookingId}/cancel`, { reason: 'chaos done' })),
  );
  return answers.filter((answer) => answer.status === 200 && answer.body.hold.status === 'released').length;
}

/** A copy of `items` in a random order (Fisher–Yates). */
export function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other], copy[index]];
  }
  return copy;
}

/** Counts occurrences of each value. */
export function tally(values: Array<string | number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}
