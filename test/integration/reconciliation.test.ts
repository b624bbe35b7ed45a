/**
 * Reconciliation on real parts (dev server, Postgres, the worker, the API's inbox relay, the
 * emulator): a webhook the emulator drops is found in Stripe's event list, stored in the inbox,
 * relayed, and the booking catches up, while the run reports the disagreement it saw; inbox events
 * past Stripe's retry window that no workflow will take are ignored; and the worker process keeps
 * the `booking-reconciliation` Schedule, which runs the workflow.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild } from '../../dev/child-process.js';
import { storeStripeEvent } from '../../inbox/inbox-store.js';
import { withTransaction } from '../../db/transaction.js';
import { ensureReconciliationSchedule, PAUSED_BY_CONFIGURATION_NOTE } from '../../worker/reconciliation-schedule.js';
import { bookingStateQuery, bookingWorkflowId } from '../../workflows/booking/contract.js';
import {
  DEFAULT_PURGE_BATCH_SIZE,
  OPEN_BOOKINGS_QUERY,
  RECONCILIATION_SCHEDULE_ID,
  RECONCILIATION_WORKFLOW_TYPE,
  reconciliationInput,
  type ReconciliationInput,
  type ReconciliationReport,
} from '../../workflows/reconciliation/contract.js';
import { newBooking, startSystemUnderTest, type SystemUnderTest } from '../../harness/system-under-test.js';
import { waitFor } from '../../harness/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let system: SystemUnderTest;

beforeAll(async () => {
  system = await startSystemUnderTest();
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

type ReconciliationWorkflow = (input: ReconciliationInput) => Promise<ReconciliationReport>;

/** Runs one reconciliation on the system's worker and answers its report. */
function reconcile(overrides: Partial<ReconciliationInput> = {}): Promise<ReconciliationReport> {
  return system.client.workflow.execute<ReconciliationWorkflow>(RECONCILIATION_WORKFLOW_TYPE, {
    taskQueue: system.taskQueue,
    workflowId: `reconciliation-test-${randomUUID()}`,
    args: [reconciliationInput({ lookbackSeconds: 600, driftGraceSeconds: 0, ...overrides })],
  });
}

async function waitForHold(bookingId: string, status: string) {
  return waitFor(
    async () => {
      const { body } = await system.api('GET', `/v1/bookings/${bookingId}`);
      return body.hold?.status === status ? body : false;
    },
    { timeoutMs: 60_000, intervalMs: 250, description: `booking ${bookingId} hold ${status}` },
  );
}

/** A booking whose $1 hold is placed; answers its id and the hold's PaymentIntent. */
async function heldBooking(): Promise<{ bookingId: string; paymentIntentId: string }> {
  const booking = newBooking();
  expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
  const held = await waitForHold(booking.bookingId, 'held');
  // Visibility (what the reconciliation lists) is updated asynchronously by the server.
  await waitFor(
    async () =>
      (
        await system.client.workflow.count(
          `${OPEN_BOOKINGS_QUERY} AND WorkflowId = '${bookingWorkflowId(booking.bookingId)}'`,
        )
      ).count === 1,
    { timeoutMs: 30_000, intervalMs: 200, description: `booking ${booking.bookingId} listed as open` },
  );
  // Every webhook of the hold so far delivered and relayed: none still in flight when a test pauses deliveries.
  const paymentIntentId = held.hold.paymentIntentId!;
  await waitFor(
    async () => {
      const events = (await system.stripe.events.list({ limit: 100 })).data.filter((event) => {
        const object = event.data.object as { id?: string; payment_intent?: string };
        return object.id === paymentIntentId || object.payment_intent === paymentIntentId;
      });
      // Settled: relayed, or handled when the event told the workflow nothing new.
      const settled = (await system.inboxRows(booking.bookingId)).filter(
        (row) => row.status === 'relayed' || row.status === 'handled',
      );
      if (events.length === 0 || !events.every((event) => settled.some((row) => row.id === event.id))) return false;
      // ...and the relayed ones applied: an event may make the workflow read the PaymentIntent, which must happen before the test changes it.
      const state = await system.client.workflow
        .getHandle(bookingWorkflowId(booking.bookingId))
        .query(bookingStateQuery);
      return state.processedEventCount >= settled.filter((row) => row.status === 'relayed').length;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: `booking ${booking.bookingId} webhooks all relayed and applied`,
    },
  );
  return { bookingId: booking.bookingId, paymentIntentId };
}

