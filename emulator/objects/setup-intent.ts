/** The Stripe SetupIntent object (components.schemas.setup_intent): saving a card or bank account for later. */
import { newClientSecret, newObjectId } from '../ids.js';
import type { Metadata } from '../request-params.js';
import type { StripeErrorBody } from '../stripe-errors.js';
import type { NextAction, UsBankAccountPaymentOptions } from './payment-intent.js';

/** Every status Stripe gives a SetupIntent; `succeeded` and `canceled` end it. */
export const SETUP_INTENT_STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'canceled',
  'succeeded',
] as const;
/** A SetupIntent's status. */
export type SetupIntentStatus = (typeof SETUP_INTENT_STATUSES)[number];

/** How the saved payment method will be used. */
export const SETUP_INTENT_USAGES = ['off_session', 'on_session'] as const;
/** A SetupIntent's usage. */
export type SetupIntentUsage = (typeof SETUP_INTENT_USAGES)[number];

/** Reasons a caller may give when cancelling a SetupIntent. */
export const SETUP_INTENT_CANCELLATION_REASONS = ['abandoned', 'duplicate', 'requested_by_customer'] as const;

/** The payment-method options a SetupIntent shows. */
export interface SetupIntentPaymentMethodOptions {
  card?: { mandate_options: null; network: null; request_three_d_secure: 'automatic' | 'any' | 'challenge' };
  us_bank_account?: Omit<UsBankAccountPaymentOptions, 'target_date'>;
}

/** A SetupIntent as the API returns it. */
export interface SetupIntentObject {
  id: string;
  object: 'setup_intent';
  application: null;
  automatic_payment_methods: null;
  cancellation_reason: (typeof SETUP_INTENT_CANCELLATION_REASONS)[number] | null;
  client_secret: string;
  created: number;
  customer: string | null;
  description: string | null;
  flow_directions: null;
  last_setup_error: StripeErrorBody | null;
  latest_attempt: null;
  livemode: false;
  /** The multi-use mandate of a bank account, once confirmed. */
  mandate: string | null;
  metadata: Metadata;
  next_action: NextAction | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: SetupIntentPaymentMethodOptions;
  payment_method_types: string[];
  single_use_mandate: null;
  status: SetupIntentStatus;
  usage: SetupIntentUsage;
}

/** The fields a caller sets when creating a SetupIntent. */
export interface NewSetupIntent {
  customer: string | null;
  description: string | null;
  metadata: Metadata;
  paymentMethodTypes: string[];
  usBankAccountOptions?: SetupIntentPaymentMethodOptions['us_bank_account'];
  usage: SetupIntentUsage;
}

/** Builds a SetupIntent without a payment method (status `requires_payment_method`). */
export function buildSetupIntent(input: NewSetupIntent, created: number): SetupIntentObject {
  const id = newObjectId('seti');
  return {
    id,
    object: 'setup_intent',
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: newClientSecret(id),
    created,
    customer: input.customer,
    description: input.description,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      ...(input.paymentMethodTypes.includes('card')
        ? { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' as const } }
        : {}),
      ...(input.usBankAccountOptions ? { us_bank_account: input.usBankAccountOptions } : {}),
    },
    payment_method_types: input.paymentMethodTypes,
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: input.usage,
  };
}
