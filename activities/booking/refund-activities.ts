/** Refunding a paid booking once, and following the refund until the bank has it. */
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import { rethrowClassified } from '../common/classify-stripe-error.js';
import { refundKey, writeAttemptKey } from '../common/idempotency-keys.js';
import { firstOf } from '../common/stripe-list.js';
import { rethrowWriteError, type WriteAttempt } from '../common/write-attempt.js';
import { toRefundSnapshot, type RefundSnapshot } from './refund-snapshot.js';

/** Builds the refund activities over the payment gateway. */
export function createRefundActivities({ gateway }: { gateway: PaymentGateway }) {
  return {
    /** Refunds a paid booking (once per PaymentIntent, whatever the retries). */
    async refundPayment(
      input: { bookingId: string; paymentIntentId: string; amount: number } & WriteAttempt,
    ): Promise<RefundSnapshot> {
      const refund = await gateway
        .createRefund({
          paymentIntentId: input.paymentIntentId,
          amount: input.amount,
          idempotencyKey: writeAttemptKey(refundKey(input.bookingId, input.paymentIntentId), input.writeAttempt),
        })
        .catch(rethrowWriteError(input));
      return toRefundSnapshot(refund);
    },

    /** Reads a refund's current state. */
    async readRefund(refundId: string): Promise<RefundSnapshot> {
      return toRefundSnapshot(await gateway.retrieveRefund(refundId).catch(rethrowClassified));
    },

    /** The refund of a PaymentIntent (a booking refunds a PaymentIntent once), newest first; null if none. */
    async findRefund(paymentIntentId: string): Promise<RefundSnapshot | null> {
      const refund = await firstOf(gateway.listRefunds({ paymentIntentId }), () => true);
      return refund && toRefundSnapshot(refund);
    },
  };
}
