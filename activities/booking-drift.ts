/**
 * How a booking's workflow state and Stripe's PaymentIntents may disagree, in words an operator
 * can act on. Pure: the reconciliation activity reads both sides and asks this module.
 */
import type { BookingState, HoldStatus, PaymentStatus } from '../workflows/contract.js';

/** One disagreement between a booking workflow and Stripe. */
export interface BookingDrift {
  bookingId: string;
  part: 'hold' | 'payment';
  paymentIntentId: string;
  workflowStatus: string;
  stripeStatus: string;
  explanation: string;
}

/** PaymentIntent statuses each hold status is consistent with (Stripe may be a webhook ahead). */
const HOLD_AGREES: Record<HoldStatus, string[]> = {
  placing: ['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture', 'canceled'],
  requires_action: ['requires_action', 'requires_capture', 'requires_payment_method', 'canceled'],
  declined: ['requires_payment_method', 'canceled'],
  held: ['requires_capture'],
  released: ['canceled'],
  expired: ['canceled'],
  failed: ['canceled', 'requires_payment_method'],
};

/** PaymentIntent statuses each bank payment status is consistent with. */
const PAYMENT_AGREES: Record<PaymentStatus, string[]> = {
  pending: ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'succeeded', 'canceled'],
  awaiting_verification: ['requires_action', 'processing', 'requires_payment_method', 'canceled'],
  requires_payment_method: ['requires_payment_method', 'requires_action', 'canceled', 'processing'],
  processing: ['processing', 'succeeded', 'requires_payment_method'],
  succeeded: ['succeeded'],
  disputed: ['succeeded'],
  refunded: ['succeeded'],
  failed: ['requires_payment_method', 'canceled', 'processing'],
  canceled: ['canceled'],
};

/** How long a webhook may legitimately still be on its way before a difference counts. */
export const DRIFT_GRACE_MS = 15 * 60 * 1000;

/**
 * Compares a booking's state with the current status of its PaymentIntents. A booking that changed
 * within the grace period is not judged (its webhooks may be in flight); a held hold past its
 * release time by more than the grace period is reported as overdue.
 */
export function findBookingDrift(
  state: BookingState,
  stripeStatuses: ReadonlyMap<string, string>,
  now: Date,
): BookingDrift[] {
  if (now.getTime() - new Date(state.updatedAt).getTime() < DRIFT_GRACE_MS) return [];
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
      explanation:
        holdStripe === 'canceled'
          ? 'Stripe cancelled the hold but the booking still thinks it is ' + hold.status + ' (a missed payment_intent.canceled?)'
          : holdStripe === 'requires_capture'
            ? 'Stripe holds $1 that the booking does not know it holds: release it or re-relay its events'
            : `the booking says ${hold.status}, Stripe says ${holdStripe}`,
    });
  }
  if (hold.status === 'held' && hold.releaseAt && now.getTime() - new Date(hold.releaseAt).getTime() > DRIFT_GRACE_MS) {
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
      explanation: `the booking says the payment is ${payment.status}, Stripe says ${paymentStripe} (a missed webhook?)`,
    });
  }
  return drift;
}
