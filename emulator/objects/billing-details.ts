/** Empty billing details, as Stripe returns them for test payment methods. */

/** Billing details on a PaymentMethod or Charge (components.schemas.billing_details). */
export interface BillingDetails {
  address: { city: null; country: null; line1: null; line2: null; postal_code: null; state: null };
  email: string | null;
  name: string | null;
  phone: string | null;
  tax_id: string | null;
}

/** Billing details with every field unset. */
export function emptyBillingDetails(): BillingDetails {
  return {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
    email: null,
    name: null,
    phone: null,
    tax_id: null,
  };
}
