/** `GET /v1/bookings/{bookingId}`: the booking's current state, from its workflow. */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../http/router.js';
import { BookingIdParamsSchema } from './schemas.js';
import { bearerSecurity, errorResponseSpec } from '../http/schemas.js';
import { queryBookingView, type BookingContext } from './booking-context.js';
import { bookingResponse, commonBookingErrors } from './booking-responses.js';

export const getBookingRoute = createRoute({
  operationId: 'getBooking',
  method: 'get',
  path: '/{bookingId}',
  summary: "The booking's current state, from its workflow",
  security: bearerSecurity,
  request: { params: BookingIdParamsSchema },
  responses: {
    200: bookingResponse('The booking'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    ...commonBookingErrors,
  },
});

/** Answers the booking as its workflow tells it. */
export function getBooking({ calls }: BookingContext): RouteHandler<typeof getBookingRoute, AppEnv> {
  return async (c) => {
    const { bookingId } = c.req.valid('param');
    return c.json(await queryBookingView(calls, bookingId), 200);
  };
}
