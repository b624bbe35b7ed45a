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

/** Stripe Mandate ids (`mandate_…`). */
export const MANDATE_ID_PATTERN = /^mandate_[A-Za-z0-9_]{1,200}$/;

/** Stripe PaymentMethod ids accepted for the hold (`pm_…`), e.g. `pm_card_visa` in test mode. */
export const PAYMENT_METHOD_ID_PATTERN = /^pm_[A-Za-z0-9_]{1,200}$/;

/** The hold's amount and currency: $1, never captured in the normal path. */
export const HOLD_AMOUNT_CENTS = 100;
export const HOLD_CURRENCY = 'usd';

/** Every status a hold can report, in the order a hold moves through them. */
export const HOLD_STATUSES = [
  // A deferred hold: the card verified, the covering hold placed off-session later.
  'scheduled',
  'placing',
  'requires_action',
  'declined',
  'held',
  'released',
  'expired',
  'failed',
] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/**
 * How a booking's hold covers it: `single` (one hold, released at its validity cap), `renew` (the next
 * authorization placed off-session before the current one lapses), `defer` (the card verified now, the
 * covering hold placed off-session later), `auto` (single when one hold covers the release deadline,
 * else renew).
 */
export const HOLD_PLANS = ['auto', 'renew', 'defer', 'single'] as const;
export type HoldPlan = (typeof HOLD_PLANS)[number];

/** What became of one authorization of a hold's chain. */
export const AUTHORIZATION_OUTCOMES = [
  'held',
  'requires_action',
  'declined',
  'released',
  'expired',
  'verified',
  'failed',
] as const;
export type AuthorizationOutcome = (typeof AUTHORIZATION_OUTCOMES)[number];

/** One $1 authorization placed for the hold (the first, a renewal, a verification). */
export interface HoldAuthorization {
  /** The PaymentIntent (`pi_…`). */
  id: string;
  /** 0 for the first authorization of an attempt, then 1, 2, … for each renewal. */
  renewal: number;
  /** The hold attempt (payment method) it belongs to. */
  attempt: number;
  /** `verification` for a deferred hold's card check, released at once. */
  purpose: 'hold' | 'verification';
  offSession: boolean;
  /** ISO instant Stripe authorized it; null while not authorized. */
  authorizedAt: string | null;
  /** ISO instant it lapses (Stripe's `capture_before`); null when not held. */
  validUntil: string | null;
  /** Whether the network extended it (`extended_authorization.status: enabled`). */
  extended: boolean;
  outcome: AuthorizationOutcome;
  /** Stripe's decline or error code when it failed. */
  declineCode: string | null;
  /** ISO instant it was released or lapsed. */
  endedAt: string | null;
}

/** A later authorization that did not go through: the previous one is kept until it lapses. */
export interface PendingRenewal {
  renewal: number;
  paymentIntentId: string;
  /** `requires_action`: the customer must authenticate on-session (the next-action route); `declined`: a new payment method is needed. */
  status: 'requires_action' | 'declined';
  declineCode: string | null;
}

/** Every status a bank-account (ACH) payment can report. */
export const PAYMENT_STATUSES = [
  'pending',
  'awaiting_verification',
  'requires_payment_method',
  'processing',
  'succeeded',
  'disputed',
  'refunded',
  'failed',
  'canceled',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** How the customer's bank account is verified (Stripe's `verification_method`). */
