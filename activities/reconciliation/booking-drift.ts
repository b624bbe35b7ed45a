/**
 * How a booking's workflow state and Stripe's PaymentIntents may disagree, in words an operator
 * can act on. Pure: the reconciliation activity reads both sides and asks this module.
 */
import type { BookingState, HoldStatus, PaymentStatus } from '../../workflows/booking/contract.js';
import { DEFAULT_DRIFT_GRACE_SECONDS } from '../../workflows/reconciliation/contract.js';

/** One disagreement between a booking workflow and Stripe. */
export interface BookingDrift {
  bookingId: string;
  part: 'hold' | 'payment';
  paymentIntentId: string;
  workflowStatus: string;
  stripeStatus: string;
  explanation: string;
}

/**
 * PaymentIntent statuses each hold status is consistent with once its webhooks have arrived. A
 * Stripe status further along (e.g. `requires_capture` for a hold still `requires_action`) is a
 * missed or stuck event: within the grace period it is not judged, after it it is reported.
 */
const HOLD_AGREES: Record<HoldStatus, readonly string[]> = {
  // A deferred hold between its card check (released at once) and the covering hold.
  scheduled: ['canceled'],
  // Created, its confirmation not answered yet (or being retried).
  placing: ['requires_payment_method', 'requires_confirmation'],
  requires_action: ['requires_action'],
  // Declined and waiting for a new payment method; Stripe cancels it after too many failed confirmations.
  declined: ['requires_payment_method', 'canceled'],
  held: ['requires_capture'],
  released: ['canceled'],
  expired: ['canceled'],
  // Nothing is held either way; a failed hold still authorized is reported.
  failed: ['canceled', 'requires_payment_method'],
};

/** PaymentIntent statuses each bank payment status is consistent with once its webhooks have arrived. */
const PAYMENT_AGREES: Record<PaymentStatus, readonly string[]> = {
  pending: ['requires_payment_method', 'requires_confirmation'],
  awaiting_verification: ['requires_action'],
  // Also `requires_action`: the workflow gives up on microdeposits at its own 10-day deadline.
  requires_payment_method: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  processing: ['processing'],
  // A disputed or refunded debit's PaymentIntent stays `succeeded`.
  succeeded: ['succeeded'],
  disputed: ['succeeded'],
  refunded: ['succeeded'],
  failed: ['requires_payment_method', 'canceled'],
  canceled: ['canceled'],
};

/** The status the reconciliation gives a PaymentIntent Stripe does not know (`resource_missing`). */
export const MISSING_PAYMENT_INTENT = 'missing';

/** How long a webhook may legitimately still be on its way before a difference counts. */
export const DRIFT_GRACE_MS = DEFAULT_DRIFT_GRACE_SECONDS * 1000;

/** Why the booking's status and Stripe's disagree, in words an operator can act on. */
function explain(
  part: BookingDrift['part'],
  workflowStatus: string,
  stripeStatus: string,
  paymentIntentId: string,
): string {
  if (stripeStatus === MISSING_PAYMENT_INTENT) {
    return `Stripe has no PaymentIntent ${paymentIntentId} (another Stripe account or a reset emulator?)`;
  }
  if (part === 'payment') {
    return `the booking says the payment is ${workflowStatus}, Stripe says ${stripeStatus} (a missed webhook?)`;
  }
  if (stripeStatus === 'canceled') {
    return `Stripe cancelled the hold but the booking still thinks it is ${workflowStatus} (a missed payment_intent.canceled?)`;
  }
  if (stripeStatus === 'requires_capture') {
    return 'Stripe holds $1 that the booking does not know it holds: release it or re-relay its events';
  }
  return `the booking says ${workflowStatus}, Stripe says ${stripeStatus} (a missed webhook?)`;
}

/**
 * Compares a booking's state with the current status of its PaymentIntents (`stripeStatuses`, by id;
 * {@link MISSING_PAYMENT_INTENT} for one Stripe does not know). A booking that changed within
 * `graceMs` is not judged (its webhooks may be in flight); a held hold past its release time by
 * more than `graceMs` is reported as overdue.
 */
export function findBookingDrift(
  state: BookingState,
  stripeStatuses: ReadonlyMap<string, string>,
  now: Date,
  graceMs: number = DRIFT_GRACE_MS,
): BookingDrift[] {
  // No grace judges every booking, even one whose last change the reader's clock sees as just ahead of it.
  if (graceMs > 0 && now.getTime() - new Date(state.updatedAt).getTime() < graceMs) return [];
  const drift: BookingDrift[] = [];
  const hold = state.hold;
  const holdStripe = hold.paymentIntentId ? stripeStatuses.get(hold.paymentIntentId) : undefined;
  if (hold.paymentIntentId && holdStripe && !HOLD_AGREES[hold.status].includes(holdStripe)) {
    drift.push({
      bookingId: state.bookingId,
      part: 'hold',
      paymentIntentId: hold.paymentIntentId,
      workflowStatus: hold.status,
      stripeStatus: holdStripe,
      explanation: explain('hold', hold.status, holdStripe, hold.paymentIntentId),
    });
  }
  if (hold.status === 'held' && hold.releaseAt && now.getTime() - new Date(hold.releaseAt).getTime() > graceMs) {
    drift.push({
      bookingId: state.bookingId,
      part: 'hold',
      paymentIntentId: hold.paymentIntentId ?? '',
      workflowStatus: hold.status,
      stripeStatus: holdStripe ?? 'unknown',
      explanation: `the hold should have been released at ${hold.releaseAt}: is the worker running?`,
    });
  }
  const payment = state.payment;
  const paymentStripe = payment?.paymentIntentId ? stripeStatuses.get(payment.paymentIntentId) : undefined;
  if (payment?.paymentIntentId && paymentStripe && !PAYMENT_AGREES[payment.status].includes(paymentStripe)) {
    drift.push({
      bookingId: state.bookingId,
      part: 'payment',
      paymentIntentId: payment.paymentIntentId,
      workflowStatus: payment.status,
      stripeStatus: paymentStripe,
      explanation: explain('payment', payment.status, paymentStripe, payment.paymentIntentId),
    });
  }
  return drift;
}
