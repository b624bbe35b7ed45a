/**
 * The API's one error shape, `{ error: { code, message, requestId } }`, and the mapping from every
 * known failure (validation, auth, Temporal, PostgreSQL, Stripe, body limits) to it. Unknown errors become a generic 500.
 */
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import Stripe from 'stripe';
import { FailureTypes } from '../../workflows/booking/contract.js';
import type { AppEnv } from './router.js';
import { isDatabaseUnavailable } from './database-errors.js';
import { isTemporalUnavailable } from '../temporal/temporal-errors.js';

/** Every error code the API answers with, and its HTTP status. */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_signature: 400,
  unauthorized: 401,
  booking_not_found: 404,
  setup_not_found: 404,
  payment_method_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  booking_conflict: 409,
  booking_closed: 409,
  setup_conflict: 409,
  not_awaiting_payment_method: 409,
  not_awaiting_verification: 409,
  not_awaiting_action: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  invalid_request: 422,
  invalid_bank_account: 422,
  payment_method_unusable: 422,
  payment_method_type_mismatch: 422,
  mandate_required: 422,
  internal_error: 500,
  setup_intent_not_created: 502,
  temporal_unavailable: 503,
  database_unavailable: 503,
  not_ready: 503,
  stripe_unavailable: 503,
  temporal_timeout: 504,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Error codes as a list, for the OpenAPI document. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** The body of every failed response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string };
}

/** A failure whose code and message are safe to show to the caller. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

/** Seconds a 503 (a dependency unreachable) asks the caller to wait before retrying, in `Retry-After`. */
export const RETRY_AFTER_SECONDS = 5;

const GENERIC_INTERNAL_MESSAGE = 'Internal error; the request id identifies it in the server logs';

/** Maps a failed update (validator or handler rejection) to what the caller may see. */
function updateRejection(error: WorkflowUpdateFailedError): ApiError {
  const failure = error.cause;
  if (failure instanceof ApplicationFailure) {
    if (failure.type === FailureTypes.NotAwaitingPaymentMethod) {
      return new ApiError('not_awaiting_payment_method', failure.message);
    }
    if (failure.type === FailureTypes.NotAwaitingVerification) {
      return new ApiError('not_awaiting_verification', failure.message);
    }
    if (failure.type === FailureTypes.MandateRequired) return new ApiError('mandate_required', failure.message);
    if (failure.type === FailureTypes.InvalidUpdate) return new ApiError('invalid_request', failure.message);
    if (failure.type) return new ApiError('invalid_request', `The booking rejected the request (${failure.type})`);
  }
  return new ApiError('invalid_request', 'The booking rejected the request');
}

/** Turns any thrown value into an ApiError; `expected` is false for failures worth a server-side error log. */
export function toApiError(error: unknown): { apiError: ApiError; expected: boolean } {
  if (error instanceof ApiError) return { apiError: error, expected: error.status < 500 };
  if (error instanceof HTTPException) {
    switch (error.status) {
      case 400:
        return { apiError: new ApiError('invalid_json', 'Request body is not valid JSON'), expected: true };
      case 401:
        return { apiError: new ApiError('unauthorized', 'Missing or invalid bearer token'), expected: true };
      case 413:
        return { apiError: new ApiError('payload_too_large', 'Request body is too large'), expected: true };
      case 415:
        return {
          apiError: new ApiError('unsupported_media_type', 'Request body must be application/json'),
          expected: true,
        };
    }
  }
  if (error instanceof WorkflowNotFoundError) {
    return { apiError: new ApiError('booking_not_found', 'Booking not found'), expected: true };
  }
  if (error instanceof WorkflowUpdateFailedError) return { apiError: updateRejection(error), expected: true };
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return {
      apiError: new ApiError('temporal_timeout', 'The booking did not answer in time; retry the request'),
      expected: false,
    };
  }
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError
  ) {
    return { apiError: new ApiError('stripe_unavailable', 'Stripe unavailable; retry later'), expected: false };
  }
  if (isTemporalUnavailable(error)) {
    return {
      apiError: new ApiError('temporal_unavailable', 'Workflow service unavailable; retry later'),
      expected: false,
    };
  }
  if (isDatabaseUnavailable(error)) {
    return { apiError: new ApiError('database_unavailable', 'Database unavailable; retry later'), expected: false };
  }
  return { apiError: new ApiError('internal_error', GENERIC_INTERNAL_MESSAGE), expected: false };
}

/** Writes an ApiError in the API's error shape, tagged with the request id. */
export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, requestId: c.get('requestId') ?? '' },
  };
  const headers: Record<string, string> = {};
  // The rest of an oversized body is never read: a keep-alive client must not send its next request on this socket.
  if (error.status === 413) headers.Connection = 'close';
  if (error.status === 503) headers['Retry-After'] = String(RETRY_AFTER_SECONDS);
  return c.json(body, error.status, headers);
}
