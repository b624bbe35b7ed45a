/** The Stripe Charge object (components.schemas.charge) for card authorizations and bank debits. */
import { newObjectId } from '../ids.js';
import type { Metadata } from '../request-params.js';
import type { BillingDetails } from './billing-details.js';
import type { PaymentIntentObject } from './payment-intent.js';
import type { PaymentMethodObject } from './payment-method.js';

/** Why the network approved or declined the charge (components.schemas.charge_outcome). */
export interface ChargeOutcome {
  advice_code: string | null;
  network_advice_code: null;
  network_decline_code: null;
  network_status: 'approved_by_network' | 'declined_by_network' | 'not_sent_to_network';
  reason: string | null;
  risk_level: 'normal' | 'highest';
  risk_score: number;
  seller_message: string;
  type: 'authorized' | 'issuer_declined' | 'blocked';
}

/** The card part of `payment_method_details`. */
export interface ChargeCardDetails {
  amount_authorized: number | null;
  authorization_code: string | null;
  brand: string;
  capture_before?: number;
  checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: 'pass' | 'fail' };
  country: string;
  exp_month: number;
  exp_year: number;
  extended_authorization: { status: 'disabled' | 'enabled' };
  fingerprint: string;
  funding: string;
  incremental_authorization: { status: 'unavailable' };
  installments: null;
  last4: string;
  mandate: null;
  multicapture: { status: 'unavailable' };
  network: string;
  network_token: { used: boolean };
  network_transaction_id: string | null;
  overcapture: { maximum_amount_capturable: number; status: 'unavailable' };
  regulated_status: 'unregulated';
  three_d_secure: {
    authentication_flow: 'challenge';
    result: 'authenticated';
    result_reason: null;
    version: '2.2.0';
  } | null;
  wallet: null;
}

/** The bank account part of `payment_method_details`; `payment_reference` once the debit settles. */
export interface ChargeUsBankAccountDetails {
  account_holder_type: 'individual' | 'company';
  account_type: 'checking' | 'savings';
  bank_name: string;
  fingerprint: string;
  last4: string;
  mandate: string | null;
  payment_reference: string | null;
  routing_number: string;
}

/** How the charge was paid: a card or a US bank account. */
export type ChargePaymentMethodDetails =
  | { card: ChargeCardDetails; type: 'card'; us_bank_account?: undefined }
  | { card?: undefined; type: 'us_bank_account'; us_bank_account: ChargeUsBankAccountDetails };

/** A Charge as the API returns it. */
export interface ChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: BillingDetails;
  calculated_statement_descriptor: string;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, string>;
  livemode: false;
  metadata: Metadata;
  on_behalf_of: null;
  outcome: ChargeOutcome;
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: ChargePaymentMethodDetails;
  radar_options: Record<string, never>;
  receipt_email: string | null;
  receipt_number: null;
  receipt_url: string;
  refunded: boolean;
  review: null;
  shipping: null;
  source_transfer: null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: 'succeeded' | 'failed' | 'pending';
  transfer_data: null;
  transfer_group: null;
}

/** What the card network answered for this charge. */
export type ChargeResult =
  | {
      kind: 'authorized';
      captureBefore: number | undefined;
      /** Whether the network extended the authorization beyond its standard window. */
      extendedAuthorization: boolean;
      captured: boolean;
      authenticated: boolean;
    }
  | { kind: 'declined'; code: string; declineCode: string; message: string; adviceCode?: string };

/** The payment the charge belongs to. */
export interface ChargeSubject {
  paymentIntentId: string;
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Metadata;
  receiptEmail: string | null;
  statementDescriptor: string | null;
  statementDescriptorSuffix: string | null;
}

/** The charge subject of a PaymentIntent. */
export function chargeSubjectOf(paymentIntent: PaymentIntentObject): ChargeSubject {
  return {
    paymentIntentId: paymentIntent.id,
    amount: paymentIntent.amount,
    currency: paymentIntent.currency,
    customer: paymentIntent.customer,
    description: paymentIntent.description,
    metadata: paymentIntent.metadata,
    receiptEmail: paymentIntent.receipt_email,
    statementDescriptor: paymentIntent.statement_descriptor,
    statementDescriptorSuffix: paymentIntent.statement_descriptor_suffix,
  };
}

const SELLER_MESSAGES: Record<string, string> = {
  generic_decline: 'The bank did not return any further details with this decline.',
  insufficient_funds: 'The bank returned the decline code `insufficient_funds`.',
  fraudulent: 'The bank returned the decline code `fraudulent`.',
};

function outcomeOf(result: ChargeResult): ChargeOutcome {
  if (result.kind === 'authorized') {
    return {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 32,
      seller_message: 'Payment complete.',
      type: 'authorized',
    };
  }
  return {
    advice_code: result.adviceCode ?? null,
    network_advice_code: null,
    network_decline_code: null,
    network_status: 'declined_by_network',
    reason: result.declineCode,
    risk_level: 'normal',
    risk_score: 32,
    seller_message:
      SELLER_MESSAGES[result.declineCode] ?? `The bank returned the decline code \`${result.declineCode}\`.`,
    type: 'issuer_declined',
  };
}

