/** Builds the workflow's input from a validated `POST /v1/bookings` body and the API's hold and payment policy settings. */
import { createHash, createHmac } from 'node:crypto';
import type { ApiConfig } from '../../config/env.js';
import {
  DEFAULT_PAYMENT_POLICY,
  type BankPaymentInput,
  type BookingInput,
  type HoldPlan,
  type HoldPolicy,
  type PaymentPolicy,
} from '../../workflows/booking/contract.js';
import type { SavedPaymentMethodsOfBooking } from '../saved-payment-methods/saved-payment-method-use.js';
import type { BankPaymentBody, CreateBookingBody } from './schemas.js';

/** The hold policy every new booking gets, from the HOLD_* settings. */
export function holdPolicyFromConfig(config: ApiConfig): HoldPolicy {
  return {
    releaseGraceSeconds: config.HOLD_RELEASE_GRACE_SECONDS,
    authorizationValiditySeconds: config.HOLD_AUTHORIZATION_VALIDITY_SECONDS,
    releaseSafetyMarginSeconds: config.HOLD_RELEASE_SAFETY_MARGIN_SECONDS,
    customerActionTimeoutSeconds: config.HOLD_CUSTOMER_ACTION_TIMEOUT_SECONDS,
    newPaymentMethodTimeoutSeconds: config.HOLD_NEW_PAYMENT_METHOD_TIMEOUT_SECONDS,
    renewalMarginSeconds: config.HOLD_RENEWAL_MARGIN_SECONDS,
    ...(config.HOLD_EXTENDED_AUTHORIZATION && { extendedAuthorization: true }),
  };
}

/** The bank payment policy every new booking with a payment gets, from the PAYMENT_* settings. */
export function paymentPolicyFromConfig(config: ApiConfig): PaymentPolicy {
  return {
    processingAlertSeconds: config.PAYMENT_PROCESSING_ALERT_SECONDS,
    disputeWindowSeconds: config.PAYMENT_DISPUTE_WINDOW_SECONDS,
    refundPercent: config.PAYMENT_REFUND_PERCENT,
    balanceRefreshTimeoutSeconds: config.PAYMENT_BALANCE_REFRESH_TIMEOUT_SECONDS,
  };
}

const NOTHING_SAVED: SavedPaymentMethodsOfBooking = { holdOffSession: false, savedMandateId: null };

/**
 * Workflow input for a new booking. A payment given as `bankAccount` needs `bankPaymentMethod`, the
 * PaymentMethod the API created from it: account and routing numbers never enter the workflow.
 * `saved` says which of the named payment methods the customer saved (see saved-payment-method-use.ts).
 */
export function toBookingInput(
  body: CreateBookingBody,
  policy: HoldPolicy,
  paymentPolicy: PaymentPolicy = DEFAULT_PAYMENT_POLICY,
  bankPaymentMethod?: string,
  saved: SavedPaymentMethodsOfBooking = NOTHING_SAVED,
  defaultPlan: HoldPlan = 'auto',
): BookingInput {
  return {
    bookingId: body.bookingId,
    customer: { id: body.customer.id, email: body.customer.email, name: body.customer.name },
    holdPaymentMethod: body.holdPaymentMethod,
    holdPlan: body.holdPlan ?? defaultPlan,
    // Only set for a saved card, so a booking on a new card starts with exactly the input it always had.
    ...(saved.holdOffSession && { holdOffSession: true }),
    startsAt: body.startsAt,
    endsAt: body.endsAt,
    policy,
    ...(body.payment && {
      payment: toBankPaymentInput(body.payment, bankPaymentMethod, saved.savedMandateId),
      paymentPolicy,
    }),
  };
}

function toBankPaymentInput(
  payment: BankPaymentBody,
  bankPaymentMethod: string | undefined,
  savedMandateId: string | null,
): BankPaymentInput {
  const paymentMethod = bankPaymentMethod ?? payment.paymentMethod;
  if (!paymentMethod) throw new Error('A bank payment needs a PaymentMethod: create it from bankAccount first');
  if (!payment.mandate && !savedMandateId)
    throw new Error('A bank payment needs a mandate acceptance or a saved mandate');
  return {
    amount: payment.amount,
    paymentMethod,
    mandate: payment.mandate
      ? {
          ipAddress: payment.mandate.ipAddress,
          userAgent: payment.mandate.userAgent,
          acceptedAt: payment.mandate.acceptedAt,
        }
      : null,
    ...(savedMandateId && { savedMandateId }),
    verification: payment.verification,
    targetDate: payment.targetDate ?? null,
    checkBalance: payment.checkBalance,
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

/**
 * sha256 (hex) of the canonical JSON of a validated create body: equal bodies, equal fingerprints.
 * The fingerprint is kept in the workflow's memo, so bank account numbers enter it only as an HMAC
 * keyed with `secret` (a short account number hashed in the clear could be found by trying them all).
 */
export function requestFingerprint(body: CreateBookingBody, secret: string): string {
  const bankAccount = body.payment?.bankAccount;
  const fingerprinted = bankAccount
    ? {
        ...body,
        payment: {
          ...body.payment,
          bankAccount: createHmac('sha256', secret).update(canonicalJson(bankAccount)).digest('hex'),
        },
      }
    : body;
  return createHash('sha256').update(canonicalJson(fingerprinted)).digest('hex');
}
