/**
 * The $1 card hold's Stripe writes: place it in one request (customer ensured, PaymentIntent created
 * and confirmed), or create and confirm it in two (older histories, and a later confirmation of the
 * same PaymentIntent), release it, and find one whose answer was lost.
 */
import { ApplicationFailure } from '@temporalio/common';
import type Stripe from 'stripe';
import { findStripeCustomerId } from '../../db/stripe-customers.js';
import type { BookingCustomer } from '../../workflows/booking/contract.js';
import type { ActivityDeps } from '../common/activity-deps.js';
import { isUnexpectedStateError, rethrowClassified } from '../common/classify-stripe-error.js';
import { confirmHoldKey, holdKey, placeHoldKey, releaseKey, writeAttemptKey } from '../common/idempotency-keys.js';
import { findPaymentIntent } from '../common/payment-intent-reads.js';
import { ensureCustomer } from '../common/stripe-customer-activities.js';
import { toPaymentIntentSnapshot, type PaymentIntentSnapshot } from '../common/payment-intent-snapshot.js';
import { classifyWriteError, rethrowWriteError, type WriteAttempt } from '../common/write-attempt.js';

/** Input of createHold. */
export interface CreateHoldInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  paymentMethod: string;
  stripeCustomerId: string;
  /** A later authorization of the attempt (1, 2, …); absent for its first. */
  renewal?: number;
  /** Save the card for later off-session authorizations. */
  setupFutureUsage?: boolean;
  /** Ask Stripe for an extended authorization. */
  extendedAuthorization?: boolean;
}

/**
 * Input of placeHold: the hold of one attempt (or a renewal), created and confirmed in one request.
 * The Stripe Customer is ensured first unless the workflow already knows it.
 */
export interface PlaceHoldInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  paymentMethod: string;
  customer: BookingCustomer;
  /** The Stripe Customer the workflow already knows; ensured from `customer` when absent. */
  stripeCustomerId?: string;
  /** True for a saved card used while the customer is away. */
  offSession?: boolean;
  /** A later authorization of the attempt (1, 2, …); absent for its first. */
  renewal?: number;
  /** Save the card for later off-session authorizations. */
  setupFutureUsage?: boolean;
  /** Ask Stripe for an extended authorization. */
  extendedAuthorization?: boolean;
}

/** A hold placed in one request: its customer's Stripe Customer and Stripe's word on its PaymentIntent. */
export interface PlacedHold {
  stripeCustomerId: string;
  paymentIntent: PaymentIntentSnapshot;
}

/** Input of confirmHold. */
export interface ConfirmHoldInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  paymentIntentId: string;
  paymentMethod: string;
  /** True for a saved card used while the customer is away. */
  offSession?: boolean;
  /** A later authorization of the attempt (1, 2, …); absent for its first. */
  renewal?: number;
  /** The on-session confirmation after an off-session `authentication_required`. */
  bringBackCustomer?: boolean;
}

/** Input of releaseHold: which PaymentIntent, and Stripe's cancellation reason to record. */
export interface ReleaseHoldInput extends WriteAttempt {
  bookingId: string;
  paymentIntentId: string;
  reason: Stripe.PaymentIntentCancelParams.CancellationReason;
}

