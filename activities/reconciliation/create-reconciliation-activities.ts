/**
 * The reconciliation's side effects: reading Stripe's recent events and storing those the inbox
 * missed, comparing open bookings (found through Temporal visibility, read with their query) with
 * their PaymentIntents, giving up on inbox events no workflow will ever take, and purging rows past their retention. Built by a
 * factory from its clients; never reads the env. Work comes in bounded pages, with heartbeats.
 */
import { createBookingComparisonActivities } from './compare-open-bookings.js';
import { createStaleInboxActivities } from './ignore-stale-inbox-events.js';
import { createDataPurgeActivities } from './purge-expired-data.js';
import { createEventRecoveryActivities } from './recover-missed-stripe-events.js';
import type { ReconciliationActivityDeps } from './reconciliation-activity-deps.js';

export type { ReconciliationActivityDeps } from './reconciliation-activity-deps.js';
export type { EventRecoveryInput, EventRecoveryResult } from './recover-missed-stripe-events.js';
export type { BookingComparisonInput, BookingComparisonPage } from './compare-open-bookings.js';
export type { StaleInboxInput, StaleInboxResult } from './ignore-stale-inbox-events.js';

/** Builds the reconciliation activities over their clients. */
export function createReconciliationActivities(deps: ReconciliationActivityDeps) {
  const clients = { ...deps, now: deps.now ?? (() => new Date()) };
  return {
    ...createEventRecoveryActivities(clients),
    ...createBookingComparisonActivities(clients),
    ...createStaleInboxActivities(clients),
    ...createDataPurgeActivities(clients),
  };
}

/** The reconciliation activities, as workflows type their proxies. */
export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
