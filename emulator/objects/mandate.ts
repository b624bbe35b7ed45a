/** The Stripe Mandate object (components.schemas.mandate): the customer's authorization to debit. */
import { newObjectId } from '../ids.js';

/** How the customer accepted the mandate (components.schemas.customer_acceptance). */
export interface CustomerAcceptance {
  accepted_at: number | null;
  type: 'online' | 'offline';
  online?: { ip_address: string | null; user_agent: string | null };
  offline?: Record<string, never>;
}

/** A Mandate as the API returns it. */
export interface MandateObject {
  id: string;
  object: 'mandate';
  customer_acceptance: CustomerAcceptance;
  livemode: false;
  multi_use?: Record<string, never>;
  payment_method: string;
  payment_method_details: { type: 'us_bank_account'; us_bank_account: Record<string, never> };
  single_use?: { amount: number; currency: string };
  status: 'active' | 'inactive' | 'pending';
  type: 'multi_use' | 'single_use';
}

/** Builds a bank account mandate: multi-use when the payment method is saved for later, else single-use. */
export function buildMandate(input: {
  paymentMethodId: string;
  acceptance: CustomerAcceptance;
  reusable: boolean;
  amount: number;
  currency: string;
  status: MandateObject['status'];
}): MandateObject {
  return {
    id: newObjectId('mandate'),
    object: 'mandate',
    customer_acceptance: input.acceptance,
    livemode: false,
    ...(input.reusable ? { multi_use: {} } : { single_use: { amount: input.amount, currency: input.currency } }),
    payment_method: input.paymentMethodId,
    payment_method_details: { type: 'us_bank_account', us_bank_account: {} },
    status: input.status,
    type: input.reusable ? 'multi_use' : 'single_use',
  };
}