describe('reconciliation', () => {
  it('recovers a dropped webhook into the inbox, relays it, and the booking catches up; the disagreement is reported', async () => {
    const { bookingId, paymentIntentId } = await heldBooking();

    // Someone cancels the hold on Stripe directly, and its webhooks are lost.
    await system.emulatorControl('POST', '/_emulator/faults', { webhooks: { pause: true } });
    try {
      await system.stripe.paymentIntents.cancel(paymentIntentId, { cancellation_reason: 'requested_by_customer' });
      // The emulator may record the request's events just after answering: drop them only once they are all held.
      await waitFor(
        async () => {
          const types = (await system.stripe.events.list({ limit: 20 })).data
            .filter((event) => {
              const object = event.data.object as { id?: string; payment_intent?: string };
              return object.id === paymentIntentId || object.payment_intent === paymentIntentId;
            })
            .map((event) => event.type);
          return types.includes('payment_intent.canceled') && types.includes('charge.refunded');
        },
        { timeoutMs: 10_000, intervalMs: 100, description: 'the cancellation events recorded' },
      );
      const { dropped } = await system.emulatorControl<{ dropped: number }>('POST', '/_emulator/webhooks/drop');
      expect(dropped).toBeGreaterThanOrEqual(2);
    } finally {
      await system.emulatorControl('DELETE', '/_emulator/faults');
    }
    const [canceled] = (await system.stripe.events.list({ type: 'payment_intent.canceled', limit: 10 })).data.filter(
      (event) => (event.data.object as { id: string }).id === paymentIntentId,
    );
    expect((await system.inboxRows(bookingId)).map((row) => row.id)).not.toContain(canceled.id);
    expect(
      (await system.api('GET', `/v1/bookings/${bookingId}`)).body.hold.status,
      JSON.stringify(await system.inboxRows(bookingId)),
    ).toBe('held');

    const report = await reconcile();

    expect(
      report.disagreements.filter((drift) => drift.bookingId === bookingId),
      JSON.stringify(report),
    ).toEqual([
      expect.objectContaining({
        part: 'hold',
        paymentIntentId,
        workflowStatus: 'held',
        stripeStatus: 'canceled',
        eventsRecovered: true,
      }),
    ]);
    expect(report.recoveredEvents).toContainEqual({
      eventId: canceled.id,
      type: 'payment_intent.canceled',
      bookingId,
      setupId: null,
      status: 'pending',
    });
    expect(report.events.recovered).toBeGreaterThanOrEqual(1);
    expect(report.bookings.checked).toBeGreaterThanOrEqual(1);
    // Ids, statuses and counts only: nothing the customer told us.
    expect(JSON.stringify(report)).not.toMatch(/guest@example\.com|Integration Guest|client_secret/);

    const relayed = await waitFor(
      async () => (await system.inboxRows(bookingId)).find((row) => row.id === canceled.id && row.status === 'relayed'),
      { description: 'the recovered event relayed to the booking' },
    );
    expect(relayed.type).toBe('payment_intent.canceled');
    const released = await waitForHold(bookingId, 'released');
    expect(released.hold.reason).toBe('cancelled outside the booking workflow');

    // Another run finds nothing left to recover or report for this booking.
    const again = await reconcile();
    expect(again.recoveredEvents.map((event) => event.eventId)).not.toContain(canceled.id);
    expect(again.disagreements.filter((drift) => drift.bookingId === bookingId)).toEqual([]);
    expect(again.events.ours).toBeGreaterThanOrEqual(report.events.recovered);
  });

  it("ignores, with the reason, pending inbox events past Stripe's retry window that no workflow will take", async () => {
    const running = await heldBooking();
    const neverStarted = `never-started-${randomUUID()}`;
    const rows = [
      {
        id: `evt_stale_unstarted_${randomUUID().slice(0, 8)}`,
        bookingId: neverStarted,
        paymentIntentId: `pi_stale_${randomUUID().slice(0, 8)}`,
      },
      {
        id: `evt_stale_foreign_${randomUUID().slice(0, 8)}`,
        bookingId: null,
        paymentIntentId: `pi_foreign_${randomUUID().slice(0, 8)}`,
      },
      {
        id: `evt_stale_running_${randomUUID().slice(0, 8)}`,
        bookingId: running.bookingId,
        paymentIntentId: running.paymentIntentId,
      },
    ];
    // Received four days ago, and in backoff so the relay leaves them alone during the test: stored in one
    // transaction, so the relay never sees them due (it would set these bare payloads aside as not Stripe events).
    await withTransaction(system.db, async (client) => {
      for (const row of rows) {
        await storeStripeEvent(client, { ...row, type: 'charge.updated', payload: { id: row.id }, status: 'pending' });
      }
      await client.query(
        `UPDATE stripe_events SET received_at = now() - interval '4 days', next_attempt_at = now() + interval '1 day'
          WHERE id = ANY($1::text[])`,
        [rows.map((row) => row.id)],
      );
    });

    const report = await reconcile();

    const [unstarted, foreign, forRunning] = rows;
    expect(report.ignoredInboxEvents).toContainEqual({
      eventId: unstarted.id,
      reason: `workflow booking-${neverStarted} does not exist (never started, or removed after its retention period)`,
    });
    expect(report.ignoredInboxEvents).toContainEqual({
      eventId: foreign.id,
      reason: `PaymentIntent ${foreign.paymentIntentId} is not ours: no event named its booking within Stripe's webhook retry window`,
    });
    expect(report.ignoredInboxEvents.map((event) => event.eventId)).not.toContain(forRunning.id);
    expect(report.staleInboxEvents.stillPending).toBeGreaterThanOrEqual(1);

    const stored = await system.db.query<{ id: string; status: string; last_error: string | null }>(
      'SELECT id, status, last_error FROM stripe_events WHERE id = ANY($1::text[]) ORDER BY id',
      [rows.map((row) => row.id)],
    );
    const statusOf = (id: string) => stored.rows.find((row) => row.id === id);
    expect(statusOf(unstarted.id)).toMatchObject({
      status: 'ignored',
      last_error: expect.stringContaining('does not exist'),
    });
    expect(statusOf(foreign.id)).toMatchObject({
      status: 'ignored',
      last_error: expect.stringContaining('is not ours'),
    });
    expect(statusOf(forRunning.id)?.status).toBe('pending');

    expect((await system.api('POST', `/v1/bookings/${running.bookingId}/cancel`, {})).status).toBe(200);
  });

  it('the worker process creates the booking-reconciliation Schedule at start, and the Schedule runs the workflow', async () => {
    const probeQueue = `reconciliation-probe-${randomUUID()}`;
    const worker = startChild({
      name: 'worker',
      command: path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      args: ['worker/main.ts'],
      cwd: ROOT,
      echo: false,
      env: {
        ...process.env,
        DATABASE_URL: system.databaseUrl,
        TEMPORAL_ADDRESS: system.temporal.address,
        TEMPORAL_TASK_QUEUE: probeQueue,
        STRIPE_SECRET_KEY: system.stripeSecretKey,
        STRIPE_API_URL: system.emulatorUrl,
        PAYLOAD_CODEC_KEYS: system.payloadCodecKeys,
        RECONCILE_INTERVAL: '1h',
        RECONCILE_LOOKBACK: '2h',
        DATA_RETENTION: '40d',
      },
    });
    const handle = system.client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID);
    try {
      const created = await waitFor(() => handle.describe(), {
        timeoutMs: 90_000,
        intervalMs: 500,
        description: `the ${RECONCILIATION_SCHEDULE_ID} Schedule (worker output: ${worker.recentOutput()})`,
      });
      expect(created.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
      expect(created.policies.overlap).toBe('SKIP');
      expect(created.action).toMatchObject({ workflowType: RECONCILIATION_WORKFLOW_TYPE, taskQueue: probeQueue });
      expect(created.action.args).toEqual([
        reconciliationInput({
          lookbackSeconds: 7200,
          purge: { olderThanSeconds: 40 * 86_400, batchSize: DEFAULT_PURGE_BATCH_SIZE },
        }),
      ]);
      expect(created.state.paused).toBe(false);
    } finally {
      await worker.stop({ timeoutMs: 30_000 });
    }

    // Another start (here: with the system's worker and settings) updates it in place.
    expect(
      await ensureReconciliationSchedule(system.client, {
        taskQueue: system.taskQueue,
        intervalSeconds: 1800,
        lookbackSeconds: 600,
      }),
    ).toBe('updated');
    const updated = await handle.describe();
    expect(updated.spec.intervals).toEqual([expect.objectContaining({ every: 1_800_000 })]);
    expect(updated.action).toMatchObject({ taskQueue: system.taskQueue });

    // `temporal schedule trigger --schedule-id booking-reconciliation` does this.
    await handle.trigger();
    const action = await waitFor(async () => (await handle.describe()).info.recentActions.at(-1), {
      description: 'a run started by the Schedule',
    });
    const report = (await system.client.workflow
      .getHandle(action.action.workflow.workflowId)
      .result()) as ReconciliationReport;
    expect(report.finishedAt).not.toBeNull();
    const lookbackMs = Date.parse(report.startedAt) - Date.parse(report.eventsSince);
    expect(lookbackMs).toBeGreaterThanOrEqual(600_000);
    expect(lookbackMs).toBeLessThan(601_000);

    expect(
      await ensureReconciliationSchedule(system.client, {
        taskQueue: system.taskQueue,
        intervalSeconds: null,
        lookbackSeconds: 600,
      }),
    ).toBe('paused');
    expect((await handle.describe()).state).toMatchObject({ paused: true, note: PAUSED_BY_CONFIGURATION_NOTE });
    await ensureReconciliationSchedule(system.client, {
      taskQueue: system.taskQueue,
      intervalSeconds: 1800,
      lookbackSeconds: 600,
    });
    expect((await handle.describe()).state.paused).toBe(false);
    await handle.delete();
  });
});
