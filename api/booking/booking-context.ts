/** What every booking operation works with, and the reads of a booking's workflow they share. */
import type pg from 'pg';
import type { ApiConfig } from '../../config/env.js';
import { bookingStateQuery, bookingWorkflowId, type BookingState } from '../../workflows/booking/contract.js';
import type { WorkflowCalls } from '../temporal/workflow-calls.js';
import type { PaymentMethodCreator } from './bank-payment-method.js';
import { toBookingView } from './booking-view.js';
import type { BookingView } from './schemas.js';

/** The dependencies of the booking operations. */
export interface BookingContext {
  calls: WorkflowCalls;
  /** Where the customers' saved payment methods are recorded. */
  db: pg.Pool;
  config: ApiConfig;
  /** Creates PaymentMethods from bank account details; without it `payment.bankAccount` is refused. */
  stripe?: PaymentMethodCreator;
}

/** The booking's state, from its workflow's query (also once it has finished). */
export function queryBookingState(calls: WorkflowCalls, bookingId: string): Promise<BookingState> {
  return calls.query(bookingWorkflowId(bookingId), bookingStateQuery);
}

/** The booking as the API shows it, from its workflow's query. */
export async function queryBookingView(calls: WorkflowCalls, bookingId: string): Promise<BookingView> {
  return toBookingView(await queryBookingState(calls, bookingId));
}
