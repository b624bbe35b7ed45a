/**
 * Closed-loop traffic at one concurrency: each client creates a booking (or a floor workflow),
 * waits until it is held, and starts the next; every release then happens on its own a few
 * seconds later. Timed: bookings held per second, bookings released per second, and latencies.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { FLOOR_TASK_QUEUE } from './floor/floor-worker.js';
import { floorEventSignal, type FloorShape } from './floor/floor-workflow.js';
import type { MilestoneClock } from './milestones.js';
import { summarizeLatencies, type LatencySummary } from './percentiles.js';
import type { CpuShare } from './process-cpu.js';

/** How long after creation a benchmark booking's stay would end on a stack with a 1 s release grace. */
export const BOOKING_LENGTH_MS = 1_000;
/** The bench stack's HOLD_RELEASE_GRACE_SECONDS: with it, every bench hold (and floor) is released about 2 s after creation. */
export const RELEASE_GRACE_MS = 1_000;

/** One concurrency step's figures. */
export interface StepResult {
  path: 'booking' | 'floor';
  concurrency: number;
  bookings: number;
  heldPerSecond: number;
  releasedPerSecond: number;
  /** POST /v1/bookings (booking) or the workflow start call (floor). */
  createLatency: LatencySummary;
  createToHeld: LatencySummary;
  failures: number;
  /** CPU seconds by process while the step ran (added by the run; absent in reports made before it was measured). */
  cpu?: { shares: CpuShare[]; wallSeconds: number };
}

/** Starts one unit of work and answers its key once the start call has been answered. */
type Starter = (index: number) => Promise<string>;

/**
 * The card booking a busy booking service would send: a $1 hold on a Visa, its 0.8 s stay dated so
 * that the end plus the API's release grace falls 2 s after creation (in the past when the grace is
 * longer: a reused stack's hour).
 */
export function benchBookingBody(prefix: string, releaseGraceSeconds: number) {
  const endsAt = Date.now() + BOOKING_LENGTH_MS + RELEASE_GRACE_MS - releaseGraceSeconds * 1000;
  return {
    bookingId: `${prefix}-${randomUUID()}`,
    customer: { id: `cust-${randomUUID()}`, email: 'bench@example.com', name: 'Bench Guest' },
    holdPaymentMethod: 'pm_card_visa',
    startsAt: new Date(endsAt - 800).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
  };
}

/** POSTs a booking body to the API; throws unless it answers 201. */
export async function postBooking(apiUrl: string, apiToken: string, body: unknown): Promise<void> {
  const response = await fetch(`${apiUrl}/v1/bookings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /v1/bookings answered ${response.status}: ${text.slice(0, 300)}`);
}

/** Runs `bookings` card bookings through the API with `concurrency` clients. */
export function runBookingStep(options: {
  apiUrl: string;
  apiToken: string;
  releaseGraceSeconds: number;
  clock: MilestoneClock;
  concurrency: number;
  bookings: number;
}): Promise<StepResult> {
  const start: Starter = async () => {
    const body = benchBookingBody('bench', options.releaseGraceSeconds);
    await postBooking(options.apiUrl, options.apiToken, body);
    return body.bookingId;
  };
  return runStep('booking', start, options);
}

/** Runs `bookings` floor workflows with `concurrency` clients; each gets the card path's signals once held. */
export function runFloorStep(options: {
  client: Client;
  shape: FloorShape;
  clock: MilestoneClock;
  concurrency: number;
  bookings: number;
}): Promise<StepResult> {
  const start: Starter = async () => {
    const floorId = `floor-${randomUUID()}`;
    const releaseAt = new Date(Date.now() + BOOKING_LENGTH_MS + RELEASE_GRACE_MS).toISOString();
    const handle = await options.client.workflow.start('floorWorkflow', {
      workflowId: floorId,
      taskQueue: FLOOR_TASK_QUEUE,
      args: [{ floorId, shape: options.shape, releaseAt }],
    });
    // As the inbox relay signals the booking with its webhooks once Stripe has answered: concurrently,
    // as a relay pass sends the events it claimed.
    void options.clock
      .when(floorId, 'held')
      .then(() =>
        Promise.all(
          Array.from({ length: options.shape.signals }, (_, i) => handle.signal(floorEventSignal, `evt_${i}`)),
        ),
      );
    return floorId;
  };
  return runStep('floor', start, options);
}

async function runStep(
  path: StepResult['path'],
  start: Starter,
  options: { clock: MilestoneClock; concurrency: number; bookings: number },
): Promise<StepResult> {
  const createLatencies: number[] = [];
  const heldLatencies: number[] = [];
  const released: Array<Promise<number | null>> = [];
  let next = 0;
  let failures = 0;
  const began = performance.now();
  const client = async () => {
    while (next < options.bookings) {
      const index = next++;
      const t0 = performance.now();
      try {
        const id = await start(index);
        createLatencies.push(performance.now() - t0);
        const heldAt = await options.clock.when(id, 'held');
        heldLatencies.push(heldAt - t0);
        released.push(options.clock.when(id, 'released').catch(() => null));
      } catch (error) {
        failures += 1;
        if (failures <= 3) console.error(`[bench] ${path} #${index}: ${String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const heldDone = performance.now();
  const releasedTimes = (await Promise.all(released)).filter((time): time is number => time !== null);
  failures += released.length - releasedTimes.length;
  const releasedDone = releasedTimes.length ? Math.max(...releasedTimes) : heldDone;
  return {
    path,
    concurrency: options.concurrency,
    bookings: options.bookings,
    heldPerSecond: heldLatencies.length / ((heldDone - began) / 1000),
    releasedPerSecond: releasedTimes.length / ((releasedDone - began) / 1000),
    createLatency: summarizeLatencies(createLatencies),
    createToHeld: summarizeLatencies(heldLatencies),
    failures,
  };
}
