/**
 * The retention purge on real parts: PostgreSQL with the migrated schema, and a Temporal dev server
 * whose visibility says which bookings are still running (workflows started on a task queue no worker
 * polls stay running; terminated ones are closed). Rows are aged by setting their timestamps.
 * Also: the dev server's namespace gets the configured workflow retention.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDataPurgeActivities } from '../../activities/reconciliation/purge-expired-data.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { storeStripeEvent, type InboxStatus } from '../../inbox/inbox-store.js';
import { startDevServer, type DevServerHandle } from '../../harness/dev-server-env.js';
import { startTestPostgres, type TestPostgres } from '../../harness/postgres.js';
import { waitFor } from '../../harness/wait-for.js';
import { bookingWorkflowId } from '../../workflows/booking/contract.js';
import {
  DEFAULT_PURGE_BATCH_SIZE,
  RECONCILIATION_SCHEDULE_ID,
  type DataPurgeInput,
  type DataPurgeResult,
  type ReconciliationInput,
} from '../../workflows/reconciliation/contract.js';
import { ensureReconciliationSchedule } from '../../worker/reconciliation-schedule.js';
import { paymentMethodSetupWorkflowId } from '../../workflows/setup/contract.js';

const DAY = 86_400_000;
const RETENTION_DAYS = 35;
const NAMESPACE_RETENTION_SECONDS = 9 * 86_400;

let postgres: TestPostgres;
let db: pg.Pool;
let server: DevServerHandle;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  [postgres, server] = await Promise.all([
    startTestPostgres(),
    startDevServer({ namespaceRetentionSeconds: NAMESPACE_RETENTION_SECONDS }),
  ]);
  await migrate(postgres.url);
  db = createPool(postgres.url);
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await db?.end();
  await Promise.all([server?.dispose(), postgres?.stop()]);
});

beforeEach(async () => {
  await db.query(
    'TRUNCATE stripe_events, notifications, balance_refresh_requests, payment_intent_statuses, payment_intent_creations',
  );
});

/** A unique id for this test's bookings, so visibility answers for them alone. */
const uid = () => randomUUID().slice(0, 8);

/** Stores an inbox event `ageDays` old with `status`. */
async function inboxEvent(
  id: string,
  ageDays: number,
  status: InboxStatus,
  row: { bookingId?: string | null; setupId?: string | null; paymentIntentId?: string | null } = {},
): Promise<void> {
  await storeStripeEvent(db, {
    id,
    type: 'payment_intent.succeeded',
    bookingId: row.bookingId ?? null,
    paymentIntentId: row.paymentIntentId ?? null,
    setupId: row.setupId ?? null,
    payload: { id, object: 'event' },
    status: 'pending',
  });
  await db.query(
    `UPDATE stripe_events SET status = $2, received_at = now() - make_interval(days => $3),
            attempts = CASE WHEN $2 = 'pending' THEN 7 ELSE 1 END,
            last_error = CASE WHEN $2 = 'pending' THEN 'workflow not found' END
      WHERE id = $1`,
    [id, status, ageDays],
  );
}

/** Records a notification `ageDays` old, delivered or not. */
async function notification(id: string, bookingId: string, ageDays: number, delivered: boolean): Promise<void> {
  await db.query(
    `INSERT INTO notifications (id, booking_id, type, payload, created_at, delivered_at, attempts)
     VALUES ($1, $2, 'hold.released', '{}', now() - make_interval(days => $3),
             CASE WHEN $4 THEN now() - make_interval(days => $3) END, 1)`,
    [id, bookingId, ageDays, delivered],
  );
}

/** Records that `bookingId` asked for a balance refresh of `accountId` `ageDays` ago. */
async function balanceRefreshRequest(accountId: string, bookingId: string, ageDays: number): Promise<void> {
  await db.query(
    `INSERT INTO balance_refresh_requests (account_id, booking_id, requested_at)
     VALUES ($1, $2, now() - make_interval(days => $3))`,
    [accountId, bookingId, ageDays],
  );
}

const remainingEvents = async () =>
  (await db.query<{ id: string }>('SELECT id FROM stripe_events ORDER BY id')).rows.map((row) => row.id);
const remainingNotifications = async () =>
  (await db.query<{ id: string }>('SELECT id FROM notifications ORDER BY id')).rows.map((row) => row.id);

