/**
 * The reconciliation workflow on the time-skipping server with stand-in activities: it walks every
 * page of open bookings, marks the disagreements of bookings whose events it recovered, caps the
 * lists it reports while counting everything, and answers its report as a query.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingDrift } from '../../activities/reconciliation/booking-drift.js';
import type {
  BookingComparisonInput,
  BookingComparisonPage,
  EventRecoveryResult,
  ReconciliationActivities,
  StaleInboxResult,
} from '../../activities/reconciliation/create-reconciliation-activities.js';
import { WORKFLOWS_PATH } from '../../worker/create-worker.js';
import {
  MAX_REPORTED_ITEMS,
  RECONCILIATION_WORKFLOW_TYPE,
  reconciliationInput,
  type DataPurgeInput,
  type DataPurgeResult,
  type ReconciliationInput,
  type ReconciliationReport,
} from '../../workflows/reconciliation/contract.js';
import { quietLogger } from '../../harness/booking-harness.js';
import { recordHistory } from '../../harness/recorded-histories.js';
import { createTimeSkippingEnv } from '../../harness/time-skipping-env.js';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await createTimeSkippingEnv();
  workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger() });
});

afterAll(async () => {
  await env?.teardown();
});

function drift(bookingId: string): BookingDrift {
  return {
    bookingId,
    part: 'hold',
    paymentIntentId: `pi_${bookingId}`,
    workflowStatus: 'held',
    stripeStatus: 'canceled',
    explanation:
      'Stripe cancelled the hold but the booking still thinks it is held (a missed payment_intent.canceled?)',
  };
}

/** Stand-in activities: open bookings in pages, recovered events, stale inbox rows and purged rows as given. */
function activities(
  pages: BookingComparisonPage[],
  recovery: EventRecoveryResult,
  sweep: StaleInboxResult,
  purge: DataPurgeResult = {
    olderThan: '',
    complete: true,
    stripeEvents: { purged: 0, kept: 0 },
    notifications: { purged: 0, kept: 0 },
  },
) {
  const asked: BookingComparisonInput[] = [];
  const calls: string[] = [];
  const purges: DataPurgeInput[] = [];
  const stub: ReconciliationActivities = {
    recoverMissedStripeEvents: () => Promise.resolve(recovery),
    compareOpenBookings: (input) => {
      asked.push(input);
      return Promise.resolve(pages[input.pageToken === null ? 0 : Number(input.pageToken)]);
    },
    ignoreStaleInboxEvents: () => {
      calls.push('sweep');
      return Promise.resolve(sweep);
    },
    purgeExpiredData: (input) => {
      calls.push('purge');
      purges.push(input);
      return Promise.resolve(purge);
    },
  };
  return { stub, asked, calls, purges };
}

type ReconciliationWorkflow = (input: ReconciliationInput) => Promise<ReconciliationReport>;

