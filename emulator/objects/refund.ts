/** The Stripe Refund object (components.schemas.refund) for card and US bank account payments. */
import { newObjectId } from '../ids.js';
import type { Metadata } from '../request-params.js';

/** Reasons a caller may give for a refund. */
export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

/** Where the refunded money goes and how the customer's bank can find it. */
export type RefundDestinationDetails =
  | {
      type: 'card';
      card: {
        reference: string;
        reference_status: 'available' | 'pending';
        reference_type: 'acquirer_reference_number';
        type: 'refund';
      };
    }
  | {
      type: 'us_bank_transfer';
      us_bank_transfer: { reference: string | null; reference_status: 'available' | 'pending' };
    };

/** A Refund as the API returns it. */
export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  destination_details: RefundDestinationDetails;
  metadata: Metadata;
  payment_intent: string;
  reason: (typeof REFUND_REASONS)[number] | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  transfer_reversal: null;
}

/** Builds a refund: card refunds succeed at once, bank refunds start `pending` without a reference. */
export function buildRefund(input: {
  amount: number;
  chargeId: string;
  currency: string;
  paymentIntentId: string;
  reason: RefundObject['reason'];
  metadata: Metadata;
  bankAccount: boolean;
  created: number;
}): RefundObject {
  return {
    id: newObjectId('re'),
    object: 'refund',
    amount: input.amount,
    balance_transaction: newObjectId('txn'),
    charge: input.chargeId,
    created: input.created,
    currency: input.currency,
    destination_details: input.bankAccount
      ? { type: 'us_bank_transfer', us_bank_transfer: { reference: null, reference_status: 'pending' } }
      : {
          type: 'card',
          card: {
            reference: randomDigits(23),
            reference_status: 'available',
            reference_type: 'acquirer_reference_number',
            type: 'refund',
          },
        },
    metadata: input.metadata,
    payment_intent: input.paymentIntentId,
    reason: input.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: input.bankAccount ? 'pending' : 'succeeded',
    transfer_reversal: null,
  };
}

/** A bank reference number like Stripe's `091000015001111`: the test routing prefix, then digits. */
export function bankReference(): string {
  return `0910000${randomDigits(8)}`;
}

function randomDigits(length: number): string {
  let digits = '';
  for (let index = 0; index < length; index += 1) digits += Math.floor(Math.random() * 10).toString();
  return digits;
}
