/** The one place that turns the workflow's BookingState (or a fresh start) into the API's booking view. */
import { bookingWorkflowId, type BookingInput, type BookingState } from '../workflows/contract.js';
import type { BookingView } from './schemas.js';

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
    },
  };
}

/** The booking as it is the moment its workflow starts: placing its first hold, nothing known yet. */
export function initialBookingView(input: BookingInput): BookingView {
  return {
    bookingId: input.bookingId,
    workflowId: bookingWorkflowId(input.bookingId),
    customerId: input.customer.id,
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    cancelRequested: false,
    cancelReason: null,
    hold: {
      status: 'placing',
      paymentIntentId: null,
      releaseAt: null,
      attempt: 1,
      authorizedAt: null,
      releasedAt: null,
      actionDeadline: null,
      declineCode: null,
      reason: null,
    },
  };
}
