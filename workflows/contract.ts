/**
 * The booking workflow's public contract: its type name, id scheme, input, state, signals,
 * queries and updates. The API, the worker and the tests import these; no message name is
 * written anywhere else.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Workflow type name registered by the worker and started by the API. */
export const BOOKING_WORKFLOW_TYPE = 'bookingWorkflow';

/** Workflow id for a booking: the business key, never random. */
export function bookingWorkflowId(bookingId: string): string {
  return `booking-${bookingId}`;
}

/** Booking ids the API accepts: they end up in workflow ids, Stripe metadata and idempotency keys. */
export const BOOKING_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** Stripe PaymentMethod ids accepted for the hold (`pm_…`), e.g. `pm_card_visa` in test mode. */
export const PAYMENT_METHOD_ID_PATTERN = /^pm_[A-Za-z0-9_]{1,200}$/;

/** The hold's amount and currency: $1, never captured in the normal path. */
export const HOLD_AMOUNT_CENTS = 100;
export const HOLD_CURRENCY = 'usd';

/** Every status a hold can report, in the order a hold moves through them. */
export const HOLD_STATUSES = [
  'placing',
  'requires_action',
  'declined',
  'held',
  'released',
  'expired',
  'failed',
] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** Durations that shape a booking's hold, fixed at start so they are part of its history. */
export interface HoldPolicy {
  /** Time after the booking ends before the hold is released. */
  releaseGraceSeconds: number;
  /** How long a card authorization stays valid (7 days for customer-initiated card payments). */
  authorizationValiditySeconds: number;
  /** Release this long before the authorization would lapse, so Stripe never expires it first. */
  releaseSafetyMarginSeconds: number;
  /** How long the customer has to finish 3-D Secure before the hold attempt is cancelled. */
  customerActionTimeoutSeconds: number;
  /** How long the customer has to supply a new payment method after a decline or an expiry. */
  newPaymentMethodTimeoutSeconds: number;
}

/** Policy used when the starter gives none. */
export const DEFAULT_HOLD_POLICY: HoldPolicy = {
  releaseGraceSeconds: 60 * 60,
  authorizationValiditySeconds: 7 * 24 * 60 * 60,
  releaseSafetyMarginSeconds: 60 * 60,
  customerActionTimeoutSeconds: 60 * 60,
  newPaymentMethodTimeoutSeconds: 24 * 60 * 60,
};

/** The customer as the booking service knows them; only what Stripe's Customer needs. */
export interface BookingCustomer {
  id: string;
  email: string;
  name: string;
}

/** Workflow input, written by the API from `POST /v1/bookings`. */
export interface BookingInput {
  bookingId: string;
  customer: BookingCustomer;
  /** Stripe PaymentMethod id for the $1 hold. */
  holdPaymentMethod: string;
  /** ISO 8601 instants. */
  startsAt: string;
  endsAt: string;
  policy: HoldPolicy;
  /** Carried over by continue-as-new; absent on a fresh start. */
  carriedState?: BookingState;
  /** Events received but not yet applied when the previous run continued as new. */
  carriedEvents?: StripeEventSignal[];
  /** Notifications still being delivered when the previous run continued as new. */
  carriedNotifications?: BookingNotification[];
}

/** What the workflow tells about its hold. */
export interface HoldState {
  status: HoldStatus;
  /** The current attempt's PaymentIntent, once Stripe has created one. */
  paymentIntentId: string | null;
  /** 1 for the first payment method; moves only when the customer supplies a new one. */
  attempt: number;
  paymentMethod: string;
  /** ISO instant the hold will be (or was) released; null until held. */
  releaseAt: string | null;
  authorizedAt: string | null;
  releasedAt: string | null;
  /** Deadline for the customer's action (3-D Secure or a new payment method). */
  actionDeadline: string | null;
  /** Stripe's decline code or error code of the last failed attempt. */
  declineCode: string | null;
  /** Why the hold ended in `failed`, `expired` or `released`, in words an operator can read. */
  reason: string | null;
  /** True once the workflow will never touch this booking's hold again. */
  done: boolean;
}