export const VERIFICATION_METHODS = ['automatic', 'instant', 'microdeposits'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

/** Attempts Stripe allows per microdeposit type, and how long the microdeposits stay valid. */
export const MICRODEPOSIT_ATTEMPTS = { descriptor_code: 10, amounts: 3 } as const;
export type MicrodepositType = keyof typeof MICRODEPOSIT_ATTEMPTS;
export const MICRODEPOSIT_VALIDITY_SECONDS = 10 * 24 * 60 * 60;

/** A descriptor code as Stripe sends it: `SM` and four letters or digits. */
export const DESCRIPTOR_CODE_PATTERN = /^SM[A-Z0-9]{4}$/;

/** The customer's acceptance of the ACH debit mandate, as Stripe requires it. */
export interface MandateAcceptance {
  ipAddress: string;
  userAgent: string;
  /** ISO 8601 instant the customer accepted. */
  acceptedAt: string;
}

/** A booking's amount paid by US bank account. */
export interface BankPaymentInput {
  /** Amount in cents, USD. */
  amount: number;
  /** Stripe PaymentMethod id of type `us_bank_account`. */
  paymentMethod: string;
  /** The customer's acceptance for this payment; null when a saved account's mandate is reused. */
  mandate: MandateAcceptance | null;
  /** The mandate of a saved bank account (`mandate_…`): the debit reuses it without new verification. */
  savedMandateId?: string | null;
  verification: VerificationMethod;
  /** Optional debit date, `YYYY-MM-DD`, 3 to 15 days ahead. */
  targetDate: string | null;
  /** Read the Financial Connections balance before debiting (needs the `balances` permission). */
  checkBalance: boolean;
}

/** Durations and rules of a bank payment, fixed at start. */
export interface PaymentPolicy {
  /** Alert if a debit is still processing this long after confirmation (it usually takes ~4 business days). */
  processingAlertSeconds: number;
  /** How long after success the workflow keeps listening for disputes. */
  disputeWindowSeconds: number;
  /** Share of the amount refunded when a paid booking is cancelled, 0 to 100. */
  refundPercent: number;
  /**
   * How long to wait for the bank's answer to a balance refresh before deciding without it (the
   * debit goes ahead and the booking says the balance could not be read). Absent: 10 minutes.
   */
  balanceRefreshTimeoutSeconds?: number;
}

/** How long a balance refresh is awaited when the policy does not say. */
export const DEFAULT_BALANCE_REFRESH_TIMEOUT_SECONDS = 10 * 60;

/** Policy used when the starter gives none. */
export const DEFAULT_PAYMENT_POLICY: PaymentPolicy = {
  processingAlertSeconds: 7 * 24 * 60 * 60,
  disputeWindowSeconds: 60 * 24 * 60 * 60,
  refundPercent: 100,
};

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
  /** Renewing plans: the next authorization is placed this long before the current one lapses (absent: 12 hours). */
  renewalMarginSeconds?: number;
  /** Ask Stripe for extended authorizations (`request_extended_authorization: if_available`) and plan from what it grants. */
  extendedAuthorization?: boolean;
  /** Deferred holds: the validity the covering hold is counted on when placing it (absent: 4 days 18 hours). */
  deferredValiditySeconds?: number;
}

/** The margin before a lapse at which the next authorization is placed, when the policy does not say: 12 hours. */
export const DEFAULT_RENEWAL_MARGIN_SECONDS = 12 * 60 * 60;
/**
 * The shortest validity of an off-session authorization (Visa merchant-initiated: 4 days 18 hours,
 * docs.stripe.com/payments/place-a-hold-on-a-payment-method): a deferred hold is placed this long before
 * the release deadline (plus the renewal margin) when the policy does not say.
 */
export const DEFAULT_DEFERRED_VALIDITY_SECONDS = (4 * 24 + 18) * 60 * 60;

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
  /** True when the hold's payment method is one the customer saved: the hold is placed off-session. */
  holdOffSession?: boolean;
  /** How the hold covers the booking; absent (runs started before plans existed) is `single`. */
  holdPlan?: HoldPlan;
  /** ISO 8601 instants. */
  startsAt: string;
  endsAt: string;
  policy: HoldPolicy;
  /** The booking's amount, paid by bank account; absent for a hold-only booking. */
  payment?: BankPaymentInput;
  paymentPolicy?: PaymentPolicy;
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
  /** True when the current payment method is a saved one, used off-session. */
  offSession?: boolean;
  /** True when Stripe cancelled the declined PaymentIntent after too many failed confirmations. */
  paymentIntentCanceled?: boolean;
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
  /**
   * Set while Stripe refuses to release the hold: it stays `held` (Stripe still holds the $1), and
   * the workflow asks Stripe again at `releaseAt` until the PaymentIntent is cancelled or its
   * authorization has lapsed (`capture_before`). Absent in runs started before it existed.
   */
  unreleased?: UnreleasedHold | null;
  /** The booking's plan (absent before plans existed: `single`). */
  plan?: HoldPlan;
  /** ISO instant the current authorization lapses (Stripe's `capture_before`); null when none is held. */
  validUntil?: string | null;
  /** ISO instant the plan places the next authorization; null when none is planned. */
  nextAuthorizationAt?: string | null;
  /** Renewals placed so far in the current attempt (the next one's number is one more). */
  renewals?: number;
  /** Every authorization placed for the hold, oldest first. */
  authorizations?: HoldAuthorization[];
  /** A renewal that failed while the previous authorization still holds. */
  pendingRenewal?: PendingRenewal | null;
  /** The saved card (`pm_…`) later authorizations are placed on, once Stripe has authorized it. */
  renewalPaymentMethod?: string | null;
}

