/** Billing details as Stripe returns them for test payment methods: empty, or a name and email. */

/** Billing details on a PaymentMethod or Charge (components.schemas.billing_details). */
export interface BillingDetails {
  address: { city: null; country: null; line1: null; line2: null; postal_code: null; state: null };
  email: string | null;
  name: string | null;
  phone: string | null;
  tax_id: string | null;
}

/** Billing details with every field unset except, when given, the name and email. */
export function emptyBillingDetails(contact: { name?: string; email?: string } = {}): BillingDetails {
  return {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
    email: contact.email ?? null,
    name: contact.name ?? null,
    phone: null,
    tax_id: null,
  };
}
