/**
 * Business counters, exported with the SDK's runtime metrics on the worker's Prometheus endpoint:
 * holds placed, released, expired and declined, releases Stripe refused, and bank debits that succeeded, failed or were
 * disputed. The notification activity records one when it first stores the outcome's notification,
 * whose id is stable, so retries and replays never count an outcome twice.
 */
import type { MetricMeter } from '@temporalio/common';
import type { NotificationType } from '../../workflows/booking/contract.js';

/** Counter of hold outcomes, by `outcome`. */
export const HOLDS_COUNTER = 'bookings_holds_total';
/** Counter of bank debit outcomes, by `outcome`. */
export const DEBITS_COUNTER = 'bookings_debits_total';

const COUNTER_DESCRIPTIONS = {
  [HOLDS_COUNTER]:
    '$1 card holds by outcome: placed, released, expired, declined, release_failed (Stripe refused a release)',
  [DEBITS_COUNTER]: 'Bank debits by outcome: succeeded, failed, disputed',
} as const;

/** The business outcome each notification type stands for; other notifications count nothing. */
export const BUSINESS_OUTCOMES: Partial<
  Record<NotificationType, { counter: keyof typeof COUNTER_DESCRIPTIONS; outcome: string }>
> = {
  'hold.held': { counter: HOLDS_COUNTER, outcome: 'placed' },
  'hold.released': { counter: HOLDS_COUNTER, outcome: 'released' },
  'hold.expired': { counter: HOLDS_COUNTER, outcome: 'expired' },
  'hold.declined': { counter: HOLDS_COUNTER, outcome: 'declined' },
  'hold.release_failed': { counter: HOLDS_COUNTER, outcome: 'release_failed' },
  'payment.succeeded': { counter: DEBITS_COUNTER, outcome: 'succeeded' },
  'payment.failed': { counter: DEBITS_COUNTER, outcome: 'failed' },
  'payment.disputed': { counter: DEBITS_COUNTER, outcome: 'disputed' },
};

/** Counts the business outcome a notification stands for, if any, on `meter`. */
export function countBusinessOutcome(meter: Pick<MetricMeter, 'createCounter'>, type: NotificationType): void {
  const outcome = BUSINESS_OUTCOMES[type];
  if (!outcome) return;
  meter
    .createCounter(outcome.counter, undefined, COUNTER_DESCRIPTIONS[outcome.counter])
    .add(1, { outcome: outcome.outcome });
}
