/** `POST /v1/bookings/{bookingId}/microdeposits`: verifies the booking's bank account with its microdeposits. */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import { bookingWorkflowId, verifyMicrodepositsUpdate } from '../../workflows/booking/contract.js';
import { ApiError } from '../http/errors.js';
import type { AppEnv } from '../http/router.js';
import { CLOSED } from '../temporal/workflow-calls.js';
import { BookingIdParamsSchema, MicrodepositOutcomeSchema } from './schemas.js';
import { bearerSecurity, errorResponseSpec } from '../http/schemas.js';
import { microdepositValues, VerifyMicrodepositsBodySchema } from '../http/microdeposit-schemas.js';
import type { BookingContext } from './booking-context.js';
import { commonBookingErrors } from './booking-responses.js';
import { toBookingView } from './booking-view.js';

export const verifyMicrodepositsRoute = createRoute({
  operationId: 'verifyMicrodeposits',
  method: 'post',
  path: '/{bookingId}/microdeposits',
  summary: "Verify the bank account with the microdeposits' descriptor code or their two amounts",
  security: bearerSecurity,
  request: {
    params: BookingIdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: VerifyMicrodepositsBodySchema } } },
  },
  responses: {
    200: {
      description:
        "Stripe's answer: `verified`, `mismatch` (with the attempts remaining), `attempts_exceeded` or `expired`; " +
        'the last two ask the customer for a new bank account',
      content: { 'application/json': { schema: MicrodepositOutcomeSchema } },
    },
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    409: errorResponseSpec(
      'The booking is not waiting for microdeposits, has no attempts left, or has finished (`not_awaiting_verification`)',
    ),
    504: errorResponseSpec('The workflow did not answer in time (`temporal_timeout`)'),
    ...commonBookingErrors,
    422: errorResponseSpec(
      'Schema violation (`validation_failed`) or rejected by the workflow (`invalid_request`, e.g. amounts sent ' +
        'for a descriptor code)',
    ),
  },
});

/** Hands the descriptor code or the amounts to the booking's workflow, which answers with Stripe's verdict. */
export function verifyMicrodeposits({ calls }: BookingContext): RouteHandler<typeof verifyMicrodepositsRoute, AppEnv> {
  return async (c) => {
    const { bookingId } = c.req.valid('param');
    const request = c.req.valid('json');
    const outcome = await calls.updateOrClosed(bookingWorkflowId(bookingId), (handle) =>
      handle.executeUpdate(verifyMicrodepositsUpdate, {
        args: [microdepositValues(request)],
      }),
    );
    if (outcome === CLOSED) {
      throw new ApiError('not_awaiting_verification', `Booking ${bookingId} has finished; it awaits no microdeposits`);
    }
    return c.json(
      { result: outcome.result, attemptsRemaining: outcome.attemptsRemaining, booking: toBookingView(outcome.booking) },
      200,
    );
  };
}
