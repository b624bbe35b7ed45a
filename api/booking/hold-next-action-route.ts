/**
 * `GET /v1/bookings/{bookingId}/hold/next-action` (Bearer API_TOKEN): while the hold waits for the
 * customer's 3-D Secure, what the booking service's front end hands to Stripe.js to finish it. The
 * client secret is read from Stripe for each answer; the booking's workflow never holds it.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { ApiConfig } from '../../config/env.js';
import { requireBearerToken } from '../http/bearer-auth.js';
import { ApiError } from '../http/errors.js';
import { readHoldNextAction, type HoldNextActionGateway } from './hold-next-action.js';
import { createRouter } from '../http/router.js';
import { WorkflowCalls } from '../temporal/workflow-calls.js';
import { queryBookingState } from './booking-context.js';
import { bearerSecurity, errorResponseSpec, unavailableResponseSpec } from '../http/schemas.js';
import { BookingIdParamsSchema, HoldNextActionSchema } from './schemas.js';

/** What the next-action route needs. */
export interface HoldNextActionRoutesDeps {
  temporal: Client;
  config: ApiConfig;
  /** Reads the hold's PaymentIntent; without it the route answers 503 `stripe_unavailable`. */
  gateway?: HoldNextActionGateway;
}

const holdNextActionRoute = createRoute({
  operationId: 'getHoldNextAction',
  method: 'get',
  path: '/{bookingId}/hold/next-action',
  summary:
    "While the hold is `requires_action` (3-D Secure), or a later authorization of its plan waits for the customer's " +
    "authentication (notification `hold.requires_action` with `renewal`): the PaymentIntent's id, its client secret and " +
    "Stripe's next action, read from Stripe now, for Stripe.js in the customer's browser (`stripe.handleNextAction({ clientSecret })`)",
  security: bearerSecurity,
  request: { params: BookingIdParamsSchema },
  responses: {
    200: {
      description: 'Stripe waits for the customer: hand `clientSecret` to Stripe.js, never log or store it',
      headers: {
        'Cache-Control': {
          description: '`no-store`: the answer carries a client secret',
          schema: { type: 'string', example: 'no-store' },
        },
      },
      content: { 'application/json': { schema: HoldNextActionSchema } },
    },
    401: errorResponseSpec('Missing or wrong bearer token (`unauthorized`)'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    409: errorResponseSpec(
      'The hold is not waiting for the customer (`not_awaiting_action`): its status is not `requires_action` and no ' +
        'renewal waits for authentication, or ' +
        'Stripe no longer asks for an action (the customer just finished, or the hold was given up); read the booking',
    ),
    422: errorResponseSpec('Path violates the schema (`validation_failed`)'),
    500: errorResponseSpec('Unexpected failure (`internal_error`)'),
    503: unavailableResponseSpec(
      'Temporal or Stripe unreachable (`temporal_unavailable`, `stripe_unavailable`); retry',
    ),
  },
});

/** The hold's next-action route, to mount on `/v1/bookings`. */
export function createHoldNextActionRoutes({ temporal, config, gateway }: HoldNextActionRoutesDeps) {
  const calls = new WorkflowCalls(temporal, config);
  const router = createRouter();
  router.use('*', requireBearerToken(config.API_TOKEN));

  router.openapi(holdNextActionRoute, async (c) => {
    const { bookingId } = c.req.valid('param');
    const { hold } = await queryBookingState(calls, bookingId);
    // A renewal the issuer wants authenticated waits for the customer while the current authorization holds.
    const renewal = hold.pendingRenewal?.status === 'requires_action' ? hold.pendingRenewal.paymentIntentId : null;
    const paymentIntentId = renewal ?? (hold.status === 'requires_action' ? hold.paymentIntentId : null);
    if (!paymentIntentId) {
      throw new ApiError(
        'not_awaiting_action',
        `Booking ${bookingId}'s hold is ${hold.status}; it awaits no action from the customer`,
      );
    }
    if (!gateway) throw new ApiError('stripe_unavailable', 'Stripe is not configured for this API; retry later');
    const nextAction = await readHoldNextAction(gateway, paymentIntentId);
    if (!nextAction) {
      throw new ApiError(
        'not_awaiting_action',
        `Stripe no longer waits for the customer on booking ${bookingId}'s hold`,
      );
    }
    // A client secret must not sit in a browser or proxy cache.
    c.header('Cache-Control', 'no-store');
    return c.json(nextAction, 200);
  });

  return router;
}
