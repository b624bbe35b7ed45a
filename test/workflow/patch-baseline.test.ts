/**
 * The booking's patch baseline: a booking started on code with it records one patch marker and one
 * `TemporalChangeVersion` upsert, where it recorded a pair for each patch it took; a booking started
 * before it asks each patch on its own, and both histories replay on the current code.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentGateway } from '../../stripe/payment-gateway.js';
import { WORKFLOWS_PATH, createBookingWorker } from '../../worker/create-worker.js';
import type { BookingState } from '../../workflows/booking/contract.js';
import {
  BOOKING_PATCH_BASELINE,
  HOLD_TIMED_FROM_AUTHORIZATION_PATCH,
  KEEP_DEADLINE_TIMER_PATCH,
} from '../../workflows/booking/booking-patches.js';
import { ONE_CALL_STRIPE_WRITES_PATCH } from '../../workflows/common/stripe-write.js';
import { quietLogger, startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
import { decodePayload } from '../../harness/history-activities.js';

let harness: BookingHarness;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  harness = await startBookingHarness();
  workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger() });
});

afterAll(async () => {
  await harness?.stop();
});

/** What patches leave in a history: the ids of its patch markers, and how many upserts set `TemporalChangeVersion` alone. */
async function patchBookkeeping(handle: WorkflowHandle): Promise<{ markers: string[]; versionUpserts: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const markers = events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    return [(decodePayload(marker.details!['patch-data'].payloads![0]) as { id: string }).id];
  });
  const versionUpserts = events.filter((event) => {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    return fields !== undefined && fields !== null && Object.keys(fields).join() === 'TemporalChangeVersion';
  }).length;
  return { markers, versionUpserts };
}

describe('the booking patch baseline (time-skipping)', () => {
  it('records one patch marker and one TemporalChangeVersion upsert for a card hold held and released', async () => {
    const handle = await harness.startBooking();
    const final: BookingState = await handle.result();
    await harness.recordHistory(handle, 'baseline-hold-released');

    expect(final.hold.status).toBe('released');
    expect(await patchBookkeeping(handle)).toEqual({ markers: [BOOKING_PATCH_BASELINE.id], versionUpserts: 1 });
  });

  it('asks each patch on its own in a booking started before the baseline, which replays on the current code', async () => {
    const taskQueue = `before-baseline-${randomUUID()}`;
    // The deployment before the baseline: its patch is never taken, the others are.
    const before = await createBookingWorker({
      connection: harness.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      gateway: createPaymentGateway(harness.stripe),
      db: harness.db,
      callback: {},
      options: { workflowBundle, patchActivationCallback: ({ patchId }) => patchId !== BOOKING_PATCH_BASELINE.id },
    });
    const handle = await before.runUntil(async () => {
      const started = await harness.startBooking({}, { taskQueue });
      await started.result();
      return started;
    });

    const { markers, versionUpserts } = await patchBookkeeping(handle);
    expect(markers).not.toContain(BOOKING_PATCH_BASELINE.id);
    expect(markers).toEqual(
      expect.arrayContaining([
        ONE_CALL_STRIPE_WRITES_PATCH,
        KEEP_DEADLINE_TIMER_PATCH,
        HOLD_TIMED_FROM_AUTHORIZATION_PATCH,
      ]),
    );
    expect(versionUpserts).toBe(markers.length);
    await Worker.runReplayHistory({ workflowBundle, replayName: 'before-baseline' }, await handle.fetchHistory());
  });
});
