/**
 * The payment-method setup workflow's public contract: one workflow per SetupIntent that saves a
 * customer's card or bank account for later bookings. The API, the worker and the tests import
 * these; no message name is written anywhere else.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  BookingCustomer,
  MicrodepositState,
  StripeWriteLedger,
  VerificationMethod,
  VerifyMicrodepositsRequest,
} from '../booking/contract.js';

/** Workflow type name registered by the worker and started by the API. */
export const PAYMENT_METHOD_SETUP_WORKFLOW_TYPE = 'paymentMethodSetupWorkflow';

/** Workflow id of a setup: the business key the caller chose (or the API generated). */
export function paymentMethodSetupWorkflowId(setupId: string): string {
  return `payment-method-setup-${setupId}`;
}

/** Setup ids the API accepts: they end up in workflow ids, Stripe metadata and idempotency keys. */
export const SETUP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/**
 * Customer ids the API accepts, in bookings and in paths: the booking service's own ids, 1 to 100
 * characters without control characters (Postgres refuses NUL; Stripe headers refuse controls).
 * The class spells out Unicode's Cc range rather than `\p{Cc}` so that its source is a pattern any
 * JSON Schema client can match; the `u` flag counts characters as JSON Schema does (code points).
 */
// eslint-disable-next-line no-control-regex -- excluding the control characters is the point
export const CUSTOMER_ID_PATTERN = /^[^\u0000-\u001F\u007F-\u009F]{1,100}$/u;

/** Kinds of payment method a customer can save. */
export const SAVED_PAYMENT_METHOD_TYPES = ['card', 'us_bank_account'] as const;
export type SavedPaymentMethodType = (typeof SAVED_PAYMENT_METHOD_TYPES)[number];

/**
 * Every status a setup reports: `creating` until Stripe has the SetupIntent, then the SetupIntent's
 * own states as Stripe names them (requires_payment_method, requires_confirmation, requires_action, processing,
 * succeeded, canceled).
 */
export const SETUP_STATUSES = [
  'creating',
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'succeeded',
  'canceled',
] as const;
export type SetupStatus = (typeof SETUP_STATUSES)[number];

/** Durations of a setup, fixed at start. */
export interface SetupPolicy {
  /** How long the customer has to finish (enter details, 3-D Secure, retry) before the SetupIntent is cancelled. */
  completionTimeoutSeconds: number;
}

/** Policy used when the starter gives none. */
export const DEFAULT_SETUP_POLICY: SetupPolicy = { completionTimeoutSeconds: 24 * 60 * 60 };

/** Workflow input, written by the API from `POST /v1/customers/:customerId/payment-methods`. */
export interface PaymentMethodSetupInput {
  setupId: string;
  customer: BookingCustomer;
  type: SavedPaymentMethodType;
  /** How a bank account is verified; ignored for cards. */
  verification: VerificationMethod;
  policy: SetupPolicy;
}

/** Lifecycle of a saved payment method as the product records it. */
export const SAVED_PAYMENT_METHOD_STATUSES = ['active', 'unusable', 'detached'] as const;
export type SavedPaymentMethodStatus = (typeof SAVED_PAYMENT_METHOD_STATUSES)[number];

/** A saved payment method as listed to the booking service: nothing more sensitive than the last four digits. */
export interface SavedPaymentMethod {
  paymentMethodId: string;
  customerId: string;
  type: SavedPaymentMethodType;
  /** Card brand (`visa`, …) for cards, bank name for bank accounts. */
  brand: string | null;
  bankName: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  mandate: { id: string; status: string } | null;
  status: SavedPaymentMethodStatus;
  /** Why it can no longer be used (`mandate_inactive`, `card_expired`), when it cannot. */
  unusableReason: string | null;
  setupId: string | null;
  createdAt: string;
}

/** What the `setupState` query returns. */
export interface PaymentMethodSetupState {
  setupId: string;
  workflowId: string;
  customerId: string;
  type: SavedPaymentMethodType;
  status: SetupStatus;
  setupIntentId: string | null;
  stripeCustomerId: string | null;
  /** The PaymentMethod the customer attached, once Stripe has one. */
  paymentMethodId: string | null;
  microdeposits: MicrodepositState | null;
  /** Stripe's code for the last failed attempt (decline, verification). */
  failureCode: string | null;
  /** Deadline of the current wait (completion timeout, or the microdeposits' 10 days). */
  deadline: string | null;
  /** The payment method as recorded once the setup succeeded. */
  saved: SavedPaymentMethod | null;
  reason: string | null;
  seenEventIds: string[];
  /** Stripe writes sent, their write attempts and whether their outcome is known (absent before the first). */
  stripeWrites?: StripeWriteLedger;
  done: boolean;
  updatedAt: string;
}

/** A setup before anything has happened. */
export function initialSetupState(input: PaymentMethodSetupInput, now: Date): PaymentMethodSetupState {
  return {
    setupId: input.setupId,
    workflowId: paymentMethodSetupWorkflowId(input.setupId),
    customerId: input.customer.id,
    type: input.type,
    status: 'creating',
    setupIntentId: null,
    stripeCustomerId: null,
    paymentMethodId: null,
    microdeposits: null,
    failureCode: null,
    deadline: null,
    saved: null,
    reason: null,
    seenEventIds: [],
    done: false,
    updatedAt: now.toISOString(),
  };
}

/** What a setup's microdeposit verification attempt came to. */
export interface SetupMicrodepositOutcome {
  result: 'verified' | 'mismatch' | 'attempts_exceeded' | 'expired';
  attemptsRemaining: number;
  setup: PaymentMethodSetupState;
}

/** Query returning the setup's current state. */
export const setupStateQuery = defineQuery<PaymentMethodSetupState>('setupState');

/** Update answering once Stripe has the SetupIntent (or the setup ended without one). */
export const setupIntentReadyUpdate = defineUpdate<PaymentMethodSetupState, []>('setupIntentReady');

/** Update: the customer submits the microdeposit values of a bank account being saved. */
export const verifySetupMicrodepositsUpdate = defineUpdate<SetupMicrodepositOutcome, [VerifyMicrodepositsRequest]>(
  'verifySetupMicrodeposits',
);

/** Update: abandon the setup; cancels the SetupIntent unless it already succeeded. */
export const cancelSetupUpdate = defineUpdate<PaymentMethodSetupState, []>('cancelSetup');
