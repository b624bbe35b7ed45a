/**
 * The booking service's side of the API: a typed client generated from /openapi.json
 * (openapi-fetch over the types in booking-api.ts, `npm run generate:client`) and the verifier of
 * the signed notification callbacks the booking service receives.
 */
import createClient, { type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './booking-api.js';

export type { components, operations, paths };
export { CALLBACK_SIGNATURE_HEADER, verifyCallback } from '../notifications/callback-signature.js';

/** The typed client: `client.POST('/v1/bookings', { body })` answers `{ data, error, response }`. */
export type BookingApiClient = ReturnType<typeof createClient<paths>>;

/** What the client needs: where the API is and the API_TOKEN shared with it. */
export interface BookingApiClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  baseUrl: string;
  apiToken: string;
}

/** A client for the booking payments API that sends the bearer token with every request. */
export function createBookingApiClient({
  baseUrl,
  apiToken,
  headers,
  ...options
}: BookingApiClientOptions): BookingApiClient {
  return createClient<paths>({
    baseUrl,
    ...options,
    headers: { ...(headers as Record<string, string> | undefined), Authorization: `Bearer ${apiToken}` },
  });
}
