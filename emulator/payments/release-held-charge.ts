/** Releasing an uncaptured authorization: the held amount goes back to the cardholder. */
import type { ChargeObject } from '../objects/charge.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';

/** Marks the PaymentIntent's held (uncaptured, successful) charge as refunded; undefined if none. */
export function releaseHeldCharge(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
): ChargeObject | undefined {
  const charge = paymentIntent.latest_charge ? runtime.store.charges.get(paymentIntent.latest_charge) : undefined;
  if (!charge || charge.captured || charge.status !== 'succeeded') return undefined;
  charge.refunded = true;
  charge.amount_refunded = charge.amount;
  return charge;
}
