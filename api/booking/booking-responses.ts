/** The OpenAPI parts every booking operation shares: the booking answer, the common errors. */
import { errorResponseSpec, unavailableResponseSpec } from '../http/schemas.js';
import { BookingViewSchema } from './schemas.js';

/** OpenAPI response entry for an answer carrying the booking. */
export function bookingResponse(description: string) {
  return { description, content: { 'application/json': { schema: BookingViewSchema } } };
}

/** The errors any booking operation may answer. */
export const commonBookingErrors = {
  401: errorResponseSpec('Missing or wrong bearer token (`unauthorized`)'),
  413: errorResponseSpec('Body larger than MAX_BODY_BYTES (`payload_too_large`)'),
  422: errorResponseSpec('Body or path violates the schema (`validation_failed`)'),
  500: errorResponseSpec('Unexpected failure (`internal_error`)'),
  503: unavailableResponseSpec('Temporal unreachable (`temporal_unavailable`)'),
};
