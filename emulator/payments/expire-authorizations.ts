/** Stripe's automatic expiry of card authorizations not captured before `capture_before`. */
import { AUTOMATIC_ORIGIN } from '../objects/event.js';
import type { PaymentIntentObject, STRIPE_CANCELLATION_REASONS } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { releaseHeldCharge } from './release-held-charge.js';

/**
 * Lets one held authorization lapse now, as Stripe does on its own: the PaymentIntent becomes
 * `canceled` with a Stripe-set reason, emitting `charge.expired` then `payment_intent.canceled`.
 */
export function expireAuthorization(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  reason: (typeof STRIPE_CANCELLATION_REASONS)[number] = 'automatic',
): void {
  const charge = paymentIntent.latest_charge ? runtime.store.charges.get(paymentIntent.latest_charge) : undefined;
  releaseHeldCharge(runtime, paymentIntent);
  paymentIntent.status = 'canceled';
  paymentIntent.canceled_at = runtime.clock.nowSeconds();
  paymentIntent.cancellation_reason = reason;
  paymentIntent.amount_capturable = 0;
  if (charge) runtime.events.record('charge.expired', charge, AUTOMATIC_ORIGIN);
  runtime.events.record('payment_intent.canceled', paymentIntent, AUTOMATIC_ORIGIN);
}

/**
 * Cancels every `requires_capture` PaymentIntent whose charge's `capture_before` has passed, with
 * `cancellation_reason: automatic`. Returns the ids of the expired PaymentIntents.
 */
export function expireAuthorizations(runtime: EmulatorRuntime): string[] {
  const now = runtime.clock.nowSeconds();
  const expired: string[] = [];
  for (const paymentIntent of runtime.store.paymentIntents.values()) {
    if (paymentIntent.status !== 'requires_capture' || !paymentIntent.latest_charge) continue;
    const charge = runtime.store.charges.get(paymentIntent.latest_charge);
    const captureBefore = charge?.payment_method_details.card?.capture_before;
    if (!charge || captureBefore === undefined || captureBefore > now) continue;
    expireAuthorization(runtime, paymentIntent);
    expired.push(paymentIntent.id);
  }
  return expired;
}
