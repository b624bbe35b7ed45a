/**
 * The $1 card hold's Stripe writes: create its PaymentIntent, confirm (authorize) it, release it,
 * and find one whose create answer was lost.
 */
import type Stripe from 'stripe';
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import { isUnexpectedStateError, rethrowClassified } from '../common/classify-stripe-error.js';
import { confirmHoldKey, holdKey, releaseKey, writeAttemptKey } from '../common/idempotency-keys.js';
import { findPaymentIntent } from '../common/payment-intent-reads.js';
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

/** Builds the hold activities over the payment gateway. */
export function createHoldActivities({ gateway }: { gateway: PaymentGateway }) {
  return {
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
      return findPaymentIntent(gateway, input.stripeCustomerId, {
        booking_id: input.bookingId,
        hold_attempt: String(input.attempt),
        ...(input.renewal && { hold_renewal: String(input.renewal) }),
      });
    },
  };
}