/** Starts workflows that stay running (no worker polls their queue) and waits until visibility lists them. */
async function runningWorkflows(...workflowIds: string[]): Promise<void> {
  const taskQueue = `nobody-polls-${uid()}`;
  for (const workflowId of workflowIds) await client.workflow.start('bookingWorkflow', { taskQueue, workflowId });
  await waitForVisibility(workflowIds, 'Running');
}

/** Starts and terminates workflows, and waits until visibility lists them as closed. */
async function closedWorkflows(...workflowIds: string[]): Promise<void> {
  const taskQueue = `nobody-polls-${uid()}`;
  for (const workflowId of workflowIds) {
    const handle = await client.workflow.start('bookingWorkflow', { taskQueue, workflowId });
    await handle.terminate('finished for the test');
  }
  await waitForVisibility(workflowIds, 'Terminated');
}

async function waitForVisibility(workflowIds: string[], status: string): Promise<void> {
  const query = `WorkflowId IN (${workflowIds.map((id) => `'${id}'`).join(', ')}) AND ExecutionStatus = '${status}'`;
  await waitFor(async () => (await client.workflow.count(query)).count === workflowIds.length, {
    timeoutMs: 30_000,
    intervalMs: 100,
    description: `${workflowIds.length} workflow(s) listed as ${status}`,
  });
}

/** Runs the purge activity as the worker would, with the real database and visibility. */
function purge(input: Partial<DataPurgeInput> = {}): Promise<DataPurgeResult> {
  const activities = createDataPurgeActivities({ db, temporal: client, now: () => new Date() });
  return new MockActivityEnvironment().run((input: DataPurgeInput) => activities.purgeExpiredData(input), {
    olderThanSeconds: RETENTION_DAYS * 86_400,
    batchSize: 500,
    ...input,
  });
}

