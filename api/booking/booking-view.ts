/** The one place that turns the workflow's BookingState (or a fresh start) into the API's booking view. */
import {
  initialBookingState,
  type BookingInput,
  type BookingState,
  type PaymentState,
} from '../../workflows/booking/contract.js';
import { PAYMENT_CURRENCY, type BookingView, type PaymentView } from './schemas.js';

/** The booking as the API shows it, from the workflow's `bookingState` query. */
export function toBookingView(state: BookingState): BookingView {
  const { hold } = state;
  return {
    bookingId: state.bookingId,
    workflowId: state.workflowId,
    customerId: state.customerId,
    startsAt: state.startsAt,
    endsAt: state.endsAt,
    cancelRequested: state.cancelRequested,
    cancelReason: state.cancelReason,
    hold: {
      status: hold.status,
      paymentIntentId: hold.paymentIntentId,
      releaseAt: hold.releaseAt,
      attempt: hold.attempt,
      authorizedAt: hold.authorizedAt,
      releasedAt: hold.releasedAt,
      actionDeadline: hold.actionDeadline,
      declineCode: hold.declineCode,
      reason: hold.reason,
      // A run started before saved payment methods existed has no `offSession`.
      offSession: hold.offSession === true,
      // A run started before hold plans existed has none of the plan's fields: one hold, `single`.
      plan: hold.plan ?? 'single',
      validUntil: hold.validUntil ?? null,
      nextAuthorizationAt: hold.nextAuthorizationAt ?? null,
      authorizations: (hold.authorizations ?? []).map((authorization) => ({
        id: authorization.id,
        renewal: authorization.renewal,
        attempt: authorization.attempt,
        purpose: authorization.purpose,
        offSession: authorization.offSession,
        authorizedAt: authorization.authorizedAt,
        validUntil: authorization.validUntil,
        extended: authorization.extended,
        outcome: authorization.outcome,
        declineCode: authorization.declineCode,
        endedAt: authorization.endedAt,
      })),
    },
    // A run started before bank payments existed has no `payment` at all.
    payment: state.payment ? toPaymentView(state.payment) : null,
  };
}

/** The bank payment as the API shows it: no payment method id, deadline or internal flags. */
function toPaymentView(payment: PaymentState): PaymentView {
  const { microdeposits, dispute, refund } = payment;
  return {
    status: payment.status,
    amount: payment.amount,
    currency: PAYMENT_CURRENCY,
    paymentIntentId: payment.paymentIntentId,
    attempt: payment.attempt,
    microdeposits: microdeposits && {
      type: microdeposits.type,
      arrivalDate: microdeposits.arrivalDate,
      hostedVerificationUrl: microdeposits.hostedVerificationUrl,
      attemptsRemaining: microdeposits.attemptsRemaining,
      expiresAt: microdeposits.expiresAt,
    },
    failureCode: payment.failureCode,
    paymentReference: payment.paymentReference,
    processingSince: payment.processingSince,
    succeededAt: payment.succeededAt,
    dispute: dispute && { id: dispute.id, status: dispute.status },
    refund: refund && { id: refund.id, status: refund.status, amount: refund.amount, reference: refund.reference },
    cancellation: payment.cancellation,
    reason: payment.reason,
    savedMandateId: payment.savedMandateId ?? null,
    // A run started before the target date was re-checked has neither field.
    targetDate: payment.targetDate ?? null,
    targetDateMovedFrom: payment.targetDateMovedFrom ?? null,
    balanceCheck: payment.balanceCheck
      ? {
          status: payment.balanceCheck.status,
          available: payment.balanceCheck.available,
          asOf: payment.balanceCheck.asOf,
          reason: payment.balanceCheck.reason,
        }
      : null,
  };
}

/** The booking as it is the moment its workflow starts: the contract's initial state, seen through the view. */
export function initialBookingView(input: BookingInput): BookingView {
  return toBookingView(initialBookingState(input, new Date()));
}
