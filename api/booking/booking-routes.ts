/**
 * Booking routes for the booking service (Bearer API_TOKEN): start a booking's workflow,
 * read its state, cancel it, supply a new payment method, verify its bank account's microdeposits.
 * A payment method the customer saved is used off-session (a card) or with its mandate (a bank account).
 * Each operation, its schema and its handler, has its own file beside this one.
 */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { ApiConfig } from '../../config/env.js';
import { requireBearerToken } from '../http/bearer-auth.js';
import { createRouter } from '../http/router.js';
import { WorkflowCalls } from '../temporal/workflow-calls.js';
import type { PaymentMethodCreator } from './bank-payment-method.js';
import type { BookingContext } from './booking-context.js';
import { cancelBooking, cancelBookingRoute } from './cancel-booking-route.js';
import { createBooking, createBookingRoute } from './create-booking-route.js';
import { getBooking, getBookingRoute } from './get-booking-route.js';
import { getBookingStatus, getBookingStatusRoute } from './get-booking-status-route.js';
import { supplyPaymentMethod, supplyPaymentMethodRoute } from './supply-payment-method-route.js';
import { verifyMicrodeposits, verifyMicrodepositsRoute } from './verify-microdeposits-route.js';

/** What the booking routes need. */
export interface BookingRoutesDeps {
  temporal: Client;
  /** Where the customers' saved payment methods are recorded. */
  db: pg.Pool;
  config: ApiConfig;
  /** Creates PaymentMethods from bank account details; without it `payment.bankAccount` is refused. */
  stripe?: PaymentMethodCreator;
}

/** The `/v1/bookings` sub-app. */
export function createBookingRoutes({ temporal, db, config, stripe }: BookingRoutesDeps) {
  const context: BookingContext = { calls: new WorkflowCalls(temporal, config), db, config, stripe };
  const router = createRouter();
  router.use('*', requireBearerToken(config.API_TOKEN));
  router.openapi(createBookingRoute, createBooking(context));
  router.openapi(getBookingRoute, getBooking(context));
  router.openapi(getBookingStatusRoute, getBookingStatus(context));
  router.openapi(cancelBookingRoute, cancelBooking(context));
  router.openapi(supplyPaymentMethodRoute, supplyPaymentMethod(context));
  router.openapi(verifyMicrodepositsRoute, verifyMicrodeposits(context));
  return router;
}