describe('retention purge', () => {
  it('deletes settled inbox events and delivered notifications older than the retention, of finished bookings', async () => {
    const closed = `closed-${uid()}`;
    await closedWorkflows(bookingWorkflowId(closed));
    await inboxEvent('evt_old_relayed', 40, 'relayed', { bookingId: closed, paymentIntentId: `pi_${closed}` });
    await inboxEvent('evt_old_closed', 36, 'closed', { bookingId: closed, paymentIntentId: `pi_${closed}` });
    await inboxEvent('evt_old_ignored', 90, 'ignored', { paymentIntentId: 'pi_not_ours' });
    await inboxEvent('evt_old_handled', 50, 'handled');
    await inboxEvent('evt_recent_relayed', 34, 'relayed', { bookingId: closed, paymentIntentId: `pi_${closed}` });
    // A booking whose workflow never existed, or was removed after the namespace's retention.
    await inboxEvent('evt_old_unknown_booking', 60, 'relayed', { bookingId: `gone-${uid()}` });
    await notification('ntf_old_delivered', closed, 40, true);
    await notification('ntf_recent_delivered', closed, 34, true);

    const result = await purge();

    expect(await remainingEvents()).toEqual(['evt_recent_relayed']);
    expect(await remainingNotifications()).toEqual(['ntf_recent_delivered']);
    expect(result.stripeEvents).toEqual({ purged: 5, kept: 0 });
    expect(result.notifications).toEqual({ purged: 1, kept: 0 });
    expect(result.complete).toBe(true);
    expect(Date.now() - Date.parse(result.olderThan)).toBeGreaterThanOrEqual(RETENTION_DAYS * DAY);
  });

  it('never deletes a pending event (not yet relayed, or failing to relay) or an undelivered notification, however old', async () => {
    const closed = `closed-${uid()}`;
    await closedWorkflows(bookingWorkflowId(closed));
    await inboxEvent('evt_pending_for_years', 900, 'pending', { bookingId: closed });
    await inboxEvent('evt_pending_no_booking_yet', 400, 'pending', { paymentIntentId: 'pi_unknown' });
    await notification('ntf_undelivered', closed, 900, false);

    const result = await purge();

    expect(await remainingEvents()).toEqual(['evt_pending_for_years', 'evt_pending_no_booking_yet']);
    expect(await remainingNotifications()).toEqual(['ntf_undelivered']);
    expect(result.stripeEvents.purged + result.notifications.purged).toBe(0);
  });

  it('never deletes a row of a booking or setup whose workflow is still running, however old, and walks past them', async () => {
    const running = `running-${uid()}`;
    const setup = `setup-${uid()}`;
    const closed = `closed-${uid()}`;
    await runningWorkflows(bookingWorkflowId(running), paymentMethodSetupWorkflowId(setup));
    await closedWorkflows(bookingWorkflowId(closed));
    // Oldest first: the running booking's rows fill the first batches, the finished one's come after.
    for (let index = 0; index < 5; index += 1) {
      await inboxEvent(`evt_running_${index}`, 200 - index, 'relayed', {
        bookingId: running,
        paymentIntentId: `pi_${running}`,
      });
      await notification(`ntf_running_${index}`, running, 200 - index, true);
    }
    await inboxEvent('evt_setup', 150, 'relayed', { setupId: setup });
    await inboxEvent('evt_closed', 100, 'relayed', { bookingId: closed, paymentIntentId: `pi_${closed}` });
    await notification('ntf_closed', closed, 100, true);

    const result = await purge({ batchSize: 2 });

    expect(await remainingEvents()).toEqual([
      'evt_running_0',
      'evt_running_1',
      'evt_running_2',
      'evt_running_3',
      'evt_running_4',
      'evt_setup',
    ]);
    expect(await remainingNotifications()).toEqual([
      'ntf_running_0',
      'ntf_running_1',
      'ntf_running_2',
      'ntf_running_3',
      'ntf_running_4',
    ]);
    expect(result.stripeEvents).toEqual({ purged: 1, kept: 6 });
    expect(result.notifications).toEqual({ purged: 1, kept: 5 });
  });

  it('deletes balance refresh requests older than the retention, never one of a booking still running, however old', async () => {
    const running = `running-${uid()}`;
    const closed = `closed-${uid()}`;
    await runningWorkflows(bookingWorkflowId(running));
    await closedWorkflows(bookingWorkflowId(closed));
    await balanceRefreshRequest('fca_running', running, 200);
    await balanceRefreshRequest('fca_old', closed, 40);
    await balanceRefreshRequest('fca_recent', closed, 34);
    // The same account asked about by a finished booking, then by a running one: the running one's row stays.
    await balanceRefreshRequest('fca_shared', closed, 150);
    await balanceRefreshRequest('fca_shared', running, 120);
    await balanceRefreshRequest('fca_gone', `gone-${uid()}`, 60);

    const result = await purge({ batchSize: 2 });

    const { rows } = await db.query<{ account_id: string; booking_id: string }>(
      'SELECT account_id, booking_id FROM balance_refresh_requests ORDER BY account_id, booking_id',
    );
    expect(rows).toEqual([
      { account_id: 'fca_recent', booking_id: closed },
      { account_id: 'fca_running', booking_id: running },
      { account_id: 'fca_shared', booking_id: running },
    ]);
    expect(result.balanceRefreshRequests).toEqual({ purged: 3, kept: 2 });
    expect(result.complete).toBe(true);
  });

  it('deletes the PaymentIntent statuses the activities learned longer ago than the retention', async () => {
    for (const [paymentIntentId, ageDays] of [
      ['pi_learned_old', 40],
      ['pi_learned_older', 90],
      ['pi_learned_recent', 34],
    ] as const) {
      await db.query(
        `INSERT INTO payment_intent_statuses (payment_intent_id, status, learned_at)
         VALUES ($1, 'canceled', now() - make_interval(days => $2))`,
        [paymentIntentId, ageDays],
      );
    }

    const result = await purge({ batchSize: 1 });

    const { rows } = await db.query<{ payment_intent_id: string }>(
      'SELECT payment_intent_id FROM payment_intent_statuses',
    );
    expect(rows.map((row) => row.payment_intent_id)).toEqual(['pi_learned_recent']);
    expect(result.learnedStatuses).toEqual({ purged: 2, kept: 0 });
    expect(result.complete).toBe(true);
  });

  it('deletes recorded PaymentIntent creations older than the retention, never one of a booking still running', async () => {
    const running = `running-${uid()}`;
    const closed = `closed-${uid()}`;
    await runningWorkflows(bookingWorkflowId(running));
    await closedWorkflows(bookingWorkflowId(closed));
    for (const [key, bookingId, ageDays, answered] of [
      // Unanswered (a lost answer) and long ago: while the booking runs, it still says it may be creating one.
      [`${running}:hold-place:1`, running, 200, false],
      [`${running}:hold-place:2`, running, 100, true],
      [`${closed}:hold-place:1`, closed, 90, false],
      [`${closed}:hold-place:2`, closed, 40, true],
      [`${closed}:hold-place:3`, closed, 34, true],
    ] as const) {
      await db.query(
        `INSERT INTO payment_intent_creations (idempotency_key, booking_id, started_at, answered_at)
         VALUES ($1, $2, now() - make_interval(days => $3), CASE WHEN $4 THEN now() END)`,
        [key, bookingId, ageDays, answered],
      );
    }

    const result = await purge({ batchSize: 2 });

    const { rows } = await db.query<{ idempotency_key: string }>(
      'SELECT idempotency_key FROM payment_intent_creations ORDER BY idempotency_key',
    );
    expect(rows.map((row) => row.idempotency_key)).toEqual([
      `${closed}:hold-place:3`,
      `${running}:hold-place:1`,
      `${running}:hold-place:2`,
    ]);
    expect(result.paymentIntentCreations).toEqual({ purged: 2, kept: 2 });
    expect(result.complete).toBe(true);
  });

  it('keeps a settled event whose PaymentIntent a pending event shares: the relay finds its booking through it', async () => {
    const closed = `closed-${uid()}`;
    await closedWorkflows(bookingWorkflowId(closed));
    await inboxEvent('evt_names_booking', 60, 'relayed', { bookingId: closed, paymentIntentId: `pi_${closed}` });
    // A charge event that came without its booking: the relay ties it through the PaymentIntent's other events.
    await inboxEvent('evt_charge_waiting', 1, 'pending', { paymentIntentId: `pi_${closed}` });

    const result = await purge();

    expect(await remainingEvents()).toEqual(['evt_charge_waiting', 'evt_names_booking']);
    expect(result.stripeEvents).toEqual({ purged: 0, kept: 1 });
  });

  it('stops at its time budget with rows left, and the next run carries on where the rows are', async () => {
    const closed = `closed-${uid()}`;
    await closedWorkflows(bookingWorkflowId(closed));
    for (let index = 0; index < 5; index += 1) await inboxEvent(`evt_backlog_${index}`, 300 - index, 'closed');

    const first = await purge({ batchSize: 2, timeBudgetMs: 0 });
    expect(first).toMatchObject({ complete: false, stripeEvents: { purged: 2, kept: 0 } });
    expect(await remainingEvents()).toHaveLength(3);

    const second = await purge({ batchSize: 2 });
    expect(second).toMatchObject({ complete: true, stripeEvents: { purged: 3, kept: 0 } });
    expect(await remainingEvents()).toEqual([]);
  });

  it('leaves the de-duplication intact: an event redelivered within the retention is still refused after a purge', async () => {
    const closed = `closed-${uid()}`;
    await closedWorkflows(bookingWorkflowId(closed));
    await inboxEvent('evt_redelivered', RETENTION_DAYS - 1, 'relayed', { bookingId: closed });
    await inboxEvent('evt_expired', RETENTION_DAYS + 1, 'relayed', { bookingId: closed });

    await purge();
    const again = (id: string) =>
      storeStripeEvent(db, {
        id,
        type: 'payment_intent.succeeded',
        bookingId: closed,
        paymentIntentId: null,
        payload: { id, object: 'event' },
        status: 'pending',
      });

    expect(await again('evt_redelivered')).toBe(false);
    // Past the retention (and so past Stripe's retries and the lookback), the id is forgotten.
    expect(await again('evt_expired')).toBe(true);
  });
});

describe('the reconciliation Schedule', () => {
  it("carries the worker's DATA_RETENTION to every run as its purge", async () => {
    await ensureReconciliationSchedule(client, {
      taskQueue: `schedule-${uid()}`,
      intervalSeconds: 3600,
      lookbackSeconds: 86_400,
      retentionSeconds: RETENTION_DAYS * 86_400,
    });

    const { action } = await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).describe();

    expect(action.type).toBe('startWorkflow');
    const [input] = (action as { args: ReconciliationInput[] }).args;
    expect(input.purge).toEqual({ olderThanSeconds: RETENTION_DAYS * 86_400, batchSize: DEFAULT_PURGE_BATCH_SIZE });
  });
});

describe('namespace retention', () => {
  it('is set on the dev server namespace at start', async () => {
    const { namespaceInfo, config } = await connection.workflowService.describeNamespace({ namespace: 'default' });
    expect(namespaceInfo?.name).toBe('default');
    expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(NAMESPACE_RETENTION_SECONDS);
  });
});
