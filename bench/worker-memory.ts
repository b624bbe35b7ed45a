/**
 * Worker memory: the worker process's resident memory before and after `bookings` open bookings
 * that hold and then sleep until a release deadline a month away. The difference divided by the
 * bookings is the cost of one sleeping booking while it stays in the worker's workflow cache.
 */
import { randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import type { BenchTarget } from './bench-target.js';
import { benchBookingBody, postBooking } from './booking-traffic.js';

/** Worker memory figures; the resident memory is null (with the reason) when the worker's process could not be read. */
export interface MemoryResult {
  sleepingBookings: number;
  rssBeforeBytes: number | null;
  rssAfterBytes: number | null;
  perBookingBytes: number | null;
  unmeasuredReason: string | null;
  secondsToCreate: number;
  /** The SDK's default workflow cache size for this heap limit (the worker sets none): bookings beyond it are evicted. */
  defaultCacheSize: number;
  bookingIds: string[];
}

async function settledRss(read: () => number): Promise<number> {
  // A moment for the worker to finish its tasks and the allocator to settle; the lower of two reads.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const first = read();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return Math.min(first, read());
}

/** Opens `bookings` sleeping bookings, `concurrency` at a time, and reads the worker's memory around them. */
export async function measureWorkerMemory(
  target: BenchTarget,
  options: { bookings: number; concurrency: number },
): Promise<MemoryResult> {
  const memory = target.workerMemory;
  const read = 'rssBytes' in memory ? () => memory.rssBytes() : null;
  const rssBeforeBytes = read ? await settledRss(read) : null;
  const bookingIds: string[] = [];
  let next = 0;
  const began = performance.now();
  const open = async () => {
    while (next < options.bookings) {
      next += 1;
      const now = Date.now();
      const body = {
        ...benchBookingBody('bench-sleep', target.releaseGraceSeconds),
        bookingId: `bench-sleep-${randomUUID()}`,
        startsAt: new Date(now + 86_400_000).toISOString(),
        endsAt: new Date(now + 30 * 86_400_000).toISOString(),
      };
      await postBooking(target.apiUrl, target.apiToken, body);
      await target.milestones.when(body.bookingId, 'held');
      bookingIds.push(body.bookingId);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, open));
  const secondsToCreate = (performance.now() - began) / 1000;
  const rssAfterBytes = read ? await settledRss(read) : null;
  return {
    sleepingBookings: bookingIds.length,
    rssBeforeBytes,
    rssAfterBytes,
    perBookingBytes:
      rssBeforeBytes !== null && rssAfterBytes !== null && bookingIds.length
        ? (rssAfterBytes - rssBeforeBytes) / bookingIds.length
        : null,
    unmeasuredReason: 'unmeasured' in memory ? memory.unmeasured : null,
    secondsToCreate,
    defaultCacheSize: defaultMaxCachedWorkflows(),
    bookingIds,
  };
}

/** The SDK's default `maxCachedWorkflows` (reused V8 context): 600 per GiB of heap limit above 200 MiB, at least 10. */
export function defaultMaxCachedWorkflows(): number {
  const heapMiB = v8.getHeapStatistics().heap_size_limit / 1024 / 1024;
  return Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
}
