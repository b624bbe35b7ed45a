/**
 * The reconciliation workflow's public contract: its type name, Schedule id, input, report and
 * query. It re-relays Stripe events the inbox missed, compares open bookings with Stripe and gives
 * up on inbox events no workflow will ever take. The worker, the Schedule and the tests import
 * these; no name is written anywhere else.
 */
import { defineQuery } from '@temporalio/workflow';
import type { BookingDrift } from '../../activities/reconciliation/booking-drift.js';
import { BOOKING_WORKFLOW_TYPE } from '../booking/contract.js';

/** Workflow type name registered by the worker and started by the Schedule. */
export const RECONCILIATION_WORKFLOW_TYPE = 'reconciliationWorkflow';

/** Id of the Schedule that starts a reconciliation every RECONCILE_INTERVAL. */
export const RECONCILIATION_SCHEDULE_ID = 'booking-reconciliation';

/** Workflow id of the scheduled runs; Temporal appends each run's scheduled time. */
export const RECONCILIATION_WORKFLOW_ID = 'booking-reconciliation';

/** Visibility query for the bookings whose workflow is still open. */
export const OPEN_BOOKINGS_QUERY = `WorkflowType = '${BOOKING_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;

/** Stripe retries a webhook for up to 3 days; an event still pending after that waits for nothing. */
export const STRIPE_WEBHOOK_RETRY_WINDOW_SECONDS = 3 * 24 * 60 * 60;

/** Stripe keeps events for 30 days: the longest lookback that can find anything. */
export const MAX_RECONCILIATION_LOOKBACK_SECONDS = 30 * 24 * 60 * 60;

/**
 * Added to the retention floor: covers a run's own duration, the interval between runs and clock differences
 * between the worker, Postgres and Stripe.
 */
export const DATA_RETENTION_MARGIN_SECONDS = 24 * 60 * 60;

/**
 * The shortest retention of settled inbox events and delivered notifications: an event must outlive Stripe's
 * webhook retries (a redelivery is refused by its id) and the reconciliation's lookback (an event it lists must
 * be found in the inbox, or it would be stored and relayed again), plus the margin.
 */
export function dataRetentionFloorSeconds(lookbackSeconds: number): number {
  return Math.max(STRIPE_WEBHOOK_RETRY_WINDOW_SECONDS, lookbackSeconds) + DATA_RETENTION_MARGIN_SECONDS;
}

/** Retention when the environment does not say: above the floor for every lookback allowed (at most 30 days). */
export const DEFAULT_DATA_RETENTION_SECONDS = 35 * 24 * 60 * 60;

/** Rows the purge reads, checks against Temporal and deletes at a time. */
export const DEFAULT_PURGE_BATCH_SIZE = 500;

/** What the purge of a run deletes (docs/DATA-LIFECYCLE.md). */
export interface DataPurgeInput {
  /** Settled inbox events and delivered notifications older than this are deleted, unless still needed. */
  olderThanSeconds: number;
  batchSize: number;
  /** How long one run may purge before leaving the rest to the next run; the activity's default (10 minutes) when unset. */
  timeBudgetMs?: number;
}

/** How often, and how far back, reconciliation looks when the environment does not say. */
export const DEFAULT_RECONCILIATION_SCHEDULE = {
  intervalSeconds: 15 * 60,
  lookbackSeconds: 24 * 60 * 60,
} as const;

/** How long after a booking's last change its webhooks may legitimately still be on their way. */
export const DEFAULT_DRIFT_GRACE_SECONDS = 15 * 60;

/** The longest list of items a report names; counts stay exact beyond it. */
export const MAX_REPORTED_ITEMS = 200;

/** What a reconciliation run does. */
export interface ReconciliationInput {
  /** Stripe events created this long before the run are compared with the inbox. */
  lookbackSeconds: number;
  /** A booking that changed more recently than this is not judged (its webhooks may be in flight). */
  driftGraceSeconds: number;
  /** Pending inbox events received longer ago than this, for nothing that will ever take them, are ignored. */
  staleAfterSeconds: number;
  /** Items (events, bookings, inbox rows) read per page. */
  pageSize: number;
  /** Retention purge after the comparison; absent in runs scheduled before it existed (and in most tests). */
  purge?: DataPurgeInput;
}

/** The input of a scheduled run: everything but the lookback at its default. */
export function reconciliationInput(overrides: Partial<ReconciliationInput> = {}): ReconciliationInput {
  return {
    lookbackSeconds: DEFAULT_RECONCILIATION_SCHEDULE.lookbackSeconds,
    driftGraceSeconds: DEFAULT_DRIFT_GRACE_SECONDS,
    staleAfterSeconds: STRIPE_WEBHOOK_RETRY_WINDOW_SECONDS,
    pageSize: 100,
    ...overrides,
  };
}

/** A Stripe event the inbox did not have, now stored as the webhook receiver would have stored it. */
export interface RecoveredEvent {
  eventId: string;
  type: string;
  bookingId: string | null;
  setupId: string | null;
  /** Inbox status it was stored with: `pending` for the relay, or `handled`/`ignored` for a `mandate.updated`. */
  status: string;
}

/** A booking whose workflow state and Stripe's disagree. */
export interface BookingDisagreement extends BookingDrift {
  /** True when this run recovered missed events of the booking (after comparing): the relay is bringing it up to date. */
  eventsRecovered: boolean;
}

/** An open booking whose state could not be read (its workflow answers no query). */
export interface UnreadableBooking {
  workflowId: string;
  error: string;
}

/** A pending inbox event given up on, and why. */
export interface IgnoredInboxEvent {
  eventId: string;
  reason: string;
}

/** What a reconciliation found and did: ids, statuses and counts only, never personal data. */
export interface ReconciliationReport {
  startedAt: string;
  finishedAt: string | null;
  /** Events created at or after this instant were compared with the inbox. */
  eventsSince: string;
  events: {
    /** Events Stripe listed in the lookback window. */
    listed: number;
    /** Of those, the ones this service acts on. */
    ours: number;
    /** Of those, the ones the inbox did not have. */
    recovered: number;
  };
  recoveredEvents: RecoveredEvent[];
  bookings: {
    /** Open bookings compared with Stripe. */
    checked: number;
    disagreeing: number;
    unreadable: number;
  };
  disagreements: BookingDisagreement[];
  unreadableBookings: UnreadableBooking[];
  staleInboxEvents: {
    /** Pending past Stripe's retry window and given up on (`ignored`). */
    ignored: number;
    /** Pending past the window but for a workflow that exists: left to the relay. */
    stillPending: number;
  };
  ignoredInboxEvents: IgnoredInboxEvent[];
  /** The retention purge, null when the run had none. */
  purge: DataPurgeResult | null;
}

/** What a purge deleted from one table, and what it kept although old enough. */
export interface PurgedRows {
  purged: number;
  /** Old enough, but of a booking or setup whose workflow is running (or, in the inbox, needed by a pending event). */
  kept: number;
}

/** What the retention purge did. */
export interface DataPurgeResult {
  /** Rows received or created before this instant were considered. */
  olderThan: string;
  /** False when the run stopped at its time budget with rows left to purge: the next run carries on. */
  complete: boolean;
  stripeEvents: PurgedRows;
  notifications: PurgedRows;
  /** Which booking asked for a bank account's balance refresh; absent from purges by workers before it was purged. */
  balanceRefreshRequests?: PurgedRows;
  /** Absent from the results of workers from before learned PaymentIntent statuses were purged. */
  learnedStatuses?: PurgedRows;
  /** Absent from the results of workers from before PaymentIntent creations were recorded. */
  paymentIntentCreations?: PurgedRows;
}

/** Query returning the report so far (a large reconciliation takes a while). */
export const reconciliationReportQuery = defineQuery<ReconciliationReport>('reconciliationReport');
