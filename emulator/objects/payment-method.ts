/** The Stripe PaymentMethod object (components.schemas.payment_method): cards and US bank accounts. */
import { createHash } from 'node:crypto';
import { newObjectId } from '../ids.js';
import type { TestCard } from '../test-payment-methods.js';
import { TEST_BANK_NAME } from '../test-bank-accounts.js';
import { emptyBillingDetails, type BillingDetails } from './billing-details.js';

/** The `card` hash of a card PaymentMethod. */
export interface PaymentMethodCard {
  brand: string;
  checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: 'pass' | 'unchecked' };
  country: string;
  display_brand: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  funding: string;
  generated_from: null;
  last4: string;
  networks: { available: string[]; preferred: null };
  regulated_status: 'unregulated';
  three_d_secure_usage: { supported: boolean };
  wallet: null;
}

/** The `us_bank_account` hash of a bank account PaymentMethod (never the full account number). */
export interface PaymentMethodUsBankAccount {
  account_holder_type: 'individual' | 'company';
  account_type: 'checking' | 'savings';
  bank_name: string;
  financial_connections_account: string | null;
  fingerprint: string;
  last4: string;
  networks: { preferred: 'ach'; supported: ['ach'] };
  routing_number: string;
  status_details: Record<string, never>;
}

/** A PaymentMethod as the API returns it. */
export interface PaymentMethodObject {
  id: string;
  object: 'payment_method';
  allow_redisplay: 'unspecified';
  billing_details: BillingDetails;
  card?: PaymentMethodCard;
  created: number;
  customer: string | null;
  livemode: false;
  metadata: Record<string, string>;
  type: 'card' | 'us_bank_account';
  us_bank_account?: PaymentMethodUsBankAccount;
}

/** Test cards expire at the end of the year after their creation, like Stripe's fixtures. */
function expiryYear(created: number): number {
  return new Date(created * 1000).getUTCFullYear() + 3;
}

/** Builds a new card PaymentMethod from a test card, as Stripe does for each use of a `pm_card_…` alias. */
export function buildCardPaymentMethod(card: TestCard, created: number): PaymentMethodObject {
  return {
    id: newObjectId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: emptyBillingDetails(),
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: card.country,
      display_brand: card.brand === 'amex' ? 'american_express' : card.brand,
      exp_month: 12,
      exp_year: expiryYear(created),
      fingerprint: createHash('sha256').update(`${card.brand}:${card.last4}`).digest('hex').slice(0, 16),
      funding: card.funding,
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created,
    customer: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}

/** The bank details a caller gives for a new bank account PaymentMethod. */
export interface NewUsBankAccount {
  accountNumber: string;
  routingNumber: string;
  accountHolderType: 'individual' | 'company';
  accountType: 'checking' | 'savings';
  financialConnectionsAccount: string | null;
  billingDetails: BillingDetails;
}

/** Builds a bank account PaymentMethod; the account number only survives as `last4` and `fingerprint`. */
export function buildUsBankAccountPaymentMethod(input: NewUsBankAccount, created: number): PaymentMethodObject {
  return {
    id: newObjectId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: input.billingDetails,
    created,
    customer: null,
    livemode: false,
    metadata: {},
    type: 'us_bank_account',
    us_bank_account: {
      account_holder_type: input.accountHolderType,
      account_type: input.accountType,
      bank_name: TEST_BANK_NAME,
      financial_connections_account: input.financialConnectionsAccount,
      fingerprint: createHash('sha256')
        .update(`${input.routingNumber}:${input.accountNumber}`)
        .digest('base64url')
        .slice(0, 16),
      last4: input.accountNumber.slice(-4),
      networks: { preferred: 'ach', supported: ['ach'] },
      routing_number: input.routingNumber,
      status_details: {},
    },
  };
}
