/** The check Stripe makes on a client secret presented with a publishable key (Stripe.js). */
import { timingSafeEqual } from 'node:crypto';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import { parameterInvalid, parameterMissing } from '../stripe-errors.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Refuses a missing client secret, or one that is not this PaymentIntent's, with the error Stripe
 * answers Stripe.js (400 `payment_intent_invalid_parameter` on `client_secret`); see
 * docs.stripe.com/api/payment_intents/retrieve (client_secret: "We require it if you use a publishable key").
 */
export function assertPaymentIntentClientSecret(
  paymentIntent: PaymentIntentObject,
  given: string | undefined,
  param = 'client_secret',
): void {
  if (given === undefined) throw parameterMissing(param);
  if (!sameSecret(given, paymentIntent.client_secret)) {
    throw parameterInvalid(
      param,
      'The client_secret provided does not match the client_secret associated with the PaymentIntent.',
      'payment_intent_invalid_parameter',
    );
  }
}
