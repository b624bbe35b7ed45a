/** The Stripe Customer object (components.schemas.customer). */
import { newObjectId, randomAlphanumeric } from '../ids.js';
import type { Metadata } from '../request-params.js';

/** A Customer as the API returns it. */
export interface CustomerObject {
  id: string;
  object: 'customer';
  address: null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  discount: null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: string | null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: 'none' | 'exempt' | 'reverse';
  test_clock: null;
}

/** The fields a caller may set when creating a Customer. */
export interface NewCustomer {
  email?: string;
  name?: string;
  phone?: string;
  description?: string;
  metadata?: Metadata;
  preferredLocales?: string[];
}

/** Builds a new Customer created at `created` (unix seconds). */
export function buildCustomer(input: NewCustomer, created: number): CustomerObject {
  return {
    id: newObjectId('cus'),
    object: 'customer',
    address: null,
    balance: 0,
    created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description ?? null,
    discount: null,
    email: input.email ?? null,
    invoice_prefix: randomAlphanumeric(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: input.metadata ?? {},
    name: input.name ?? null,
    next_invoice_sequence: 1,
    phone: input.phone ?? null,
    preferred_locales: input.preferredLocales ?? [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}
