/** Builds the workflow's input from a validated `POST /v1/bookings` body and the API's hold policy settings. */
import { createHash } from 'node:crypto';
import type { ApiConfig } from '../config/env.js';
import type { BookingInput, HoldPolicy } from '../workflows/contract.js';
import type { CreateBookingBody } from './schemas.js';

/** The hold policy every new booking gets, from the HOLD_* settings. */
export function holdPolicyFromConfig(config: ApiConfig): HoldPolicy {
  return {
    releaseGraceSeconds: config.HOLD_RELEASE_GRACE_SECONDS,
    authorizationValiditySeconds: config.HOLD_AUTHORIZATION_VALIDITY_SECONDS,
    releaseSafetyMarginSeconds: config.HOLD_RELEASE_SAFETY_MARGIN_SECONDS,
    customerActionTimeoutSeconds: config.HOLD_CUSTOMER_ACTION_TIMEOUT_SECONDS,
    newPaymentMethodTimeoutSeconds: config.HOLD_NEW_PAYMENT_METHOD_TIMEOUT_SECONDS,
  };
}

/** Workflow input for a new booking. */
export function toBookingInput(body: CreateBookingBody, policy: HoldPolicy): BookingInput {
  return {
    bookingId: body.bookingId,
    customer: { id: body.customer.id, email: body.customer.email, name: body.customer.name },
    holdPaymentMethod: body.holdPaymentMethod,
    startsAt: body.startsAt,
    endsAt: body.endsAt,
    policy,
  };
}

/** JSON with object keys sorted at every level, so equal values always serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 (hex) of the canonical JSON of a validated create body: equal bodies, equal fingerprints. */
export function requestFingerprint(body: CreateBookingBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
