/** The OpenAPI parts every booking operation shares: the booking answer, the common errors. */
import { commonBodyErrors, unavailableResponseSpec } from '../http/schemas.js';
import { BookingViewSchema } from './schemas.js';

/** OpenAPI response entry for an answer carrying the booking. */
export function bookingResponse(description: string) {
  return { description, content: { 'application/json': { schema: BookingViewSchema } } };
}

/** The errors any booking operation may answer. */
export const commonBookingErrors = {
  ...commonBodyErrors,
  503: unavailableResponseSpec('Temporal unreachable (`temporal_unavailable`)'),
};
