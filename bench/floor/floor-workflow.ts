/**
 * The floor: a workflow with the card-hold path's shape (its activities, timers and signals, in
 * the same order) whose activities do nothing. What it reaches per second on a server is the most
 * any workflow of that shape can reach there; the booking workflow's throughput is reported as a
 * ratio of it. Deterministic: bundled by the bench's own worker.
 */
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { createFloorActivities } from './floor-activities.js';

/** The shape copied from a measured card-hold history. */
export interface FloorShape {
  /** Activities before the hold is held (the last one stands for the `hold.held` notification). */
  activitiesBeforeHeld: number;
  /** Signals the workflow waits for once held (the card path's relayed webhooks). */
  signals: number;
  /** Timers; the first sleeps until `releaseAt`, the others fire at once. */
  timers: number;
  /** Activities after the release deadline (the last one stands for `hold.released`). */
  activitiesAfterRelease: number;
}

/** Input of {@link floorWorkflow}. */
export interface FloorInput {
  floorId: string;
  shape: FloorShape;
  /** When the release timer fires (ISO), as the booking's release deadline. */
  releaseAt: string;
}

/** A relayed webhook, as the card path receives them. */
export const floorEventSignal = defineSignal<[string]>('floorEvent');

const { doNothing, reachHeld, reachReleased } = proxyActivities<ReturnType<typeof createFloorActivities>>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3 },
});

/** Runs the card-hold path's shape with activities that do nothing. */
export async function floorWorkflow(input: FloorInput): Promise<void> {
  let signalsSeen = 0;
  setHandler(floorEventSignal, () => {
    signalsSeen += 1;
  });
  const { shape } = input;
  for (let i = 1; i < shape.activitiesBeforeHeld; i += 1) await doNothing();
  await reachHeld(input.floorId);
  await condition(() => signalsSeen >= shape.signals);
  for (let i = 0; i < shape.timers; i += 1) {
    const wait = i === 0 ? Date.parse(input.releaseAt) - Date.now() : 1;
    await sleep(Math.max(1, wait));
  }
  for (let i = 1; i < shape.activitiesAfterRelease; i += 1) await doNothing();
  await reachReleased(input.floorId);
}
