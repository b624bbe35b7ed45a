/**
 * `POST /v1/bookings/{bookingId}/payment-method`: a new payment method after a decline or an expired
 * authorization (for the hold), or a new bank account after a failed bank payment (for the payment).
 */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import type pg from 'pg';
import { findSavedPaymentMethod } from '../../db/saved-payment-methods.js';
import {
  bookingWorkflowId,
  supplyPaymentMethodUpdate,
  type SupplyPaymentMethodRequest,
} from '../../workflows/booking/contract.js';
import { ApiError } from '../http/errors.js';
import type { AppEnv } from '../http/router.js';
import { CLOSED, type WorkflowCalls } from '../temporal/workflow-calls.js';
import { checkSavedPaymentMethod, type PaymentMethodUse } from '../saved-payment-methods/saved-payment-method-use.js';
import { BookingIdParamsSchema, SupplyPaymentMethodBodySchema, type SupplyPaymentMethodBody } from './schemas.js';
import { bearerSecurity, errorResponseSpec } from '../http/schemas.js';
import { queryBookingState, type BookingContext } from './booking-context.js';
import { bookingResponse, commonBookingErrors } from './booking-responses.js';
import { toBookingView } from './booking-view.js';

export const supplyPaymentMethodRoute = createRoute({
  operationId: 'supplyPaymentMethod',
  method: 'post',
  path: '/{bookingId}/payment-method',
  summary:
    'Supply a new payment method after a decline or an expired authorization (`for: hold`, the default), ' +
    'or a new bank account after a failed bank payment (`for: payment`)',
  security: bearerSecurity,
  request: {
    params: BookingIdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: SupplyPaymentMethodBodySchema } } },
  },
  responses: {
    200: bookingResponse('The booking with a new hold or payment attempt under way'),
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    409: errorResponseSpec(
      'The booking is not waiting for a payment method, or has finished (`not_awaiting_payment_method`)',
    ),
    504: errorResponseSpec('The workflow did not answer in time (`temporal_timeout`)'),
    ...commonBookingErrors,
    422: errorResponseSpec(
      'Schema violation (`validation_failed`), rejected by the workflow (`invalid_request`), a new bank account ' +
        'without its own acceptance of the mandate (`mandate_required`), a saved ' +
        'payment method that cannot be used (`payment_method_unusable`, `payment_method_type_mismatch`)',
    ),
  },
});

/** The saved payment method a request names, checked against the booking's customer; null when it was never saved. */
async function findSavedPaymentMethodOfBooking(
  { calls, db }: { calls: WorkflowCalls; db: pg.Pool },
  bookingId: string,
  paymentMethodId: string,
  use: PaymentMethodUse,
) {
  const saved = await findSavedPaymentMethod(db, paymentMethodId);
  if (!saved) return null;
  const { customerId } = await queryBookingState(calls, bookingId);
  return checkSavedPaymentMethod(saved, { customerId, use, field: 'paymentMethod' });
}

/**
 * The update that offers a new payment method: a saved card goes off-session, a saved bank
 * account brings its mandate. Only a saved method needs the booking's customer, so only then is
 * the booking read first.
 */
async function paymentMethodOffer(
  context: BookingContext,
  bookingId: string,
  request: SupplyPaymentMethodBody,
): Promise<SupplyPaymentMethodRequest> {
  const use = request.for ?? 'hold';
  const saved = await findSavedPaymentMethodOfBooking(context, bookingId, request.paymentMethod, use);
  const savedMandateId = use === 'payment' ? saved?.mandate?.id : undefined;
  return {
    paymentMethod: request.paymentMethod,
    ...(request.for && { for: request.for }),
    ...(saved && use === 'hold' && { offSession: true }),
    ...(savedMandateId && { savedMandateId }),
    ...(request.for === 'payment' &&
      request.mandate && {
        mandate: {
          ipAddress: request.mandate.ipAddress,
          userAgent: request.mandate.userAgent,
          acceptedAt: request.mandate.acceptedAt,
        },
      }),
  };
}

/** Offers the new payment method to the booking's workflow, which answers with the new attempt under way. */
export function supplyPaymentMethod(context: BookingContext): RouteHandler<typeof supplyPaymentMethodRoute, AppEnv> {
  return async (c) => {
    const { bookingId } = c.req.valid('param');
    const offer = await paymentMethodOffer(context, bookingId, c.req.valid('json'));
    const state = await context.calls.updateOrClosed(bookingWorkflowId(bookingId), (handle) =>
      handle.executeUpdate(supplyPaymentMethodUpdate, { args: [offer] }),
    );
    if (state === CLOSED) {
      throw new ApiError(
        'not_awaiting_payment_method',
        `Booking ${bookingId} has finished; it awaits no payment method`,
      );
    }
    return c.json(toBookingView(state), 200);
  };
}
