/**
 * Reconciliation, started by the `booking-reconciliation` Schedule: compares every open booking with
 * its PaymentIntents on Stripe, re-relays the Stripe events the inbox missed, gives up on inbox
 * events no workflow will ever take, purges rows past their retention, and returns (and logs) a report of ids, statuses and counts.
 * Deterministic: every read and write is an activity.
 */
import { log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type {
  BookingComparisonPage,
  ReconciliationActivities,
} from '../../activities/reconciliation/create-reconciliation-activities.js';
import * as activityOptions from '../common/activity-options.js';
import {
  MAX_REPORTED_ITEMS,
  reconciliationReportQuery,
  type ReconciliationInput,
  type ReconciliationReport,
} from './contract.js';

const recoverEvents = proxyActivities<ReconciliationActivities>({
  ...activityOptions.reconciliationScans,
  summary: 'recover Stripe events missing from the inbox',
});
const compareBookings = proxyActivities<ReconciliationActivities>({
  ...activityOptions.reconciliationScans,
  summary: 'compare a page of open bookings with Stripe',
});
const sweepInbox = proxyActivities<ReconciliationActivities>({
  ...activityOptions.reconciliationScans,
  summary: "ignore inbox events past Stripe's retry window that no workflow will take",
});
const purgeData = proxyActivities<ReconciliationActivities>({
  ...activityOptions.reconciliationScans,
  summary: 'purge settled inbox events and delivered notifications past their retention',
});

/** The reconciliation workflow; returns its report. */
export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconciliationReport> {
  const startedAt = Date.now();
  const createdSince = Math.floor(startedAt / 1000) - input.lookbackSeconds;
  const report: ReconciliationReport = {
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: null,
    eventsSince: new Date(createdSince * 1000).toISOString(),
    events: { listed: 0, ours: 0, recovered: 0 },
    recoveredEvents: [],
    bookings: { checked: 0, disagreeing: 0, unreadable: 0 },
    disagreements: [],
    unreadableBookings: [],
    staleInboxEvents: { ignored: 0, stillPending: 0 },
    ignoredInboxEvents: [],
    purge: null,
  };
  setHandler(reconciliationReportQuery, () => report);

  // Compare first, so the report shows what disagreed before this run repaired anything.
  let pageToken: string | null = null;
  do {
    const page: BookingComparisonPage = await compareBookings.compareOpenBookings({
      pageToken,
      pageSize: input.pageSize,
      driftGraceSeconds: input.driftGraceSeconds,
    });
    report.bookings.checked += page.checked;
    report.bookings.unreadable += page.unreadable.length;
    report.bookings.disagreeing += new Set(page.disagreements.map((drift) => drift.bookingId)).size;
    const room = MAX_REPORTED_ITEMS - report.disagreements.length;
    report.disagreements.push(
      ...page.disagreements.slice(0, room).map((drift) => ({ ...drift, eventsRecovered: false })),
    );
    report.unreadableBookings.push(...page.unreadable.slice(0, MAX_REPORTED_ITEMS - report.unreadableBookings.length));
    pageToken = page.nextPageToken;
  } while (pageToken !== null);

  const recovery = await recoverEvents.recoverMissedStripeEvents({ createdSince, pageSize: input.pageSize });
  report.events = { listed: recovery.listed, ours: recovery.ours, recovered: recovery.recovered };
  report.recoveredEvents = recovery.recoveredEvents;
  // Those bookings are being brought up to date by the relay; the others need a look.
  const bookingsWithRecoveredEvents = new Set(recovery.recoveredEvents.map((event) => event.bookingId));
  for (const drift of report.disagreements) drift.eventsRecovered = bookingsWithRecoveredEvents.has(drift.bookingId);

  const sweep = await sweepInbox.ignoreStaleInboxEvents({
    staleAfterSeconds: input.staleAfterSeconds,
    batchSize: input.pageSize,
  });
  report.staleInboxEvents = { ignored: sweep.ignored, stillPending: sweep.stillPending };
  report.ignoredInboxEvents = sweep.ignoredEvents;
  // Runs started before the purge existed replay without it.
  if (input.purge && patched('reconciliation-purges-expired-data')) {
    report.purge = await purgeData.purgeExpiredData(input.purge);
  }
  report.finishedAt = new Date().toISOString();

  for (const drift of report.disagreements) {
    log.warn('booking disagrees with Stripe', {
      bookingId: drift.bookingId,
      part: drift.part,
      paymentIntentId: drift.paymentIntentId,
      workflowStatus: drift.workflowStatus,
      stripeStatus: drift.stripeStatus,
      eventsRecovered: drift.eventsRecovered,
      explanation: drift.explanation,
    });
  }
  for (const unreadable of report.unreadableBookings) {
    log.warn('open booking could not be read', { ...unreadable });
  }
  log.info('reconciliation report', {
    eventsSince: report.eventsSince,
    eventsListed: report.events.listed,
    eventsOurs: report.events.ours,
    eventsRecovered: report.events.recovered,
    bookingsChecked: report.bookings.checked,
    bookingsDisagreeing: report.bookings.disagreeing,
    bookingsUnreadable: report.bookings.unreadable,
    staleInboxEventsIgnored: report.staleInboxEvents.ignored,
    staleInboxEventsStillPending: report.staleInboxEvents.stillPending,
    stripeEventsPurged: report.purge?.stripeEvents.purged ?? 0,
    notificationsPurged: report.purge?.notifications.purged ?? 0,
  });
  return report;
}
