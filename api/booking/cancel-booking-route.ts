/** `POST /v1/bookings/{bookingId}/cancel`: cancels the booking, whose hold is released at once. */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import { bookingWorkflowId, cancelBookingUpdate } from '../../workflows/booking/contract.js';
import { ApiError } from '../http/errors.js';
import type { AppEnv } from '../http/router.js';
import { CLOSED, type WorkflowCalls } from '../temporal/workflow-calls.js';
import { BookingIdParamsSchema, CancelBookingBodySchema, type BookingView } from './schemas.js';
import { bearerSecurity, errorResponseSpec } from '../http/schemas.js';
import { queryBookingView, type BookingContext } from './booking-context.js';
import { bookingResponse, commonBookingErrors } from './booking-responses.js';
import { toBookingView } from './booking-view.js';

export const cancelBookingRoute = createRoute({
  operationId: 'cancelBooking',
  method: 'post',
  path: '/{bookingId}/cancel',
  summary: 'Cancel the booking; the hold is released at once',
  security: bearerSecurity,
  request: {
    params: BookingIdParamsSchema,
    body: { required: false, content: { 'application/json': { schema: CancelBookingBodySchema } } },
  },
  responses: {
    200: bookingResponse('The booking after the cancellation, or its final state if its workflow has finished'),
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    409: errorResponseSpec('The booking has finished and its final state cannot be read right now (`booking_closed`)'),
    504: errorResponseSpec('The workflow did not answer in time (`temporal_timeout`)'),
    ...commonBookingErrors,
    422: errorResponseSpec('Schema violation (`validation_failed`) or rejected by the workflow (`invalid_request`)'),
  },
});

/** A finished booking's final state; queries replay the closed workflow on a worker. */
async function finalBookingView(calls: WorkflowCalls, bookingId: string): Promise<BookingView> {
  try {
    return await queryBookingView(calls, bookingId);
  } catch (error) {
    throw new ApiError(
      'booking_closed',
      `Booking ${bookingId} has finished; its final state cannot be read right now`,
      {
        cause: error,
      },
    );
  }
}

/** Cancels the booking through its workflow's update. */
export function cancelBooking({ calls }: BookingContext): RouteHandler<typeof cancelBookingRoute, AppEnv> {
  return async (c) => {
    const { bookingId } = c.req.valid('param');
    const request = c.req.valid('json');
    const state = await calls.updateOrClosed(bookingWorkflowId(bookingId), (handle) =>
      handle.executeUpdate(cancelBookingUpdate, { args: [request.reason ? { reason: request.reason } : {}] }),
    );
    // A finished booking has nothing left to cancel: cancelling it again is answered with how it ended.
    if (state === CLOSED) return c.json(await finalBookingView(calls, bookingId), 200);
    return c.json(toBookingView(state), 200);
  };
}
