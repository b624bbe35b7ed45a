/**
 * The bank (ACH) payment's Stripe writes: create its PaymentIntent, confirm it under the mandate,
 * verify microdeposits, cancel it, and find one whose create answer was lost.
 */
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import type { MandateAcceptance, VerificationMethod } from '../../workflows/booking/contract.js';
import {
  isUnexpectedStateError,
  microdepositErrorOutcome,
  rethrowClassified,
} from '../common/classify-stripe-error.js';
import {
  bankPaymentKey,
  cancelPaymentKey,
  confirmBankPaymentKey,
  microdepositSubmissionKey,
  placeBankPaymentKey,
  verifyMicrodepositsKey,
  writeAttemptKey,
} from '../common/idempotency-keys.js';
import { findPaymentIntent } from '../common/payment-intent-reads.js';
import { toPaymentIntentSnapshot, type PaymentIntentSnapshot } from '../common/payment-intent-snapshot.js';
import { classifyWriteError, rethrowWriteError, type WriteAttempt } from '../common/write-attempt.js';

/** Input of createBankPayment. */
export interface CreateBankPaymentInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  amount: number;
  stripeCustomerId: string;
  paymentMethod: string;
  verification: VerificationMethod;
  targetDate: string | null;
}

/** Input of placeBankPayment: the debit created and submitted under its mandate in one request. */
export interface PlaceBankPaymentInput extends CreateBankPaymentInput {
  /** The acceptance collected for this payment, or the mandate of a saved bank account. */
  mandate: MandateAcceptance | { mandateId: string };
}

/** Input of confirmBankPayment. */
export interface ConfirmBankPaymentInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  paymentIntentId: string;
  paymentMethod: string;
  /** The acceptance collected for this payment, or the mandate of a saved bank account. */
  mandate: MandateAcceptance | { mandateId: string };
}

/** Input of verifyMicrodeposits: one attempt, numbered by the workflow. */
export interface VerifyMicrodepositsInput extends WriteAttempt {
  bookingId: string;
  paymentIntentId: string;
  /** The bank account attempt (moves when the customer supplies another account). */
  paymentAttempt: number;
  attemptNumber: number;
  /** The booking's count of microdeposit submissions, never reset: keys the request when given. */
  submission?: number;
  descriptorCode?: string;
  amounts?: [number, number];
}

/** What Stripe said of one microdeposit attempt. */
export interface MicrodepositCheck {
  result: 'verified' | 'mismatch' | 'attempts_exceeded' | 'expired';
  /** The PaymentIntent after the attempt (null after a plain mismatch). */
  snapshot: PaymentIntentSnapshot | null;
}

/** Builds the bank payment activities over the payment gateway. */
export function createBankPaymentActivities({ gateway }: { gateway: PaymentGateway }) {
  return {
    /** Creates the bank payment's PaymentIntent for one attempt, unconfirmed (nothing is debited yet). */
    async createBankPayment(input: CreateBankPaymentInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .createBankPaymentIntent({
          ...input,
          idempotencyKey: writeAttemptKey(bankPaymentKey(input.bookingId, input.attempt), input.writeAttempt),
        })
        .catch(rethrowWriteError(input));
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /**
     * Creates the bank payment's PaymentIntent and confirms it under the customer's mandate in one
     * request: microdeposits, processing, or Stripe's refusal (which names the PaymentIntent it left).
     */
    async placeBankPayment(input: PlaceBankPaymentInput): Promise<PaymentIntentSnapshot> {
      const { writeAttempt, ...debit } = input;
      const paymentIntent = await gateway
        .placeBankPaymentIntent({
          ...debit,
          idempotencyKey: writeAttemptKey(placeBankPaymentKey(input.bookingId, input.attempt), writeAttempt),
        })
        .catch(rethrowWriteError(input));
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Confirms the bank payment under the customer's mandate: microdeposits, processing or a failure. */
    async confirmBankPayment(input: ConfirmBankPaymentInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .confirmBankPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          paymentMethod: input.paymentMethod,
          mandate: input.mandate,
          idempotencyKey: writeAttemptKey(confirmBankPaymentKey(input.bookingId, input.attempt), input.writeAttempt),
        })
        .catch(rethrowWriteError(input));
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Submits one microdeposit attempt; a mismatch, exhausted attempts or expiry is an answer, not an error. */
    async verifyMicrodeposits(input: VerifyMicrodepositsInput): Promise<MicrodepositCheck> {
      try {
        const paymentIntent = await gateway.verifyMicrodeposits({
          paymentIntentId: input.paymentIntentId,
          amounts: input.amounts,
          descriptorCode: input.descriptorCode,
          idempotencyKey: writeAttemptKey(
            input.submission !== undefined
              ? microdepositSubmissionKey(input.bookingId, input.paymentIntentId, input.submission)
              : verifyMicrodepositsKey(
                  input.bookingId,
                  input.paymentIntentId,
                  input.paymentAttempt,
                  input.attemptNumber,
                ),
            input.writeAttempt,
          ),
        });
        return { result: 'verified', snapshot: toPaymentIntentSnapshot(paymentIntent) };
      } catch (error) {
        const outcome = microdepositErrorOutcome(error);
        if (!outcome) throw classifyWriteError(error, input);
        if (outcome === 'mismatch') return { result: outcome, snapshot: null };
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(rethrowClassified);
        return { result: outcome, snapshot: toPaymentIntentSnapshot(current) };
      }
    },

    /** Cancels the bank payment's PaymentIntent; when Stripe refuses, returns its actual state. */
    async cancelBankPayment(
      input: { bookingId: string; paymentIntentId: string } & WriteAttempt,
    ): Promise<PaymentIntentSnapshot> {
      try {
        const paymentIntent = await gateway.cancelPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          reason: 'requested_by_customer',
          idempotencyKey: writeAttemptKey(cancelPaymentKey(input.bookingId, input.paymentIntentId), input.writeAttempt),
        });
        return toPaymentIntentSnapshot(paymentIntent);
      } catch (error) {
        if (!isUnexpectedStateError(error)) throw classifyWriteError(error, input);
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(rethrowClassified);
        return toPaymentIntentSnapshot(current);
      }
    },

    /** The bank payment's PaymentIntent of one attempt, if Stripe has it. */
    async findBankPayment(input: {
      bookingId: string;
      attempt: number;
      stripeCustomerId: string;
    }): Promise<PaymentIntentSnapshot | null> {
      return findPaymentIntent(gateway, input.stripeCustomerId, {
        booking_id: input.bookingId,
        payment_attempt: String(input.attempt),
      });
    },
  };
}
