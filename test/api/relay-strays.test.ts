/**
 * Events about a PaymentIntent its booking never learned: the relay settles them in the inbox,
 * unsignalled, when the booking creates no PaymentIntent (every recorded creation answered), never
 * created this one, and every worker records its creations; otherwise it waits the grace and signals them, as before. Against real
 * Postgres and a real Temporal dev server (whose DescribeTaskQueue names the pollers).
 */
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creationRecordingIdentity, everyWorkerRecordsCreations } from '../../inbox/creation-recording-workers.js';
import { recordCreationAnswered, recordCreationStarted } from '../../inbox/payment-intent-creations.js';
import { runRelayPass } from '../../inbox/relay-pass.js';
import { DEFAULT_RELAY_RETRY } from '../../inbox/relay-retry.js';
import { waitFor } from '../../harness/wait-for.js';
import { silentLogger } from '../../telemetry/logger.js';
import { startApiHarness, type ApiHarness } from './fixtures/api-harness.js';
import { bookingWithUnlearnedEvent } from './fixtures/unlearned-event.js';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.teardown();
});

const GRACE_MS = 60_000;

/** Records a create of the booking's PaymentIntent (by default another than the event's): sent, and answered unless `answered` is false. */
async function recordCreation(
  bookingId: string,
  { answered, paymentIntentId = `pi_own_${bookingId}` }: { answered: boolean; paymentIntentId?: string },
): Promise<void> {
  const creation = { bookingId, idempotencyKey: `${bookingId}:hold-place:1` };
  await recordCreationStarted(harness.db, creation);
  // The booking's hold was placed a minute before the event's PaymentIntent was created.
  await harness.db.query(
    `UPDATE payment_intent_creations SET started_at = now() - interval '1 minute' WHERE idempotency_key = $1`,
    [creation.idempotencyKey],
  );
  // Answered before 3-D Secure: the event (requires_capture) does not repeat it.
  if (answered) await recordCreationAnswered(harness.db, creation, { paymentIntentId, status: 'requires_action' });
}

const pass = (graceMs: number, creationsRecorded: boolean) =>
  runRelayPass({
    db: harness.db,
    temporal: harness.temporal,
    config: { ...harness.config, RELAY_UNLEARNED_GRACE_MS: graceMs },
    logger: silentLogger,
    retry: DEFAULT_RELAY_RETRY,
    creationsRecorded: () => Promise.resolve(creationsRecorded),
  });

async function inboxRow(eventId: string) {
  const { rows } = await harness.db.query<{ status: string; attempts: number; last_error: string | null }>(
    'SELECT status, attempts, last_error FROM stripe_events WHERE id = $1',
    [eventId],
  );
  return rows[0];
}

