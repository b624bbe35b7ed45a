/** The Stripe Dispute object (components.schemas.dispute), raised on a settled bank debit. */
import { newObjectId } from '../ids.js';

const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;

/** Statuses a dispute can be closed with. */
export const DISPUTE_CLOSING_STATUSES = ['won', 'lost'] as const;

/** A Dispute as the API returns it. */
export interface DisputeObject {
  id: string;
  object: 'dispute';
  amount: number;
  balance_transactions: never[];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: never[];
  evidence: Record<(typeof EVIDENCE_FIELDS)[number], null> & { enhanced_evidence: Record<string, never> };
  evidence_details: {
    due_by: number | null;
    enhanced_eligibility: Record<string, never>;
    has_evidence: false;
    past_due: false;
    submission_count: 0;
  };
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: 'debit_not_authorized';
  status: 'needs_response' | (typeof DISPUTE_CLOSING_STATUSES)[number];
}

/** Builds the dispute a customer opens on a debit through their bank. */
export function buildDispute(input: {
  chargeId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  created: number;
}): DisputeObject {
  const evidence = Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, null])) as Record<
    (typeof EVIDENCE_FIELDS)[number],
    null
  >;
  return {
    id: newObjectId('du'),
    object: 'dispute',
    amount: input.amount,
    balance_transactions: [],
    charge: input.chargeId,
    created: input.created,
    currency: input.currency,
    enhanced_eligibility_types: [],
    evidence: { ...evidence, enhanced_evidence: {} },
    evidence_details: {
      due_by: null,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: input.paymentIntentId,
    reason: 'debit_not_authorized',
    status: 'needs_response',
  };
}
