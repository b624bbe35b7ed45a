/** The one place that turns the workflow's BookingState (or a fresh start) into the API's booking view. */
import { initialBookingState, type BookingInput, type BookingState } from '../workflows/contract.js';
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

/** The booking as it is the moment its workflow starts: the contract's initial state, seen through the view. */
export function initialBookingView(input: BookingInput): BookingView {
  return toBookingView(initialBookingState(input, new Date()));
}
