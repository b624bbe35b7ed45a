/**
 * What the HTTP contract's schemas share, whichever area they describe: string fields published with
 * the rules the API applies, the path parameters of a customer's routes, the one error shape and
 * its response entries, and the bearer security scheme. The areas' own schemas (`booking/schemas.ts`,
 * `setup/schemas.ts`, …) are built from them; `/openapi.json` is generated from all of them.
 */
import { z } from '@hono/zod-openapi';
import { PAYMENT_METHOD_ID_PATTERN } from '../../workflows/booking/contract.js';
import { CUSTOMER_ID_PATTERN } from '../../workflows/setup/contract.js';
import { ERROR_CODES } from './errors.js';

/** Name of the bearer security scheme in the OpenAPI document. */
export const BEARER_SECURITY_SCHEME = 'bearerAuth';

/** The `security` of an operation that takes the bearer API_TOKEN. */
export const bearerSecurity = [{ [BEARER_SECURITY_SCHEME]: [] }];

/**
 * A string matching `pattern`, published with the pattern's source only: the generator would print
 * the regex literal (`/…/u`), flags included, which no JSON Schema client can match. Sources are
 * written so that ECMA-262 and JSON Schema clients read them alike (`[0-9]`, not `\d`).
 */
export function matching(pattern: RegExp, message: string) {
  return z.string().regex(pattern, message).openapi({ pattern: pattern.source });
}

/**
 * A string of `min` to `max` characters counted as JSON Schema counts them, in code points (zod's
 * `.max()` counts UTF-16 units, so 60 emoji would pass the published maxLength 100 and be refused).
 */
export function text(min: number, max: number) {
  return z
    .string()
    .refine(
      (value) => {
        const length = [...value].length;
        return length >= min && length <= max;
      },
      { message: `must be ${min} to ${max} characters` },
    )
    .openapi({ minLength: min, maxLength: max });
}

/**
 * The e-mail addresses the API accepts: zod's default rule (no leading, trailing or doubled dot in
 * the local part, a dotted domain ending in two letters or more) written without lookaheads, and
 * published as the pattern, so that generated addresses are ones the API takes.
 */
const EMAIL_PATTERN =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

/** An e-mail address the API accepts. The pattern alone, without `format: email`: a client's idea of one may differ from ours. */
export const email = matching(EMAIL_PATTERN, 'Invalid email address')
  .max(254)
  .openapi({ description: 'An e-mail address', example: 'ada@example.com' });

/** A Stripe PaymentMethod id (`pm_…`). */
export const paymentMethodId = matching(PAYMENT_METHOD_ID_PATTERN, 'must be a Stripe PaymentMethod id (pm_…)').openapi({
  example: 'pm_card_visa',
});

/** An ISO 8601 date-time with its UTC offset. */
export const instantWithOffset = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a UTC offset' })
  .openapi({ example: '2030-05-01T10:00:00+02:00' });

/** A date-time as the views give it, or null. */
export const nullableInstant = z.string().nullable();

// The same rule as a booking's customer.id: whoever can book can save a payment method.
const customerId = matching(CUSTOMER_ID_PATTERN, 'must be 1 to 100 characters without control characters').openapi({
  example: 'cust_42',
});

/** Path parameters of a customer's routes. */
export const CustomerIdParamsSchema = z.object({
  customerId: customerId.openapi({ param: { name: 'customerId', in: 'path' } }),
});

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

/** OpenAPI response entry for an error status. */
export function errorResponseSpec(description: string) {
  return { description, content: { 'application/json': { schema: ErrorResponseSchema } } };
}

/** OpenAPI response entry for a 503: the error shape and `Retry-After`, the seconds to wait before retrying. */
export function unavailableResponseSpec(description: string) {
  return {
    ...errorResponseSpec(description),
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before sending the request again',
        schema: { type: 'integer' as const, minimum: 1 },
      },
    },
  };
}

/** The errors any operation with a body under the bearer token may answer; each area adds its 503 (and more). */
export const commonBodyErrors = {
  401: errorResponseSpec('Missing or wrong bearer token (`unauthorized`)'),
  413: errorResponseSpec('Body larger than MAX_BODY_BYTES (`payload_too_large`)'),
  422: errorResponseSpec('Body or path violates the schema (`validation_failed`)'),
  500: errorResponseSpec('Unexpected failure (`internal_error`)'),
};