/** Builds the hold activities over the payment gateway (and the recorded Stripe Customers). */
export function createHoldActivities({ gateway, db }: Pick<ActivityDeps, 'gateway' | 'db'>) {
  return {
    /**
     * Places the hold in one Stripe request: the PaymentIntent is created and confirmed at once
     * (`confirm: true`), after ensuring the customer's Stripe Customer. Stripe's answer, a decline
     * (402, carrying the PaymentIntent) included, is saved under the key and replayed to a retry
     * (docs.stripe.com/api/idempotent_requests). A failure Stripe gave names the Stripe Customer in
     * its details, so the workflow knows it even when nothing was held.
     */
    async placeHold(input: PlaceHoldInput): Promise<PlacedHold> {
      const { customer, writeAttempt, ...hold } = input;
      const stripeCustomerId =
        hold.stripeCustomerId ?? (await ensureCustomer({ gateway, db }, customer, { writeAttempt }));
      const paymentIntent = await gateway
        .placeHoldPaymentIntent({
          ...hold,
          stripeCustomerId,
          idempotencyKey: writeAttemptKey(placeHoldKey(hold.bookingId, hold.attempt, hold.renewal), writeAttempt),
        })
        .catch((error: unknown) => {
          throw naming(classifyWriteError(error, input), { stripeCustomerId });
        });
      return { stripeCustomerId, paymentIntent: toPaymentIntentSnapshot(paymentIntent) };
    },

    /**
     * The hold placeHold made for one attempt (or renewal), if Stripe has it, with the customer's
     * recorded Stripe Customer: how a workflow learns what a placement whose answer it lost did. A
     * customer with no recorded Stripe Customer had no PaymentIntent created for it.
     */
    async findPlacedHold(input: {
      bookingId: string;
      attempt: number;
      customer: BookingCustomer;
      stripeCustomerId?: string;
      renewal?: number;
    }): Promise<PlacedHold | null> {
      const stripeCustomerId = input.stripeCustomerId ?? (await findStripeCustomerId(db, input.customer.id));
      if (!stripeCustomerId) return null;
      const paymentIntent = await findPaymentIntent(gateway, stripeCustomerId, holdMetadata(input));
      return paymentIntent && { stripeCustomerId, paymentIntent };
    },

    /**
     * Creates the hold's PaymentIntent for one attempt, unconfirmed: nothing is held yet, but the
     * workflow learns its id before any money moves, so it can always cancel what it started.
     */
    async createHold(input: CreateHoldInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .createHoldPaymentIntent({
          ...input,
          idempotencyKey: writeAttemptKey(holdKey(input.bookingId, input.attempt, input.renewal), input.writeAttempt),
        })
        .catch(rethrowWriteError(input));
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Confirms the hold: the issuer authorizes $1 or declines (a failure of type CardDeclined). */
    async confirmHold(input: ConfirmHoldInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .confirmHoldPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          paymentMethod: input.paymentMethod,
          offSession: input.offSession,
          idempotencyKey: writeAttemptKey(
            confirmHoldKey(input.bookingId, input.attempt, input.renewal, input.bringBackCustomer),
            input.writeAttempt,
          ),
        })
        .catch(rethrowWriteError(input));
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /**
     * Cancels the hold's PaymentIntent, releasing the authorization. When Stripe says it can no
     * longer be cancelled (already cancelled, expired or captured), returns its actual state.
     */
    async releaseHold(input: ReleaseHoldInput): Promise<PaymentIntentSnapshot> {
      try {
        const paymentIntent = await gateway.cancelPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          reason: input.reason,
          idempotencyKey: writeAttemptKey(releaseKey(input.bookingId, input.paymentIntentId), input.writeAttempt),
        });
        return toPaymentIntentSnapshot(paymentIntent);
      } catch (error) {
        if (!isUnexpectedStateError(error)) throw classifyWriteError(error, input);
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(rethrowClassified);
        return toPaymentIntentSnapshot(current);
      }
    },

    /**
     * The hold's PaymentIntent of one attempt, if Stripe has it (found by the metadata it was
     * created with): how a workflow learns whether a create whose answer it lost happened.
     */
    async findHold(input: {
      bookingId: string;
      attempt: number;
      stripeCustomerId: string;
      renewal?: number;
    }): Promise<PaymentIntentSnapshot | null> {
      return findPaymentIntent(gateway, input.stripeCustomerId, holdMetadata(input));
    },
  };
}

/** The metadata a hold's PaymentIntent of one attempt (and renewal) is created with. */
function holdMetadata(input: { bookingId: string; attempt: number; renewal?: number }): Record<string, string> {
  return {
    booking_id: input.bookingId,
    hold_attempt: String(input.attempt),
    ...(input.renewal && { hold_renewal: String(input.renewal) }),
  };
}

/** A non-retryable failure (Stripe's own answer) with `fields` added to its details; any other error as it is. */
function naming(error: unknown, fields: Record<string, string>): unknown {
  if (!(error instanceof ApplicationFailure) || !error.nonRetryable) return error;
  const [details, ...rest] = error.details ?? [];
  return ApplicationFailure.create({
    message: error.message,
    type: error.type ?? undefined,
    nonRetryable: true,
    details: [{ ...(details as object | undefined), ...fields }, ...rest],
    cause: error.cause,
  });
}
