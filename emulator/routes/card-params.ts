/** Reads the card parameters of PaymentIntent requests. */
import { EXTENDED_AUTHORIZATION_REQUESTS, type CardPaymentOptions } from '../objects/payment-intent.js';
import type { RequestParams } from '../request-params.js';
import { parameterInvalid } from '../stripe-errors.js';
import { hashAt, stringAt } from './bank-debit-params.js';

/**
 * `payment_method_options[card][request_extended_authorization]` (`if_available` or `never`), or
 * undefined when not sent (docs.stripe.com/api/payment_intents/create#create_payment_intent-payment_method_options-card-request_extended_authorization).
 */
export function readExtendedAuthorizationRequest(
  params: RequestParams,
): CardPaymentOptions['request_extended_authorization'] {
  const path = 'payment_method_options[card][request_extended_authorization]';
  const options = hashAt(params.raw('payment_method_options'), 'payment_method_options');
  const card = hashAt(options?.card, 'payment_method_options[card]');
  const value = stringAt(card, 'request_extended_authorization', path);
  if (value === undefined) return undefined;
  if (!(EXTENDED_AUTHORIZATION_REQUESTS as readonly string[]).includes(value)) {
    throw parameterInvalid(path, `Invalid ${path}: must be one of ${EXTENDED_AUTHORIZATION_REQUESTS.join(', ')}`);
  }
  return value as CardPaymentOptions['request_extended_authorization'];
}