/** A release Stripe refused, kept until Stripe confirms the hold is gone. */
export interface UnreleasedHold {
  /** ISO instant the release was given up the first time. */
  since: string;
  /** Why the hold was being released, and what its end will be called once Stripe cancels it. */
  why: string;
  outcome: 'released' | 'failed';
  cancellationReason: 'requested_by_customer' | 'abandoned';
}

/** The balance check of one bank account before its debit (Financial Connections refreshes are asynchronous). */
export interface BalanceCheckState {
  /** The payment attempt (bank account) it is about. */
  attempt: number;
  /**
   * `refreshing` while the bank's answer is awaited; `sufficient` / `insufficient` once read;
   * `unavailable` when it could not be read (no permission or linked account, the refresh failed or
   * did not finish in time): the debit then went ahead unchecked.
   */
  status: 'refreshing' | 'sufficient' | 'insufficient' | 'unavailable';
  /** The Financial Connections account (`fca_…`), when the payment method has one. */
  accountId: string | null;
  /** The available balance in cents the bank reported. */
  available: number | null;
  /** ISO instant the bank reported it. */
  asOf: string | null;
  /** ISO instant the wait for the bank ends. */
  deadline: string | null;
  /** ISO instant of the next read of the account while waiting (in case the event is late or goes elsewhere). */
  nextReadAt: string | null;
  /** Why the balance could not be read. */
  reason: string | null;
}

/** Microdeposit verification in progress. */
export interface MicrodepositState {
  type: MicrodepositType;
  /** ISO instant the microdeposits should arrive. */
  arrivalDate: string | null;
  hostedVerificationUrl: string | null;
  attemptsRemaining: number;
  /** ISO instant the verification window closes (10 days). */
  expiresAt: string;
}

/** What the workflow tells about the bank payment. */
export interface PaymentState {
  status: PaymentStatus;
  amount: number;
  paymentIntentId: string | null;
  /** 1 for the first bank account; moves when the customer supplies a new one. */
  attempt: number;
  paymentMethod: string;
  /** The saved mandate the current bank account's debit reuses, when it is a saved account. */
  savedMandateId?: string | null;
  /** Acceptance given with a later bank account when the booking started on a saved one. */
  mandateAcceptance?: MandateAcceptance | null;
  /**
   * The bank account (`pm_…`) `mandateAcceptance` was given for: a mandate authorizes one account,
   * so an acceptance is never used for another. Absent in bookings from before this was recorded.
   */
  mandateAcceptanceFor?: string | null;
  microdeposits: MicrodepositState | null;
  /** The debit's target date (`YYYY-MM-DD`): as requested, or the earliest valid one when it was no longer valid. */
  targetDate?: string | null;
  /** The requested target date, when it was less than 3 days ahead by the time the debit was created. */
  targetDateMovedFrom?: string | null;
  /** The balance check of the current bank account, when the booking asked for one (absent before it existed). */
  balanceCheck?: BalanceCheckState | null;
  /** Stripe's code for the last failure (decline, verification, debit return). */
  failureCode: string | null;
  /** Bank payment reference of a successful debit. */
  paymentReference: string | null;
  processingSince: string | null;
  succeededAt: string | null;
  /** Deadline of the current wait (new payment method, processing alert, dispute window). */
  deadline: string | null;
  dispute: { id: string; status: string } | null;
  refund: { id: string; status: string; amount: number; reference: string | null } | null;
  /** What happened to a cancellation request Stripe may refuse (bank debits in processing). */
  cancellation: 'requested' | 'canceled' | 'refused' | 'refund_requested' | 'refund_refused' | null;
  /** Set once the booking service was told a debit is taking longer than expected. */
  processingOverdue: boolean;
  /**
   * Microdeposit submissions sent to Stripe for this booking, never reset: numbers each one's
   * idempotency key, so a key is never sent again with other values (absent before the first).
   */
  microdepositSubmissions?: number;
  reason: string | null;
  done: boolean;
}

/** What a workflow remembers of one Stripe write (one business operation): see workflows/common/stripe-write.ts. */
export interface StripeWriteRecord {
  /** The write attempt whose idempotency key is current: 1, then one more each time a read showed the last did not happen. */
  attempt: number;
  /** ISO instant the current key was first sent. */
  sentAt: string;
  /** True while the last send under the current key ended without Stripe's answer. */
  unknown: boolean;
}

/** A workflow's Stripe writes, by operation. */
export type StripeWriteLedger = Record<string, StripeWriteRecord>;