/** Everything the `bookingState` query returns. */
export interface BookingState {
  bookingId: string;
  workflowId: string;
  customerId: string;
  stripeCustomerId: string | null;
  startsAt: string;
  endsAt: string;
  cancelRequested: boolean;
  cancelReason: string | null;
  hold: HoldState;
  /** Stripe event ids already applied, newest last, bounded (see MAX_REMEMBERED_EVENT_IDS). */
  seenEventIds: string[];
  processedEventCount: number;
  /** Notifications sent to the booking service, by id. */
  notificationsSent: number;
  updatedAt: string;
}

/** A booking's state before anything has happened: what a fresh workflow starts from. */
export function initialBookingState(input: BookingInput, now: Date): BookingState {
  return {
    bookingId: input.bookingId,
    workflowId: bookingWorkflowId(input.bookingId),
    customerId: input.customer.id,
    stripeCustomerId: null,
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    cancelRequested: false,
    cancelReason: null,
    hold: {
      status: 'placing',
      paymentIntentId: null,
      attempt: 1,
      paymentMethod: input.holdPaymentMethod,
      releaseAt: null,
      authorizedAt: null,
      releasedAt: null,
      actionDeadline: null,
      declineCode: null,
      reason: null,
      done: false,
    },
    seenEventIds: [],
    processedEventCount: 0,
    notificationsSent: 0,
    updatedAt: now.toISOString(),
  };
}

/** Longest cancellation reason a booking keeps. */
export const MAX_CANCEL_REASON_LENGTH = 500;

/** How many event ids a booking remembers for de-duplication (the Postgres inbox also de-duplicates). */
export const MAX_REMEMBERED_EVENT_IDS = 500;

/**
 * A Stripe event as relayed into the workflow: ids and status only, never the full object
 * (it may carry personal data). The workflow re-reads the PaymentIntent where order matters.
 */
export interface StripeEventSignal {
  /** Stripe event id (`evt_…`). */
  eventId: string;
  /** Stripe event type, e.g. `payment_intent.amount_capturable_updated`. */
  type: string;
  /** Event creation time, seconds since the epoch, as Stripe sends it. */
  created: number;
  /** Id of the event's object (`pi_…` for PaymentIntent events, `ch_…` for charge events). */
  objectId: string;
  /** The PaymentIntent the event is about: the object itself or a charge's `payment_intent`. */
  paymentIntentId: string | null;
  /** The object's `status` at the time of the event, when it has one. */
  objectStatus: string | null;
  /** PaymentIntent `cancellation_reason`, for `payment_intent.canceled`. */
  cancellationReason: string | null;
}

/** Body of the cancel update. */
export interface CancelBookingRequest {
  reason?: string;
}

/** Body of the new-payment-method update. */
export interface SupplyPaymentMethodRequest {
  paymentMethod: string;
}

/** Notification kinds the booking service receives. */
export const NOTIFICATION_TYPES = [
  'hold.held',
  'hold.requires_action',
  'hold.declined',
  'hold.released',
  'hold.release_failed',
  'hold.expired',
  'hold.failed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** A notification for the booking service, as recorded and as POSTed to its callback. */
export interface BookingNotification {
  /** Stable id (`<bookingId>:<type>:<attempt>`): the same notification is recorded and delivered once. */
  id: string;
  bookingId: string;
  type: NotificationType;
  occurredAt: string;
  data: Record<string, string | number | boolean | null>;
}

/** Stable failure `type`s raised by activities and surfaced by updates. */
export const FailureTypes = {
  CardDeclined: 'CardDeclined',
  StripeInvalidRequest: 'StripeInvalidRequest',
  StripeAuthentication: 'StripeAuthentication',
  IdempotencyConflict: 'IdempotencyConflict',
  InvalidUpdate: 'InvalidUpdate',
  NotAwaitingPaymentMethod: 'NotAwaitingPaymentMethod',
} as const;

/** Signal carrying one Stripe event, relayed from the webhook inbox. */
export const stripeEventSignal = defineSignal<[StripeEventSignal]>('stripeEvent');

/** Query returning the booking's current state. */
export const bookingStateQuery = defineQuery<BookingState>('bookingState');

/** Update: cancel the booking; releases the hold at once and answers with the final state. */
export const cancelBookingUpdate = defineUpdate<BookingState, [CancelBookingRequest]>('cancelBooking');

/** Update: the customer supplies a new payment method after a decline or expiry. */
export const supplyPaymentMethodUpdate = defineUpdate<BookingState, [SupplyPaymentMethodRequest]>(
  'supplyPaymentMethod',
);
