/**
 * Named activity option sets. Stripe writes retry with exponential backoff but stop well inside
 * Stripe's 24-hour idempotency window, so a retry can never create a second hold.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { FailureTypes } from '../booking/contract.js';

const nonRetryableErrorTypes = [
  FailureTypes.CardDeclined,
  FailureTypes.StripeInvalidRequest,
  FailureTypes.StripeAuthentication,
  FailureTypes.IdempotencyConflict,
];

/** Stripe calls that change state (hold, release, customer). */
export const stripeWrites: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '12h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes },
};

/**
 * Releasing a hold: not urgent to the minute (the deadline keeps a safety margin), so retries back
 * off further; the workflow adds rounds of its own if even these run out.
 */
export const stripeReleases: ActivityOptions = {
  ...stripeWrites,
  retry: { ...stripeWrites.retry, maximumInterval: '30m' },
};

/** Stripe reads. */
export const stripeReads: ActivityOptions = {
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes },
};

/** Notifications to the booking service: recorded at once, the callback retried for a day. */
export const notifications: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m' },
};

/**
 * Reconciliation scans (Stripe's event list, open bookings, the inbox): long, paged, heartbeating
 * activities; a retry resumes from the last heartbeat. Given up after two hours: the next scheduled
 * run starts over anyway.
 */
export const reconciliationScans: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  scheduleToCloseTimeout: '2h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m', nonRetryableErrorTypes },
};
