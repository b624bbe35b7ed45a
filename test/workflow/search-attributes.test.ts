import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentGateway } from '../../stripe/payment-gateway.js';
import { WORKFLOWS_PATH, createBookingWorker } from '../../worker/create-worker.js';
import {
  bookingStateQuery,
  cancelBookingUpdate,
  type BankPaymentInput,
  type BookingState,
} from '../../workflows/booking/contract.js';
import { BOOKING_PATCH_BASELINE, BOOKING_SEARCH_ATTRIBUTES_PATCH } from '../../workflows/booking/booking-patches.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/common/search-attributes.js';
import {
  setupIntentReadyUpdate,
  setupStateQuery,
  type PaymentMethodSetupState,
} from '../../workflows/setup/contract.js';
import {
  floodWithUnchangedHoldEvents,
  quietLogger,
  startBookingHarness,
  type BookingHarness,
} from '../../harness/booking-harness.js';
import { activitySummaries, decodePayload } from '../../harness/history-activities.js';
import { waitFor } from '../../harness/wait-for.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness({ achMicrodepositType: 'descriptor_code' });
});

afterAll(async () => {
  await harness?.stop();
});

const PRODUCT_ATTRIBUTES = new Set<string>(SEARCH_ATTRIBUTES.map((key) => key.name));
type AttributeValues = Record<string, unknown>;

/** The product's search attributes as Temporal describes the workflow now (Datetimes as ISO strings). */
async function describedAttributes(handle: WorkflowHandle): Promise<AttributeValues> {
  const { typedSearchAttributes } = await handle.describe();
  return Object.fromEntries(
    typedSearchAttributes
      .getAll()
      .filter((pair) => PRODUCT_ATTRIBUTES.has(pair.key.name))
      .map((pair) => [pair.key.name, pair.value instanceof Date ? pair.value.toISOString() : pair.value]),
  );
}

/** Every upsert of the product's search attributes in the run's history, in order; null means removed. */
async function upserts(handle: WorkflowHandle): Promise<AttributeValues[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
    const ours = Object.entries(fields).filter(([name]) => PRODUCT_ATTRIBUTES.has(name));
    return ours.length === 0 ? [] : [Object.fromEntries(ours.map(([name, payload]) => [name, decodePayload(payload)]))];
  });
}

/** The workflow's current details, as the Web UI and `temporal workflow metadata` read them. */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

const MANDATE = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (booking tests)',
  acceptedAt: '2026-11-01T10:00:00Z',
};
const disputedAccount: BankPaymentInput = {
  amount: 12_500,
  paymentMethod: 'pm_usBankAccount_dispute',
  mandate: MANDATE,
  verification: 'automatic',
  targetDate: null,
  checkBalance: false,
};

