/** Stripe's error objects and HTTP codes, raised by the emulator's endpoints as StripeApiError. */

/** The `error` member of a Stripe error response (components.schemas.api_errors). */
export interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  code?: string;
  decline_code?: string;
  advice_code?: string;
  message: string;
  param?: string;
  charge?: string;
  payment_intent?: unknown;
  setup_intent?: unknown;
  payment_method?: unknown;
  doc_url?: string;
  request_log_url?: string;
}

/**
 * A failure answered with Stripe's error object. `storedForIdempotency` is false for failures that
 * happen before an endpoint starts executing (validation, auth): Stripe saves no result for those.
 */
export class StripeApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly body: StripeErrorBody,
    readonly storedForIdempotency: boolean,
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }
}

/** Stripe's documentation link for an error code. */
export function errorDocUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
}

function invalidRequest(
  code: string | undefined,
  message: string,
  param: string | undefined,
  storedForIdempotency: boolean,
  httpStatus = 400,
): StripeApiError {
  return new StripeApiError(
    httpStatus,
    {
      type: 'invalid_request_error',
      ...(code ? { code, doc_url: errorDocUrl(code) } : {}),
      message,
      ...(param ? { param } : {}),
    },
    storedForIdempotency,
  );
}

/** A required parameter is absent (400 parameter_missing). */
export function parameterMissing(param: string): StripeApiError {
  return invalidRequest('parameter_missing', `Missing required param: ${param}.`, param, false);
}

/** A parameter the endpoint does not know (400 parameter_unknown). */
export function parameterUnknown(param: string): StripeApiError {
  return invalidRequest('parameter_unknown', `Received unknown parameter: ${param}`, param, false);
}

/** A parameter with a malformed or out-of-range value (400 parameter_invalid_*). */
export function parameterInvalid(param: string, message: string, code = 'parameter_invalid_string'): StripeApiError {
  return invalidRequest(code, message, param, false);
}

/** An amount below Stripe's minimum charge amount (400 amount_too_small). */
export function amountTooSmall(param: string, currency: string): StripeApiError {
  return invalidRequest('amount_too_small', `Amount must be at least $0.50 ${currency}`, param, false);
}

/** A referenced object does not exist (404 for the path's own id, 400 for a parameter). */
export function resourceMissing(objectName: string, id: string, param?: string): StripeApiError {
  return invalidRequest('resource_missing', `No such ${objectName}: '${id}'`, param ?? 'id', true, param ? 400 : 404);
}

/** An action the PaymentIntent's status does not allow (400 payment_intent_unexpected_state). */
export function paymentIntentUnexpectedState(message: string, paymentIntent: unknown): StripeApiError {
  return new StripeApiError(
    400,
    {
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      doc_url: errorDocUrl('payment_intent_unexpected_state'),
      message,
      payment_intent: paymentIntent,
    },
    true,
  );
}

/** An action the SetupIntent's status does not allow (400 setup_intent_unexpected_state). */
export function setupIntentUnexpectedState(message: string, setupIntent: unknown): StripeApiError {
  return new StripeApiError(
    400,
    {
      type: 'invalid_request_error',
      code: 'setup_intent_unexpected_state',
      doc_url: errorDocUrl('setup_intent_unexpected_state'),
      message,
      setup_intent: setupIntent,
    },
    true,
  );
}

/** A card-network decline or authentication failure answered as HTTP 402 card_error. */
export function cardError(body: Omit<StripeErrorBody, 'type'>): StripeApiError {
  return new StripeApiError(402, { type: 'card_error', ...body }, true);
}

/** An idempotency key reused with other parameters or on another endpoint (400 idempotency_error). */
export function idempotencyKeyMismatch(key: string, reason: 'parameters' | 'endpoint'): StripeApiError {
  const message =
    reason === 'parameters'
      ? `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`
      : `Keys for idempotent requests can only be used for the same endpoint they were first used for. Try using a key other than '${key}' if you meant to execute a different request.`;
  return new StripeApiError(400, { type: 'idempotency_error', message }, false);
}

/** Another request with the same idempotency key is still executing (409 idempotency_error). */
export function idempotencyKeyInUse(key: string): StripeApiError {
  return new StripeApiError(
    409,
    {
      type: 'idempotency_error',
      code: 'idempotency_key_in_use',
      doc_url: errorDocUrl('idempotency_key_in_use'),
      message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
    },
    false,
  );
}

/** No API key, or one Stripe would not recognise (401). */
export function authenticationFailed(message: string): StripeApiError {
  return invalidRequest(undefined, message, undefined, false, 401);
}

/** Too many requests (429 rate_limit), as Stripe answers them. */
export function rateLimited(): StripeApiError {
  return invalidRequest(
    'rate_limit',
    'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    undefined,
    false,
    429,
  );
}

/** A server-side failure (5xx api_error). */
export function apiError(httpStatus: number): StripeApiError {
  return new StripeApiError(
    httpStatus,
    {
      type: 'api_error',
      message:
        "Sorry, something went wrong. We've already been notified of the problem, but if you need any help, you can reach us at support.stripe.com/contact.",
    },
    false,
  );
}

/** An unknown path (404), with Stripe's message. */
export function unrecognizedRequestUrl(method: string, path: string): StripeApiError {
  return invalidRequest(
    undefined,
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    undefined,
    false,
    404,
  );
}

/** The JSON body Stripe answers for an error. */
export function errorResponseBody(error: StripeApiError): { error: StripeErrorBody } {
  return { error: error.body };
}