describe('an event about a PaymentIntent its booking never learned', () => {
  it('is settled at once, unsignalled, when every creation of its booking was answered', async () => {
    const { bookingId, eventId } = await bookingWithUnlearnedEvent(harness);
    await recordCreation(bookingId, { answered: true });

    expect(await pass(GRACE_MS, true)).toMatchObject({ handled: 1, deferred: 0, relayed: 0 });
    const row = await inboxRow(eventId);
    expect(row).toMatchObject({ status: 'handled', attempts: 0 });
    expect(row.last_error).toContain('never learned while creating none');
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([]);
  });

  it('is signalled when it is about a PaymentIntent its booking created, even once the learned status is gone (purged, or forgotten to relay it again)', async () => {
    const { bookingId, eventId } = await bookingWithUnlearnedEvent(harness);
    await recordCreation(bookingId, { answered: true, paymentIntentId: `pi_${eventId}` });
    await harness.db.query('DELETE FROM payment_intent_statuses WHERE payment_intent_id = $1', [`pi_${eventId}`]);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await pass(1, true)).toMatchObject({ relayed: 1, handled: 0 });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });

  it('is signalled when its PaymentIntent was created before its booking recorded any creation (by a worker that recorded none)', async () => {
    const { bookingId, eventId } = await bookingWithUnlearnedEvent(harness, new Date(Date.now() - 600_000));
    await recordCreation(bookingId, { answered: true });
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await pass(1, true)).toMatchObject({ relayed: 1, handled: 0 });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });

  it('is signalled when the event does not say when its PaymentIntent was created', async () => {
    const { bookingId, eventId } = await bookingWithUnlearnedEvent(harness, null);
    await recordCreation(bookingId, { answered: true });
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await pass(1, true)).toMatchObject({ relayed: 1, handled: 0 });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });

  it('waits its grace and is signalled while a creation of its booking is unanswered (a lost answer)', async () => {
    const { bookingId, eventId } = await bookingWithUnlearnedEvent(harness);
    await recordCreation(bookingId, { answered: false });

    expect(await pass(GRACE_MS, true)).toMatchObject({ deferred: 1, handled: 0 });
    // The grace has passed.
    await harness.db.query(
      `UPDATE stripe_events SET received_at = now() - interval '2 minutes', next_attempt_at = now() WHERE id = $1`,
      [eventId],
    );
    expect(await pass(GRACE_MS, true)).toMatchObject({ relayed: 1 });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });

  it('is signalled when its booking has no recorded creation (its creates ran on a worker that records none)', async () => {
    const { bookingId, eventId } = await bookingWithUnlearnedEvent(harness);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await pass(1, true)).toMatchObject({ relayed: 1, handled: 0 });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });

  it('is signalled while a worker polling the task queue does not record its creations', async () => {
    const { bookingId, eventId } = await bookingWithUnlearnedEvent(harness);
    await recordCreation(bookingId, { answered: true });
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await pass(1, false)).toMatchObject({ relayed: 1, handled: 0 });
    expect((await harness.bookingState(bookingId)).seenEventIds).toEqual([eventId]);
  });
});

describe('whether every worker records its creations', () => {
  /** A worker with only a no-op activity, polling `taskQueue` as one that records its creations. */
  async function recordingWorker(taskQueue: string) {
    const worker = await Worker.create({
      connection: harness.env.nativeConnection,
      namespace: harness.env.namespace ?? 'default',
      taskQueue,
      activities: { noop: () => Promise.resolve() },
      identity: creationRecordingIdentity(),
    });
    const running = worker.run();
    return async () => {
      worker.shutdown();
      await running;
    };
  }

  /**
   * A worker of an older release, as the server sees it: an activity long poll under Temporal's default
   * identity (one process may not run two SDK workers on one task queue).
   */
  function olderPoller(taskQueue: string) {
    const abort = new AbortController();
    const polling = harness.temporal
      .withAbortSignal(abort.signal, () =>
        // A long poll must carry a deadline; the server answers empty by then if no task came.
        harness.temporal.withDeadline(Date.now() + 60_000, () =>
          harness.temporal.workflowService.pollActivityTaskQueue({
            namespace: harness.temporal.options.namespace,
            taskQueue: { name: taskQueue },
            identity: '4242@older-host',
          }),
        ),
      )
      .catch(() => undefined);
    return async () => {
      abort.abort();
      await polling;
    };
  }

  // Each check builds its own gate: a gate trusts one answer for 30 s.
  const check = (taskQueue: string) => everyWorkerRecordsCreations(harness.temporal, taskQueue, silentLogger)();

  it('is true only while the task queue has activity pollers and every one of them says it records them', async () => {
    const taskQueue = `creations-${randomUUID()}`;
    expect(await check(taskQueue)).toBe(false);

    const stopRecording = await recordingWorker(taskQueue);
    await waitFor(() => check(taskQueue), { timeoutMs: 15_000, intervalMs: 200, description: 'the poller listed' });

    // A worker of an older release joins (a rolling deploy): Temporal's default identity, no mark.
    const stopOlder = olderPoller(taskQueue);
    await waitFor(async () => !(await check(taskQueue)), {
      timeoutMs: 15_000,
      intervalMs: 200,
      description: 'the older poller listed',
    });
    await Promise.all([stopOlder(), stopRecording()]);
  });
});