describe('search attributes and current details follow the workflow (time-skipping)', () => {
  it("upserts a card booking's hold status and release time only when they change, and removes the release time once released", async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    const releaseAt = held.hold.releaseAt!;

    expect(await describedAttributes(handle)).toEqual({
      BookingId: held.bookingId,
      CustomerId: held.customerId,
      HoldStatus: 'held',
      HoldReleaseAt: releaseAt,
    });
    expect(await currentDetails(handle)).toBe(
      `**Hold** held, $1 on pm_card_visa (${held.hold.paymentIntentId}); release at ${releaseAt.slice(0, 16).replace('T', ' ')} UTC`,
    );

    const final: BookingState = await handle.result();
    await harness.recordHistory(handle, 'search-attributes-hold-released');

    expect(final.hold.status).toBe('released');
    expect(await describedAttributes(handle)).toEqual({
      BookingId: held.bookingId,
      CustomerId: held.customerId,
      HoldStatus: 'released',
    });
    // The harness starts it without attributes (the API starts it with BookingId, CustomerId and HoldStatus).
    expect(await upserts(handle)).toEqual([
      { BookingId: held.bookingId, CustomerId: held.customerId, HoldStatus: 'placing' },
      { HoldStatus: 'held', HoldReleaseAt: releaseAt },
      { HoldStatus: 'released', HoldReleaseAt: null },
    ]);
    expect(await activitySummaries(handle)).toEqual([
      'placeHold: place $1 hold on pm_card_visa in one call (attempt 1)',
      'notifyBookingService: notify the booking service: hold.held',
      `releaseHold: release $1 hold ${held.hold.paymentIntentId} (released at the hold-release deadline)`,
      'notifyBookingService: notify the booking service: hold.released',
    ]);
  });

  it("follows a bank payment's status from pending to disputed", async () => {
    const handle = await harness.startBooking({ payment: disputedAccount });
    const processing = await harness.waitForPaymentStatus(handle, 'processing');
    expect(await describedAttributes(handle)).toMatchObject({ PaymentStatus: 'processing' });
    expect((await currentDetails(handle)).split('\n\n')[1]).toMatch(
      /^\*\*Payment\*\* \$125 from pm_usBankAccount_dispute \(pi_\w+\) processing at the bank since .+ UTC; overdue alert at .+ UTC$/,
    );

    await harness.control('POST', `/_emulator/payment_intents/${processing.payment!.paymentIntentId}/settle`);
    const relayAll = async () => {
      await harness.relay(processing.bookingId, await harness.eventsFor(processing.bookingId));
      await handle.query(bookingStateQuery);
    };
    await relayAll();
    await harness.waitForPaymentStatus(handle, 'succeeded');
    await harness.control('POST', '/_emulator/clock/advance', { seconds: 2 * 86_400 });
    await relayAll();
    const disputed = await harness.waitForPaymentStatus(handle, 'disputed');
    await harness.recordHistory(handle, 'search-attributes-ach-disputed');

    expect(await describedAttributes(handle)).toMatchObject({ HoldStatus: 'held', PaymentStatus: 'disputed' });
    expect(
      (await upserts(handle)).map((values) => values.PaymentStatus).filter((status) => status !== undefined),
    ).toEqual(['pending', 'processing', 'succeeded', 'disputed']);
    expect((await currentDetails(handle)).split('\n\n')[1]).toContain(`disputed (${disputed.payment!.dispute!.id}, `);
    await handle.terminate('test over');
  });

  it("follows a setup's status to succeeded", async () => {
    const handle = await harness.startSetup({ type: 'card' });
    const ready = await handle.executeUpdate(setupIntentReadyUpdate);
    expect(await describedAttributes(handle)).toEqual({
      CustomerId: ready.customerId,
      SetupStatus: 'requires_payment_method',
    });
    expect(await currentDetails(handle)).toMatch(
      /^\*\*Setup\*\* of a card \(seti_\w+\): waiting for the customer to enter the payment method until .+ UTC$/,
    );

    await harness.stripe.setupIntents.confirm(ready.setupIntentId!, { payment_method: 'pm_card_visa' });
    await harness.relaySetup(ready.setupId, await harness.setupEventsFor(ready.setupId));
    await handle.query(setupStateQuery);
    const final: PaymentMethodSetupState = await handle.result();
    await harness.recordHistory(handle, 'search-attributes-setup-card');

    expect(await describedAttributes(handle)).toEqual({ CustomerId: final.customerId, SetupStatus: 'succeeded' });
    expect(await upserts(handle)).toEqual([
      { CustomerId: final.customerId, SetupStatus: 'creating' },
      { SetupStatus: 'requires_payment_method' },
      { SetupStatus: 'succeeded' },
    ]);
    expect(await currentDetails(handle)).toBe(
      `**Setup** of a card (${final.setupIntentId}): saved ${final.paymentMethodId}`,
    );
  });

  it('gives a booking started before the deployment its search attributes at its first change after it', async () => {
    const workflowBundle: WorkflowBundle = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: quietLogger(),
    });
    const taskQueue = `before-deployment-${randomUUID()}`;
    const workerWith = (options: { patchActivationCallback?: (input: { patchId: string }) => boolean }) =>
      createBookingWorker({
        connection: harness.env.nativeConnection,
        namespace: 'default',
        taskQueue,
        gateway: createPaymentGateway(harness.stripe),
        db: harness.db,
        callback: {},
        // No cache: each worker replays the history it is given, as a freshly deployed one would.
        options: { workflowBundle, maxCachedWorkflows: 0, ...options },
      });

    // The deployment before this patch (and before the baseline that includes it): the workflow never upserts.
    const before = await workerWith({
      patchActivationCallback: ({ patchId }) =>
        patchId !== BOOKING_SEARCH_ATTRIBUTES_PATCH && patchId !== BOOKING_PATCH_BASELINE.id,
    });
    const handle = await before.runUntil(async () => {
      const started = await harness.startBooking({}, { taskQueue });
      await harness.waitForHoldStatus(started, 'held');
      return started;
    });
    expect(await describedAttributes(handle)).toEqual({});

    // This deployment: the next change (a cancellation) upserts everything at once.
    const after = await workerWith({});
    const final = await after.runUntil(async () => {
      const cancelled = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
      await handle.result();
      return cancelled;
    });
    await harness.recordHistory(handle, 'search-attributes-after-deployment');

    expect(final.hold.status).toBe('released');
    expect(await describedAttributes(handle)).toEqual({
      BookingId: final.bookingId,
      CustomerId: final.customerId,
      HoldStatus: 'released',
    });
    expect(await upserts(handle)).toEqual([
      {
        BookingId: final.bookingId,
        CustomerId: final.customerId,
        HoldStatus: 'held',
        HoldReleaseAt: final.hold.releaseAt,
      },
      { HoldStatus: 'released', HoldReleaseAt: null },
    ]);
    // Replaying the whole history takes the old path before the marker and the new one after it.
    await Worker.runReplayHistory(
      { workflowBundle, replayName: 'before-and-after-deployment' },
      await handle.fetchHistory(),
    );
  });

  it('keeps its search attributes when it continues as new', async () => {
    const handle = await harness.startBooking();
    const held = await harness.waitForHoldStatus(handle, 'held');
    const firstRunId = (await handle.describe()).runId;
    const before = await describedAttributes(handle);

    // More events than one run keeps (CONTINUE_AS_NEW_AFTER_EVENTS), none of which changes the hold.
    const flooded = await floodWithUnchangedHoldEvents(handle, held.hold.paymentIntentId!, 2_100);
    await waitFor(async () => (await handle.query(bookingStateQuery)).processedEventCount === flooded, {
      description: 'every flooded event applied',
      timeoutMs: 60_000,
    });

    expect((await handle.describe()).runId).not.toBe(firstRunId);
    expect(await describedAttributes(handle)).toEqual(before);
    expect(await currentDetails(handle)).toMatch(/^\*\*Hold\*\* held, /);
    const final = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    expect(final.hold.status).toBe('released');
  });
});
