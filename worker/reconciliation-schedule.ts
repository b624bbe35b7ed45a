/**
 * The `booking-reconciliation` Schedule, kept as the worker's configuration says at every start:
 * created, or updated when it exists (several workers may start at once); paused by
 * `RECONCILE_INTERVAL=off`, and resumed when an interval is set again.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  DEFAULT_PURGE_BATCH_SIZE,
  RECONCILIATION_SCHEDULE_ID,
  RECONCILIATION_WORKFLOW_ID,
  RECONCILIATION_WORKFLOW_TYPE,
  reconciliationInput,
} from '../workflows/reconciliation/contract.js';

/** How the Schedule should run reconciliations. */
export interface ReconciliationScheduleSettings {
  taskQueue: string;
  /** Seconds between runs; null turns the Schedule off. */
  intervalSeconds: number | null;
  lookbackSeconds: number;
  /** DATA_RETENTION: each run purges settled inbox events and delivered notifications older than this; unset, none. */
  retentionSeconds?: number;
}

/** What starting the worker did to the Schedule. */
export type ReconciliationScheduleOutcome = 'created' | 'updated' | 'paused' | 'absent';

/** The note on a Schedule paused by configuration; only such a pause is lifted by configuration. */
export const PAUSED_BY_CONFIGURATION_NOTE = 'paused by RECONCILE_INTERVAL=off';
const ACTIVE_NOTE = 'kept by the worker from RECONCILE_INTERVAL, RECONCILE_LOOKBACK and DATA_RETENTION';

/** Creates the Schedule, or brings an existing one in line with `settings`. */
export async function ensureReconciliationSchedule(
  client: Client,
  settings: ReconciliationScheduleSettings,
): Promise<ReconciliationScheduleOutcome> {
  const handle = client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID);
  if (settings.intervalSeconds === null) {
    try {
      await handle.pause(PAUSED_BY_CONFIGURATION_NOTE);
      return 'paused';
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return 'absent';
      throw error;
    }
  }
  const every = settings.intervalSeconds * 1000;
  const schedule = {
    spec: { intervals: [{ every }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: RECONCILIATION_WORKFLOW_TYPE,
      workflowId: RECONCILIATION_WORKFLOW_ID,
      taskQueue: settings.taskQueue,
      args: [
        reconciliationInput({
          lookbackSeconds: settings.lookbackSeconds,
          ...(settings.retentionSeconds !== undefined && {
            purge: { olderThanSeconds: settings.retentionSeconds, batchSize: DEFAULT_PURGE_BATCH_SIZE },
          }),
        }),
      ],
      staticSummary: 'Reconcile open bookings and the webhook inbox with Stripe',
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      // A run missed while Temporal was down is worth one late run, not a burst of them.
      catchupWindow: every,
    },
  };
  try {
    await client.schedule.create({ scheduleId: RECONCILIATION_SCHEDULE_ID, ...schedule, state: { note: ACTIVE_NOTE } });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await handle.update((previous) => {
    // An operator's pause stays; a pause by configuration ends now that an interval is set.
    const pausedByOperator = previous.state.paused && previous.state.note !== PAUSED_BY_CONFIGURATION_NOTE;
    return {
      ...previous,
      ...schedule,
      state: pausedByOperator ? { paused: true, note: previous.state.note } : { paused: false, note: ACTIVE_NOTE },
    };
  });
  return 'updated';
}
