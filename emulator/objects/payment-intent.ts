/** The Stripe PaymentIntent object (components.schemas.payment_intent). */
import { newClientSecret, newObjectId } from '../ids.js';
import type { Metadata } from '../request-params.js';
import type { StripeErrorBody } from '../stripe-errors.js';

/** Every status Stripe gives a PaymentIntent. */
export const PAYMENT_INTENT_STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
] as const;
/** A PaymentIntent's status. */
export type PaymentIntentStatus = (typeof PAYMENT_INTENT_STATUSES)[number];

/** How funds are captured. */
export const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;
/** A PaymentIntent's capture method. */
export type CaptureMethod = (typeof CAPTURE_METHODS)[number];

/** Reasons a caller may give when cancelling. */
export const CALLER_CANCELLATION_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const;
/** A cancellation reason, including Stripe's own `automatic` (expired authorization, the confirmation limit). */
export type CancellationReason = (typeof CALLER_CANCELLATION_REASONS)[number] | 'automatic';

/** The action the customer must take before the payment can proceed. */
export type NextAction =
  | { type: 'redirect_to_url'; redirect_to_url: { return_url: string; url: string } }
  | { type: 'use_stripe_sdk'; use_stripe_sdk: { type: 'three_d_secure_redirect'; stripe_js: string; source: string } }
  | {
      type: 'verify_with_microdeposits';
      verify_with_microdeposits: { arrival_date: number; hosted_verification_url: string; microdeposit_type: MicrodepositType };
    };

/** How the customer proves the bank account is theirs from the microdeposits. */
export type MicrodepositType = 'descriptor_code' | 'amounts';

/** How a bank account is verified before it is debited. */
export const BANK_VERIFICATION_METHODS = ['automatic', 'instant', 'microdeposits'] as const;

/** The card options Stripe shows on every card PaymentIntent. */
export interface CardPaymentOptions {
  installments: null;
  mandate_options: null;
  network: null;
  request_three_d_secure: 'automatic' | 'any' | 'challenge';
}

/** The bank account options of a PaymentIntent (`target_date` as YYYY-MM-DD). */
export interface UsBankAccountPaymentOptions {
  financial_connections: { permissions: string[]; prefetch: string[] };
  mandate_options: Record<string, never>;
  target_date?: string;
  verification_method: (typeof BANK_VERIFICATION_METHODS)[number];
}

/** A PaymentIntent as the API returns it. */
export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_details: { tip: Record<string, never> };
  amount_received: number;
  application: null;
  application_fee_amount: null;
  automatic_payment_methods: null;
  canceled_at: number | null;
  cancellation_reason: CancellationReason | null;
  capture_method: CaptureMethod;
  client_secret: string;
  confirmation_method: 'automatic' | 'manual';
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  excluded_payment_method_types: null;
  last_payment_error: StripeErrorBody | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  next_action: NextAction | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: { card?: CardPaymentOptions; us_bank_account?: UsBankAccountPaymentOptions };
  payment_method_types: string[];
  processing: null;
  receipt_email: string | null;
  review: null;
  setup_future_usage: 'off_session' | 'on_session' | null;
  shipping: null;
  source: null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
  transfer_data: null;
  transfer_group: string | null;
}

/** The fields a caller sets when creating a PaymentIntent. */
export interface NewPaymentIntent {
  amount: number;
  currency: string;
  captureMethod: CaptureMethod;
  confirmationMethod: 'automatic' | 'manual';
  customer: string | null;
  description: string | null;
  metadata: Metadata;
  paymentMethodTypes: string[];
  /** Bank options, for PaymentIntents that accept `us_bank_account`. */
  usBankAccountOptions?: UsBankAccountPaymentOptions;
  receiptEmail: string | null;
  setupFutureUsage: 'off_session' | 'on_session' | null;
  statementDescriptor: string | null;
  statementDescriptorSuffix: string | null;
  transferGroup: string | null;
}

/** Builds an unconfirmed PaymentIntent (status `requires_payment_method`). */
export function buildPaymentIntent(input: NewPaymentIntent, created: number): PaymentIntentObject {
  const id = newObjectId('pi');
  return {
    id,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: input.captureMethod,
    client_secret: newClientSecret(id),
    confirmation_method: input.confirmationMethod,
    created,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      ...(input.paymentMethodTypes.includes('card')
        ? { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } }
        : {}),
      ...(input.usBankAccountOptions ? { us_bank_account: input.usBankAccountOptions } : {}),
    },
    payment_method_types: input.paymentMethodTypes,
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: input.setupFutureUsage,
    shipping: null,
    source: null,
    statement_descriptor: input.statementDescriptor,
    statement_descriptor_suffix: input.statementDescriptorSuffix,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: input.transferGroup,
  };
}

/**
 * The fields Stripe answers to a publishable key (Stripe.js): docs.stripe.com/api/payment_intents/retrieve
 * ("only a subset of properties") and the attributes marked "retrievable with publishable key" on
 * docs.stripe.com/api/payment_intents/object. Metadata, customer, charges and options stay server-side.
 */
const PUBLISHABLE_FIELDS = [
  'id', 'object', 'amount', 'automatic_payment_methods', 'canceled_at', 'cancellation_reason', 'capture_method',
  'client_secret', 'confirmation_method', 'created', 'currency', 'description', 'last_payment_error', 'livemode',
  'next_action', 'payment_method', 'payment_method_types', 'processing', 'receipt_email', 'setup_future_usage',
  'shipping', 'status',
] as const satisfies ReadonlyArray<keyof PaymentIntentObject>;

/** A PaymentIntent as a publishable key sees it. */
export type PublishablePaymentIntent = Pick<PaymentIntentObject, (typeof PUBLISHABLE_FIELDS)[number]>;

/** The PaymentIntent reduced to what Stripe shows a publishable key. */
export function publishablePaymentIntent(paymentIntent: PaymentIntentObject): PublishablePaymentIntent {
  return Object.fromEntries(PUBLISHABLE_FIELDS.map((field) => [field, structuredClone(paymentIntent[field])])) as PublishablePaymentIntent;
}
