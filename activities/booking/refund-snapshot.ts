/** What the workflow follows of a refund: plain data for history. */
import type Stripe from 'stripe';

/** A refund reduced to what the workflow follows. */
export interface RefundSnapshot {
  refundId: string;
  status: string;
  amount: number;
  /** The bank's reference of the refund, once Stripe has it. */
  reference: string | null;
}

/** Reduces a Stripe Refund to a snapshot. */
export function toRefundSnapshot(refund: Stripe.Refund): RefundSnapshot {
  return {
    refundId: refund.id,
    status: refund.status ?? 'pending',
    amount: refund.amount,
    reference: refund.destination_details?.us_bank_transfer?.reference ?? null,
  };
}
