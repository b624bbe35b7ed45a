/**
 * Retention of the rows that grow with every booking (docs/DATA-LIFECYCLE.md): settled inbox events,
 * delivered notifications, balance refresh requests, learned PaymentIntent statuses and recorded PaymentIntent
 * creations older than DATA_RETENTION are deleted in bounded batches, oldest first, except
 * those of a booking or setup whose workflow is still running (asked of Temporal, batch by batch) and
 * inbox events a pending event still needs to find its booking. Pending events and undelivered
 * notifications are never read here, however old.
 */
import { heartbeat, log } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import {
  deleteExpiredBalanceRefreshRequests,
  listExpiredBalanceRefreshRequests,
} from '../../db/balance-refresh-requests.js';
import { deleteExpiredDeliveredNotifications, listExpiredDeliveredNotifications } from '../../db/notifications.js';
import { deleteExpiredSettledEvents, listExpiredSettledEvents } from '../../inbox/inbox-store.js';
import { deleteExpiredLearnedStatuses, listExpiredLearnedStatuses } from '../../inbox/learned-statuses.js';
import { deleteExpiredCreations, listExpiredCreations } from '../../inbox/payment-intent-creations.js';
import { BOOKING_ID_PATTERN, bookingWorkflowId } from '../../workflows/booking/contract.js';
import type { DataPurgeInput, DataPurgeResult, PurgedRows } from '../../workflows/reconciliation/contract.js';
import { paymentMethodSetupWorkflowId, SETUP_ID_PATTERN } from '../../workflows/setup/contract.js';
import type { ReconciliationClients } from './reconciliation-activity-deps.js';
import { resumedProgress } from './resumed-progress.js';

/** A row old enough to purge and the workflows that may still need it. */
interface ExpiredRow {
  id: string;
  /** Its timestamp as Postgres writes it (microseconds): the cursor must not round it. */
  at: string;
  workflowIds: string[];
}

/** How the purge reads and deletes one table. */
interface RetainedTable {
  name: 'stripeEvents' | 'notifications' | 'balanceRefreshRequests' | 'learnedStatuses' | 'paymentIntentCreations';
  list(
    db: ReconciliationClients['db'],
    before: Date,
    after: { at: string; id: string } | null,
    limit: number,
  ): Promise<ExpiredRow[]>;
  delete(db: ReconciliationClients['db'], ids: string[], before: Date): Promise<number>;
}

/**
 * Workflow ids of the booking and setup an inbox row names. An id the API would refuse names no
 * workflow of ours (the API starts none with it), so it protects nothing.
 */
function ownerWorkflowIds(bookingId: string | null, setupId: string | null): string[] {
  const ids: string[] = [];
  if (bookingId !== null && BOOKING_ID_PATTERN.test(bookingId)) ids.push(bookingWorkflowId(bookingId));
  if (setupId !== null && SETUP_ID_PATTERN.test(setupId)) ids.push(paymentMethodSetupWorkflowId(setupId));
  return ids;
}

const TABLES: RetainedTable[] = [
  {
    name: 'stripeEvents',
    list: async (db, before, after, limit) =>
      (await listExpiredSettledEvents(db, before, after, limit)).map((event) => ({
        id: event.id,
        at: event.receivedAt,
        workflowIds: ownerWorkflowIds(event.bookingId, event.setupId),
      })),
    delete: deleteExpiredSettledEvents,
  },
  {
    name: 'notifications',
    list: async (db, before, after, limit) =>
      (await listExpiredDeliveredNotifications(db, before, after, limit)).map((notification) => ({
        id: notification.id,
        at: notification.createdAt,
        workflowIds: ownerWorkflowIds(notification.bookingId, null),
      })),
    delete: deleteExpiredDeliveredNotifications,
  },
  {
    // The inbox routes a refreshed_balance event to its booking through these when it stores the event.
    name: 'balanceRefreshRequests',
    list: async (db, before, after, limit) =>
      (await listExpiredBalanceRefreshRequests(db, before, after, limit)).map((request) => ({
        id: request.id,
        at: request.requestedAt,
        workflowIds: ownerWorkflowIds(request.bookingId, null),
      })),
    delete: deleteExpiredBalanceRefreshRequests,
  },
  {
    // What the booking activities learned of each PaymentIntent (inbox/learned-statuses.ts): without a
    // row, the relay signals an event that repeats it, as it always could. No workflow needs one kept.
    name: 'learnedStatuses',
    list: async (db, before, after, limit) =>
      (await listExpiredLearnedStatuses(db, before, after, limit)).map((learned) => ({
        id: learned.id,
        at: learned.learnedAt,
        workflowIds: [],
      })),
    delete: deleteExpiredLearnedStatuses,
  },
  {
    // Which PaymentIntent creates a booking sent (inbox/payment-intent-creations.ts): kept while its workflow
    // runs, since deleting an unanswered one could make the booking look as if it created nothing.
    name: 'paymentIntentCreations',
    list: async (db, before, after, limit) =>
      (await listExpiredCreations(db, before, after, limit)).map((creation) => ({
        id: creation.idempotencyKey,
        at: creation.startedAt,
        workflowIds: ownerWorkflowIds(creation.bookingId, null),
      })),
    delete: deleteExpiredCreations,
  },
];

/**
 * How long one run purges before it stops and leaves the rest to the next run: well inside the activity's
 * 30-minute start-to-close, so a backlog (the first run on a database holding months of rows) never fails
 * the reconciliation, it is worked off run after run.
 */
export const PURGE_TIME_BUDGET_MS = 10 * 60_000;

/** Describes in flight at once while checking a batch's workflows. */
const DESCRIBE_CONCURRENCY = 8;