/** A step waiting to ask Stripe again after an outage (see workflows/common/step-guard.ts). */
export interface StepRetryState {
  /** Epoch milliseconds the step is tried again, or null. */
  retryAt: number | null;
  /** True when the next step must re-read Stripe because an earlier call was lost. */
  recheck: boolean;
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
  /** The bank payment; null for a hold-only booking. */
  payment: PaymentState | null;
  /** Stripe event ids already applied, newest last, bounded (see MAX_REMEMBERED_EVENT_IDS). */
  seenEventIds: string[];
  processedEventCount: number;
  /** Notifications delivered to the booking service. */
  notificationsSent: number;
  /** Notifications created so far; numbers each one so none is mistaken for another. */
  notificationsCreated: number;
  /** Stripe writes sent, their write attempts and whether their outcome is known (absent before the first). */
  stripeWrites?: StripeWriteLedger;
  /** Steps of the hold and the payment waiting to ask Stripe again, carried over by continue-as-new. */
  stepRetries?: { hold?: StepRetryState; payment?: StepRetryState };
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
      offSession: input.holdOffSession === true,
      releaseAt: null,
      authorizedAt: null,
      releasedAt: null,
      actionDeadline: null,
      declineCode: null,
      reason: null,
      done: false,
      // Only a booking started with a plan carries the plan's fields.
      ...(input.holdPlan && {
        plan: input.holdPlan,
        validUntil: null,
        nextAuthorizationAt: null,
        renewals: 0,
        authorizations: [],
        pendingRenewal: null,
        renewalPaymentMethod: null,
      }),
    },
    payment: input.payment
      ? {
          status: 'pending',
          amount: input.payment.amount,
          paymentIntentId: null,
          attempt: 1,
          paymentMethod: input.payment.paymentMethod,
          savedMandateId: input.payment.savedMandateId ?? null,
          mandateAcceptance: null,
          microdeposits: null,
          targetDate: input.payment.targetDate,
          targetDateMovedFrom: null,
          failureCode: null,
          paymentReference: null,
          processingSince: null,
          succeededAt: null,
          deadline: null,
          dispute: null,
          refund: null,
          cancellation: null,
          processingOverdue: false,
          reason: null,
          done: false,
        }
      : null,
    seenEventIds: [],
    processedEventCount: 0,
    notificationsSent: 0,
    notificationsCreated: 0,
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

/** Body of the new-payment-method update: for the hold (default) or the bank payment. */
export interface SupplyPaymentMethodRequest {
  paymentMethod: string;
  for?: 'hold' | 'payment';
  /** Set by the API when the payment method is one the customer saved (the hold goes off-session). */
  offSession?: boolean;
  /** Set by the API for a saved bank account: its mandate is reused. */
  savedMandateId?: string;
  /** The customer's acceptance for this bank account: required unless saved or already accepted for this account. */
  mandate?: MandateAcceptance;
}

/** Body of the microdeposit update: the descriptor code or the two amounts, in cents. */
export interface VerifyMicrodepositsRequest {
  descriptorCode?: string;
  amounts?: [number, number];
}

/** What a microdeposit verification attempt came to. */
export interface MicrodepositOutcome {
  result: 'verified' | 'mismatch' | 'attempts_exceeded' | 'expired';
  attemptsRemaining: number;
  booking: BookingState;
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
  'hold.renewed',
  'hold.renewal_failed',
  'hold.scheduled',
  'payment.awaiting_verification',
  'payment.requires_payment_method',
  'payment.verification_failed',
  'payment.processing',
  'payment.processing_overdue',
  'payment.target_date_moved',
  'payment.succeeded',
  'payment.failed',
  'payment.canceled',
  'payment.cancel_refused',
  'payment.disputed',
  'payment.dispute_closed',
  'payment.refund_requested',
  'payment.refunded',
  'payment_method.unusable',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** A notification for the booking service, as recorded and as POSTed to its callback. */
export interface BookingNotification {
  /** Stable id (`<bookingId>:<sequence>:<type>`): the same notification is recorded and delivered once. */
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
  /** Stripe answered a write with a 5xx: whether it happened is known only by reading Stripe. */
  StripeOutcomeUnknown: 'StripeOutcomeUnknown',
  InvalidUpdate: 'InvalidUpdate',
  NotAwaitingPaymentMethod: 'NotAwaitingPaymentMethod',
  NotAwaitingVerification: 'NotAwaitingVerification',
  InsufficientBalance: 'InsufficientBalance',
  MandateRequired: 'MandateRequired',
  /** The booking service's callback refused or could not be reached; retried. */
  NotificationUndelivered: 'NotificationUndelivered',
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

/** Update: the customer submits microdeposit values; answers with the outcome of Stripe's check. */
export const verifyMicrodepositsUpdate = defineUpdate<MicrodepositOutcome, [VerifyMicrodepositsRequest]>(
  'verifyMicrodeposits',
);
