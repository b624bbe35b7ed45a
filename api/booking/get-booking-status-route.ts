/**
 * `GET /v1/bookings/{bookingId}/status`: the booking's statuses without asking its workflow. The
 * workflow records its hold and payment statuses as search attributes at each change; a describe
 * call reads them from the workflow's mutable state, as of its last workflow task. Temporal Cloud
 * bills the query behind `GET /v1/bookings/{bookingId}` as an action and not a describe, so a booking
 * service that polls reads this and fetches the whole booking when a status moves.
 */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import {
  HoldNextAuthorizationAtAttribute,
  HoldReleaseAtAttribute,
  HoldStatusAttribute,
  PaymentStatusAttribute,
} from '../../workflows/common/search-attributes.js';
import { HOLD_STATUSES, PAYMENT_STATUSES, bookingWorkflowId } from '../../workflows/booking/contract.js';
import type { AppEnv } from '../http/router.js';
import { bearerSecurity, errorResponseSpec } from '../http/schemas.js';
import type { BookingContext } from './booking-context.js';
import { commonBookingErrors } from './booking-responses.js';
import { BookingIdParamsSchema, BookingStatusSchema, WORKFLOW_STATUSES, type BookingStatusView } from './schemas.js';

export const getBookingStatusRoute = createRoute({
  operationId: 'getBookingStatus',
  method: 'get',
  path: '/{bookingId}/status',
  summary:
    "The booking's hold and payment statuses as its workflow last recorded them (search attributes, read by describe): " +
    'costs no Temporal Cloud action, unlike `GET /v1/bookings/{bookingId}` (a workflow query, 1 action)',
  security: bearerSecurity,
  request: { params: BookingIdParamsSchema },
  responses: {
    200: {
      description: "The booking's statuses",
      content: { 'application/json': { schema: BookingStatusSchema } },
    },
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    ...commonBookingErrors,
  },
});

/** One of `values`, or null for anything else (an attribute never set). */
function oneOf<T extends string>(values: readonly T[], value: unknown): T | null {
  return values.includes(value as T) ? (value as T) : null;
}

function instant(value: Date | undefined): string | null {
  return value ? value.toISOString() : null;
}

/** The statuses a description carries. */
export function toBookingStatusView(bookingId: string, description: WorkflowExecutionDescription): BookingStatusView {
  const attributes = description.typedSearchAttributes;
  const paymentStatus = oneOf(PAYMENT_STATUSES, attributes.get(PaymentStatusAttribute));
  return {
    bookingId,
    workflowId: description.workflowId,
    workflowStatus: oneOf(WORKFLOW_STATUSES, description.status.name.toLowerCase()) ?? 'running',
    hold: {
      status: oneOf(HOLD_STATUSES, attributes.get(HoldStatusAttribute)),
      releaseAt: instant(attributes.get(HoldReleaseAtAttribute)),
      nextAuthorizationAt: instant(attributes.get(HoldNextAuthorizationAtAttribute)),
    },
    payment: paymentStatus ? { status: paymentStatus } : null,
  };
}

/** Answers the booking's statuses from its workflow's description. */
export function getBookingStatus({ calls }: BookingContext): RouteHandler<typeof getBookingStatusRoute, AppEnv> {
  return async (c) => {
    const { bookingId } = c.req.valid('param');
    const description = await calls.describe(bookingWorkflowId(bookingId));
    return c.json(toBookingStatusView(bookingId, description), 200);
  };
}