/** Builds the charge of one card authorization attempt, copying the PaymentIntent's metadata. */
export function buildCardCharge(
  subject: ChargeSubject,
  paymentMethod: PaymentMethodObject,
  result: ChargeResult,
  created: number,
): ChargeObject {
  const card = paymentMethod.card;
  if (!card) throw new TypeError(`payment method ${paymentMethod.id} is not a card`);
  const authorized = result.kind === 'authorized';
  const captured = authorized && result.captured;
  const id = newObjectId('ch');
  return {
    id,
    object: 'charge',
    amount: subject.amount,
    amount_captured: captured ? subject.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: captured ? newObjectId('txn') : null,
    billing_details: paymentMethod.billing_details,
    calculated_statement_descriptor: 'EMULATOR',
    captured,
    created,
    currency: subject.currency,
    customer: subject.customer,
    description: subject.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: authorized ? null : result.code,
    failure_message: authorized ? null : result.message,
    fraud_details: {},
    livemode: false,
    metadata: { ...subject.metadata },
    on_behalf_of: null,
    outcome: outcomeOf(result),
    paid: authorized,
    payment_intent: subject.paymentIntentId,
    payment_method: paymentMethod.id,
    payment_method_details: {
      card: {
        amount_authorized: authorized ? subject.amount : null,
        authorization_code: authorized ? '123456' : null,
        brand: card.brand,
        ...(authorized && result.captureBefore !== undefined ? { capture_before: result.captureBefore } : {}),
        checks: {
          address_line1_check: null,
          address_postal_code_check: null,
          cvc_check: !authorized && result.code === 'incorrect_cvc' ? 'fail' : 'pass',
        },
        country: card.country,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        extended_authorization: { status: authorized && result.extendedAuthorization ? 'enabled' : 'disabled' },
        fingerprint: card.fingerprint,
        funding: card.funding,
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        last4: card.last4,
        mandate: null,
        multicapture: { status: 'unavailable' },
        network: card.brand,
        network_token: { used: false },
        network_transaction_id: authorized ? '1041029786787710' : null,
        overcapture: { maximum_amount_capturable: subject.amount, status: 'unavailable' },
        regulated_status: 'unregulated',
        three_d_secure:
          authorized && result.authenticated
            ? { authentication_flow: 'challenge', result: 'authenticated', result_reason: null, version: '2.2.0' }
            : null,
        wallet: null,
      },
      type: 'card',
    },
    radar_options: {},
    receipt_email: subject.receiptEmail,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/emulator/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: subject.statementDescriptor,
    statement_descriptor_suffix: subject.statementDescriptorSuffix,
    status: authorized ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
}

/** Builds the `pending` charge of a bank debit sent to the ACH network, or a `failed` one Radar blocked. */
export function buildBankDebitCharge(
  subject: ChargeSubject,
  paymentMethod: PaymentMethodObject,
  mandateId: string | null,
  created: number,
  blocked?: { code: string; message: string },
): ChargeObject {
  const bank = paymentMethod.us_bank_account;
  if (!bank) throw new TypeError(`payment method ${paymentMethod.id} is not a bank account`);
  const id = newObjectId('ch');
  return {
    id,
    object: 'charge',
    amount: subject.amount,
    amount_captured: blocked ? 0 : subject.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: paymentMethod.billing_details,
    calculated_statement_descriptor: 'EMULATOR',
    captured: !blocked,
    created,
    currency: subject.currency,
    customer: subject.customer,
    description: subject.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: blocked?.code ?? null,
    failure_message: blocked?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...subject.metadata },
    on_behalf_of: null,
    outcome: blocked
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'not_sent_to_network',
          reason: 'highest_risk_level',
          risk_level: 'highest',
          risk_score: 95,
          seller_message: 'Stripe blocked this payment as too risky.',
          type: 'blocked',
        }
      : {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          risk_score: 12,
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: false,
    payment_intent: subject.paymentIntentId,
    payment_method: paymentMethod.id,
    payment_method_details: {
      type: 'us_bank_account',
      us_bank_account: {
        account_holder_type: bank.account_holder_type,
        account_type: bank.account_type,
        bank_name: bank.bank_name,
        fingerprint: bank.fingerprint,
        last4: bank.last4,
        mandate: mandateId,
        payment_reference: null,
        routing_number: bank.routing_number,
      },
    },
    radar_options: {},
    receipt_email: subject.receiptEmail,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/emulator/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: subject.statementDescriptor,
    statement_descriptor_suffix: subject.statementDescriptorSuffix,
    status: blocked ? 'failed' : 'pending',
    transfer_data: null,
    transfer_group: null,
  };
}
