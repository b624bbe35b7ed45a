/**
 * A booking told in sentences for the Temporal Web UI and CLI: the summary and details it is
 * started with, and its current details (where its money is and what it waits for). Pure
 * functions of the input and state, shared by the workflow and the API.
 */
import {
  HOLD_AMOUNT_CENTS,
  type BookingInput,
  type BookingState,
  type HoldState,
  type PaymentState,
} from './contract.js';

/** Cents as dollars: `$1`, `$125.50`. */
export function usd(cents: number): string {
  return `$${cents % 100 === 0 ? String(cents / 100) : (cents / 100).toFixed(2)}`;
}

/** An ISO instant to the minute, as ops read it: `2026-05-01 14:00 UTC`. */
export function readableTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'an unknown time';
}

const HOLD = usd(HOLD_AMOUNT_CENTS);

/** The workflow's fixed one-line summary and markdown details, set by the API at start. */
export function bookingStartMetadata(input: BookingInput): { staticSummary: string; staticDetails: string } {
  const payment = input.payment;
  const paidBy = payment ? ` + ${usd(payment.amount)} by US bank account` : '';
  const details = [
    `**Customer** ${input.customer.id}`,
    `**Booking** ${readableTime(input.startsAt)} → ${readableTime(input.endsAt)}`,
    `**Hold** ${HOLD} on ${input.holdPaymentMethod}${input.holdOffSession ? ' (saved card, off-session)' : ''}`,
  ];
  if (payment) {
    const authority = payment.savedMandateId
      ? `saved mandate ${payment.savedMandateId}`
      : `verification ${payment.verification}`;
    details.push(`**Payment** ${usd(payment.amount)} from ${payment.paymentMethod} (${authority})`);
  }
  return {
    staticSummary: `Booking ${input.bookingId}: ${HOLD} card hold${paidBy}`,
    staticDetails: details.join('\n\n'),
  };
}

/**
 * The booking's current details: one paragraph for the hold, one for the bank payment, and the
 * cancellation when one was asked for, e.g. "**Hold** held, $1 on pm_… (pi_…); release at …".
 */
export function describeBooking(state: BookingState): string {
  const lines: string[] = [];
  if (state.cancelRequested)
    lines.push(`**Cancelled** by request${state.cancelReason ? `: ${state.cancelReason}` : ''}`);
  lines.push(describeHold(state.hold));
  if (state.payment) lines.push(describePayment(state.payment));
  return lines.join('\n\n');
}

function describeHold(hold: HoldState): string {
  const on = `${HOLD} on ${hold.paymentMethod}${hold.offSession ? ' (saved, off-session)' : ''}`;
  const intent = hold.paymentIntentId ? ` (${hold.paymentIntentId})` : '';
  const because = hold.reason ? `: ${hold.reason}` : '';
  const awaitNewMethod = hold.done
    ? ''
    : `; waiting for a new payment method until ${readableTime(hold.actionDeadline)}`;
  switch (hold.status) {
    case 'scheduled':
      return `**Hold** scheduled: card verified, ${on} placed off-session at ${readableTime(hold.nextAuthorizationAt ?? null)}`;
    case 'placing':
      return `**Hold** placing ${on}, attempt ${hold.attempt}${intent}`;
    case 'requires_action':
      return `**Hold** waiting for the customer's 3-D Secure on ${on}${intent}; given up at ${readableTime(hold.actionDeadline)}`;
    case 'declined':
      return `**Hold** declined (${hold.declineCode ?? 'no decline code'}), ${on}, attempt ${hold.attempt}${awaitNewMethod}`;
    case 'held': {
      const next = hold.nextAuthorizationAt ? `; next authorization at ${readableTime(hold.nextAuthorizationAt)}` : '';
      return `**Hold** held, ${on}${intent}; release at ${readableTime(hold.releaseAt)}${next}${because}`;
    }
    case 'released':
      return `**Hold** released at ${readableTime(hold.releasedAt)}, ${on}${intent}${because}`;
    case 'expired':
      return `**Hold** expired by Stripe at ${readableTime(hold.releasedAt)}, ${on}${intent}${awaitNewMethod}`;
    case 'failed':
      return `**Hold** failed, ${on}${intent}${because}`;
  }
}

function describePayment(payment: PaymentState): string {
  const amount = usd(payment.amount);
  const from = `from ${payment.paymentMethod}${payment.paymentIntentId ? ` (${payment.paymentIntentId})` : ''}`;
  const because = payment.reason ? `: ${payment.reason}` : '';
  const until = (what: string) =>
    payment.done || !payment.deadline ? '' : `; ${what} ${readableTime(payment.deadline)}`;
  const refund = payment.refund
    ? `; refund ${usd(payment.refund.amount)} ${payment.refund.status}${payment.refund.reference ? ` (reference ${payment.refund.reference})` : ''}`
    : '';
  switch (payment.status) {
    case 'pending':
      return `**Payment** ${amount} ${from}: submitting attempt ${payment.attempt}`;
    case 'awaiting_verification': {
      const micro = payment.microdeposits;
      if (!micro) return `**Payment** ${amount} ${from} awaiting microdeposits`;
      const kind = micro.type === 'descriptor_code' ? 'descriptor code' : 'two amounts';
      return (
        `**Payment** ${amount} ${from} awaiting microdeposits (${kind}, ${micro.attemptsRemaining} ` +
        `attempt${micro.attemptsRemaining === 1 ? '' : 's'} left, expire ${readableTime(micro.expiresAt)})`
      );
    }
    case 'requires_payment_method':
      return `**Payment** ${amount} needs another bank account (${payment.failureCode ?? 'no code'})${because}${until('waiting for one until')}`;
    case 'processing':
      return (
        `**Payment** ${amount} ${from} processing at the bank since ${readableTime(payment.processingSince)}` +
        (payment.processingOverdue ? `; overdue${until('asked again at')}` : until('overdue alert at'))
      );
    case 'succeeded':
      return `**Payment** ${amount} ${from} succeeded (reference ${payment.paymentReference ?? 'none'})${refund}${until('listening for disputes until')}`;
    case 'disputed':
      return (
        `**Payment** ${amount} ${from} disputed (${payment.dispute?.id ?? 'dispute'}, ${payment.dispute?.status ?? 'open'})` +
        `${refund}${until('listening until')}`
      );
    case 'refunded':
      return `**Payment** ${amount} ${from} refunded${refund}`;
    case 'failed':
      return `**Payment** ${amount} ${from} failed (${payment.failureCode ?? 'no code'})${because}`;
    case 'canceled':
      return `**Payment** ${amount} ${from} canceled${because}`;
  }
}
