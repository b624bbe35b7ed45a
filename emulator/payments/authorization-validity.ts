/**
 * How long a card authorization can be captured, by card brand and by who initiated it, and when a
 * network grants an extended authorization.
 *
 * Validity windows: docs.stripe.com/payments/place-a-hold-on-a-payment-method ("Authorization validity
 * windows"): online card authorizations stay valid 7 days, except Visa merchant-initiated ones
 * (off-session), valid 4 days and 18 hours; the charge's `payment_method_details.card.capture_before`
 * states the deadline. Extended authorizations: docs.stripe.com/payments/extended-authorization
 * (`payment_method_options.card.request_extended_authorization: if_available`, up to 30 days where the
 * network allows it for the merchant's category: Mastercard all categories; Visa lodging, vehicle
 * rental and cruise lines; American Express lodging and vehicle rental; Discover travel), reported as
 * `payment_method_details.card.extended_authorization.status`.
 */

const HOUR = 3600;
const DAY = 24 * HOUR;

/** How long a customer-initiated card authorization can be captured: 7 days. */
export const CARD_AUTHORIZATION_VALIDITY_SECONDS = 7 * DAY;
/** How long a Visa merchant-initiated (off-session) authorization can be captured: 4 days 18 hours. */
export const VISA_MERCHANT_INITIATED_VALIDITY_SECONDS = 4 * DAY + 18 * HOUR;
/** The longest an extended authorization can be captured: 30 days. */
export const EXTENDED_AUTHORIZATION_VALIDITY_SECONDS = 30 * DAY;

/** The merchant categories that decide whether a network extends an authorization. */
export const MERCHANT_CATEGORIES = ['general', 'lodging', 'vehicle_rental', 'cruise', 'travel'] as const;
/** The emulated account's merchant category (its MCC group). */
export type MerchantCategory = (typeof MERCHANT_CATEGORIES)[number];

/** Who started the payment: the customer on-session, or the merchant off-session. */
export type PaymentInitiator = 'customer' | 'merchant';

const EXTENDED_AUTHORIZATION_CATEGORIES: Readonly<Record<string, readonly MerchantCategory[]>> = {
  mastercard: MERCHANT_CATEGORIES,
  visa: ['lodging', 'vehicle_rental', 'cruise'],
  amex: ['lodging', 'vehicle_rental'],
  discover: ['lodging', 'vehicle_rental', 'cruise', 'travel'],
};

/** Whether the card's network grants an extended authorization to a merchant of `category`. */
export function extendedAuthorizationGranted(brand: string, category: MerchantCategory): boolean {
  return EXTENDED_AUTHORIZATION_CATEGORIES[brand]?.includes(category) ?? false;
}

/** Seconds an authorization on a `brand` card stays capturable, from its initiator and extension. */
export function authorizationValiditySeconds(brand: string, initiator: PaymentInitiator, extended: boolean): number {
  if (extended) return EXTENDED_AUTHORIZATION_VALIDITY_SECONDS;
  if (brand === 'visa' && initiator === 'merchant') return VISA_MERCHANT_INITIATED_VALIDITY_SECONDS;
  return CARD_AUTHORIZATION_VALIDITY_SECONDS;
}
