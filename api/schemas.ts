/**
 * Zod schemas at the API's edge: request bodies, path parameters, responses. The routes validate
 * with them and `/openapi.json` is generated from them, so the document cannot drift from the code.
 */
import { z } from '@hono/zod-openapi';
import { BOOKING_ID_PATTERN, HOLD_STATUSES, PAYMENT_METHOD_ID_PATTERN } from '../workflows/contract.js';
import { ERROR_CODES } from './errors.js';

/** Name of the bearer security scheme in the OpenAPI document. */
export const BEARER_SECURITY_SCHEME = 'bearerAuth';

const bookingId = z
  .string()
  .regex(BOOKING_ID_PATTERN, 'must be 1-100 letters, digits, "_" or "-", starting with a letter or digit')
  .openapi({ example: 'bk_2024_0001' });

const paymentMethodId = z
  .string()
  .regex(PAYMENT_METHOD_ID_PATTERN, 'must be a Stripe PaymentMethod id (pm_…)')
  .openapi({ example: 'pm_card_visa' });

const instantWithOffset = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a UTC offset' })
  .openapi({ example: '2030-05-01T10:00:00+02:00' });

/** Body of `POST /v1/bookings`. */
export const CreateBookingBodySchema = z
  .strictObject({
    bookingId,
    customer: z.strictObject({
      id: z.string().min(1).max(100).openapi({ example: 'cus_internal_42' }),
      email: z.email().max(254).openapi({ example: 'ada@example.com' }),
      name: z.string().min(1).max(200).openapi({ example: 'Ada Lovelace' }),
    }),
    holdPaymentMethod: paymentMethodId,
    startsAt: instantWithOffset,
    endsAt: instantWithOffset,
  })
  .refine((body) => Date.parse(body.endsAt) > Date.parse(body.startsAt), {
    message: 'must be after startsAt',
    path: ['endsAt'],
  })
  .openapi('CreateBookingRequest');
export type CreateBookingBody = z.infer<typeof CreateBookingBodySchema>;

/** Body of `POST /v1/bookings/{bookingId}/cancel`; may be omitted. */
export const CancelBookingBodySchema = z
  .strictObject({ reason: z.string().min(1).max(500).optional() })
  .openapi('CancelBookingRequest');

/** Body of `POST /v1/bookings/{bookingId}/payment-method`. */
export const SupplyPaymentMethodBodySchema = z
  .strictObject({ paymentMethod: paymentMethodId })
  .openapi('SupplyPaymentMethodRequest');

/** Path parameters of the per-booking routes. */
export const BookingIdParamsSchema = z.object({
  bookingId: bookingId.openapi({ param: { name: 'bookingId', in: 'path' } }),
});

const nullableInstant = z.string().nullable();

/** What the API tells about a booking; fields are only ever added, never renamed. */
export const BookingViewSchema = z
  .object({
    bookingId: z.string(),
    workflowId: z.string(),
    customerId: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    cancelRequested: z.boolean(),
    cancelReason: z.string().nullable(),
    hold: z.object({
      status: z.enum(HOLD_STATUSES),
      paymentIntentId: z.string().nullable(),
      releaseAt: nullableInstant,
      attempt: z.number().int(),
      authorizedAt: nullableInstant,
      releasedAt: nullableInstant,
      actionDeadline: nullableInstant,
      declineCode: z.string().nullable(),
      reason: z.string().nullable(),
    }),
  })
  .openapi('Booking');
export type BookingView = z.infer<typeof BookingViewSchema>;

/** The one error shape every failure uses. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [string, ...string[]]),
      message: z.string(),
      requestId: z.string(),
    }),
  })
  .openapi('Error');

/** Acknowledgement sent to Stripe once the event is durably stored. */
export const WebhookAckSchema = z
  .object({ received: z.literal(true), duplicate: z.boolean() })
  .openapi('WebhookAck');

/** Liveness / readiness answer. */
export const HealthSchema = z
  .object({ status: z.literal('ok'), checks: z.record(z.string(), z.literal('ok')).optional() })
  .openapi('Health');

/** OpenAPI response entry for an error status. */
export function errorResponseSpec(description: string) {
  return { description, content: { 'application/json': { schema: ErrorResponseSchema } } };
}