async function runReconciliation(stub: ReconciliationActivities, input: ReconciliationInput, historyName?: string) {
  const taskQueue = `reconciliation-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: stub });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<ReconciliationWorkflow>(RECONCILIATION_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `reconciliation-${randomUUID()}`,
      args: [input],
    });
    const report = await handle.result();
    if (historyName && process.env.RECORD_HISTORIES === '1')
      await recordHistory(historyName, await handle.fetchHistory());
    return report;
  });
}

const noSweep: StaleInboxResult = { ignored: 0, stillPending: 0, ignoredEvents: [] };

describe('reconciliation workflow', () => {
  it('walks every page of open bookings and marks the disagreements of bookings whose missed events it recovered', async () => {
    const pages: BookingComparisonPage[] = [
      { checked: 2, disagreements: [drift('bk-recovered')], unreadable: [], nextPageToken: '1' },
      {
        checked: 1,
        disagreements: [drift('bk-stuck')],
        unreadable: [{ workflowId: 'booking-bk-broken', error: 'QueryNotRegisteredError: no bookingState' }],
        nextPageToken: null,
      },
    ];
    const recovery: EventRecoveryResult = {
      listed: 12,
      ours: 9,
      recovered: 1,
      recoveredEvents: [
        {
          eventId: 'evt_1',
          type: 'payment_intent.canceled',
          bookingId: 'bk-recovered',
          setupId: null,
          status: 'pending',
        },
      ],
    };
    const sweep: StaleInboxResult = {
      ignored: 1,
      stillPending: 2,
      ignoredEvents: [{ eventId: 'evt_old', reason: 'not ours' }],
    };
    const { stub, asked } = activities(pages, recovery, sweep);

    const report = await runReconciliation(
      stub,
      reconciliationInput({ lookbackSeconds: 3600, driftGraceSeconds: 900, pageSize: 2 }),
      'reconciliation-two-pages',
    );

    expect(asked.map((input) => input.pageToken)).toEqual([null, '1']);
    expect(asked.every((input) => input.pageSize === 2 && input.driftGraceSeconds === 900)).toBe(true);
    expect(report.bookings).toEqual({ checked: 3, disagreeing: 2, unreadable: 1 });
    expect(report.disagreements).toEqual([
      { ...drift('bk-recovered'), eventsRecovered: true },
      { ...drift('bk-stuck'), eventsRecovered: false },
    ]);
    expect(report.unreadableBookings).toEqual(pages[1].unreadable);
    expect(report.events).toEqual({ listed: 12, ours: 9, recovered: 1 });
    expect(report.recoveredEvents).toEqual(recovery.recoveredEvents);
    expect(report.staleInboxEvents).toEqual({ ignored: 1, stillPending: 2 });
    expect(report.ignoredInboxEvents).toEqual(sweep.ignoredEvents);
    expect(Date.parse(report.startedAt) - Date.parse(report.eventsSince)).toBeGreaterThanOrEqual(3600_000);
    expect(report.finishedAt).not.toBeNull();
  });

  it('names at most MAX_REPORTED_ITEMS disagreements while counting every disagreeing booking', async () => {
    const many = Array.from({ length: MAX_REPORTED_ITEMS + 50 }, (_, index) => drift(`bk-${index}`));
    const { stub } = activities(
      [{ checked: many.length, disagreements: many, unreadable: [], nextPageToken: null }],
      { listed: 0, ours: 0, recovered: 0, recoveredEvents: [] },
      noSweep,
    );

    const report = await runReconciliation(stub, reconciliationInput());

    expect(report.bookings.disagreeing).toBe(MAX_REPORTED_ITEMS + 50);
    expect(report.disagreements).toHaveLength(MAX_REPORTED_ITEMS);
  });

  it('purges past the retention it is given, after giving up on stale inbox events, and reports what it purged', async () => {
    const purged: DataPurgeResult = {
      olderThan: '2026-01-01T00:00:00.000Z',
      complete: true,
      stripeEvents: { purged: 40, kept: 3 },
      notifications: { purged: 12, kept: 1 },
    };
    const { stub, calls, purges } = activities(
      [{ checked: 0, disagreements: [], unreadable: [], nextPageToken: null }],
      { listed: 0, ours: 0, recovered: 0, recoveredEvents: [] },
      noSweep,
      purged,
    );
    const purge: DataPurgeInput = { olderThanSeconds: 35 * 86_400, batchSize: 500 };

    const report = await runReconciliation(stub, reconciliationInput({ purge }), 'reconciliation-with-purge');

    expect(calls).toEqual(['sweep', 'purge']);
    expect(purges).toEqual([purge]);
    expect(report.purge).toEqual(purged);
  });

  it('purges nothing when its input names no retention (runs scheduled before the purge existed)', async () => {
    const { stub, calls } = activities(
      [{ checked: 0, disagreements: [], unreadable: [], nextPageToken: null }],
      { listed: 0, ours: 0, recovered: 0, recoveredEvents: [] },
      noSweep,
    );

    const report = await runReconciliation(stub, reconciliationInput());

    expect(calls).toEqual(['sweep']);
    expect(report.purge).toBeNull();
  });
});
