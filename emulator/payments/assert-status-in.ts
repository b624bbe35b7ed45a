/** The status check Stripe makes before cancelling or confirming a PaymentIntent. */
import type { PaymentIntentObject, PaymentIntentStatus } from '../objects/payment-intent.js';
import { paymentIntentUnexpectedState } from '../stripe-errors.js';

/** What a caller asked to do to a PaymentIntent, and how Stripe's message names it done. */
const PAST_PARTICIPLES = { cancel: 'canceled', confirm: 'confirmed' } as const;

/** Throws Stripe's 400 `payment_intent_unexpected_state` unless `paymentIntent` is in one of `allowed`. */
export function assertStatusIn(
  paymentIntent: PaymentIntentObject,
  allowed: readonly PaymentIntentStatus[],
  verb: keyof typeof PAST_PARTICIPLES,
): void {
  if (allowed.includes(paymentIntent.status)) return;
  throw paymentIntentUnexpectedState(
    `You cannot ${verb} this PaymentIntent because it has a status of ${paymentIntent.status}. Only a PaymentIntent with one of the following statuses may be ${PAST_PARTICIPLES[verb]}: ${allowed.join(', ')}.`,
    structuredClone(paymentIntent),
  );
}