/**
 * Which of these workflows are running, each asked of Temporal with a describe of its latest run: strongly
 * consistent, unlike visibility, which may list nothing as running for a booking between a continue-as-new and
 * the new run's indexing. A workflow Temporal does not know (never started, or removed after the namespace's
 * retention) is not running; any other error fails the activity before this batch deletes anything. `known`
 * keeps the answers for the rest of the run: a booking's events and its notifications are asked about once.
 */
async function runningWorkflowIds(
  temporal: ReconciliationClients['temporal'],
  ids: string[],
  known: Map<string, boolean>,
): Promise<Set<string>> {
  const unknown = ids.filter((id) => !known.has(id));
  for (let start = 0; start < unknown.length; start += DESCRIBE_CONCURRENCY) {
    await Promise.all(
      unknown.slice(start, start + DESCRIBE_CONCURRENCY).map(async (workflowId) => {
        try {
          const { status } = await temporal.workflow.getHandle(workflowId).describe();
          known.set(workflowId, status.name === 'RUNNING');
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          known.set(workflowId, false);
        }
      }),
    );
  }
  return new Set(ids.filter((id) => known.get(id)));
}

/** Progress kept in the heartbeat: the cut-off stays the same across attempts, and each table resumes at its cursor. */
type PurgeProgress = { olderThan: string } & Record<
  RetainedTable['name'],
  PurgedRows & { after: { at: string; id: string } | null }
>;

/** Purges one table in batches, from its cursor, until a short batch (true) or the deadline (false). */
async function purgeTable(
  { db, temporal }: Pick<ReconciliationClients, 'db' | 'temporal'>,
  table: RetainedTable,
  progress: PurgeProgress,
  batchSize: number,
  deadline: number,
  known: Map<string, boolean>,
): Promise<boolean> {
  const before = new Date(progress.olderThan);
  const tally = progress[table.name];
  for (;;) {
    const rows = await table.list(db, before, tally.after, batchSize);
    if (rows.length === 0) return true;
    const running = await runningWorkflowIds(temporal, [...new Set(rows.flatMap((row) => row.workflowIds))], known);
    const expired = rows.filter((row) => !row.workflowIds.some((id) => running.has(id)));
    const purged = await table.delete(
      db,
      expired.map((row) => row.id),
      before,
    );
    tally.purged += purged;
    tally.kept += rows.length - purged;
    const last = rows[rows.length - 1];
    tally.after = { at: last.at, id: last.id };
    heartbeat(progress);
    if (rows.length < batchSize) return true;
    if (Date.now() >= deadline) return false;
  }
}

/** Builds the retention purge activity over Postgres and Temporal's describe. */
export function createDataPurgeActivities(clients: Pick<ReconciliationClients, 'db' | 'temporal' | 'now'>) {
  return {
    /**
     * Deletes settled inbox events, delivered notifications, balance refresh requests, learned statuses and
     * recorded creations older than `olderThanSeconds`, batch by batch, keeping those of running workflows and
     * inbox events a pending event shares a PaymentIntent with.
     * A retry resumes at the cursor its last heartbeat recorded, with the same cut-off; past its time budget it
     * stops (`complete: false`) and the next run carries on.
     */
    async purgeExpiredData(input: DataPurgeInput): Promise<DataPurgeResult> {
      const progress = resumedProgress<PurgeProgress>({
        olderThan: new Date(clients.now().getTime() - input.olderThanSeconds * 1000).toISOString(),
        stripeEvents: { purged: 0, kept: 0, after: null },
        notifications: { purged: 0, kept: 0, after: null },
        balanceRefreshRequests: { purged: 0, kept: 0, after: null },
        learnedStatuses: { purged: 0, kept: 0, after: null },
        paymentIntentCreations: { purged: 0, kept: 0, after: null },
      });
      // A heartbeat recorded by an attempt of a version that purged fewer tables.
      progress.balanceRefreshRequests ??= { purged: 0, kept: 0, after: null };
      progress.learnedStatuses ??= { purged: 0, kept: 0, after: null };
      progress.paymentIntentCreations ??= { purged: 0, kept: 0, after: null };
      const deadline = Date.now() + (input.timeBudgetMs ?? PURGE_TIME_BUDGET_MS);
      const known = new Map<string, boolean>();
      let complete = true;
      for (const table of TABLES)
        complete &&= await purgeTable(clients, table, progress, input.batchSize, deadline, known);
      const result: DataPurgeResult = {
        olderThan: progress.olderThan,
        complete,
        stripeEvents: { purged: progress.stripeEvents.purged, kept: progress.stripeEvents.kept },
        notifications: { purged: progress.notifications.purged, kept: progress.notifications.kept },
        balanceRefreshRequests: {
          purged: progress.balanceRefreshRequests.purged,
          kept: progress.balanceRefreshRequests.kept,
        },
        learnedStatuses: { purged: progress.learnedStatuses.purged, kept: progress.learnedStatuses.kept },
        paymentIntentCreations: {
          purged: progress.paymentIntentCreations.purged,
          kept: progress.paymentIntentCreations.kept,
        },
      };
      log.info('expired data purged', {
        olderThan: result.olderThan,
        stripeEventsPurged: result.stripeEvents.purged,
        stripeEventsKept: result.stripeEvents.kept,
        notificationsPurged: result.notifications.purged,
        notificationsKept: result.notifications.kept,
        balanceRefreshRequestsPurged: progress.balanceRefreshRequests.purged,
        balanceRefreshRequestsKept: progress.balanceRefreshRequests.kept,
        learnedStatusesPurged: progress.learnedStatuses.purged,
        paymentIntentCreationsPurged: progress.paymentIntentCreations.purged,
        paymentIntentCreationsKept: progress.paymentIntentCreations.kept,
        complete,
      });
      return result;
    },
  };
}
