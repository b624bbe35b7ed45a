/**
 * Stripe's confirmation limit: a PaymentIntent whose confirmations keep failing is canceled by Stripe
 * itself ("If payment fails, the PaymentIntent transitions to the requires_payment_method status or the
 * canceled status if the confirmation limit is reached", confirm's description in stripe-node 19.1.0).
 */
import { AUTOMATIC_ORIGIN } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { cancelPaymentIntent } from './cancel-payment-intent.js';

/**
 * Failed confirmations after which the emulator cancels a PaymentIntent (the failure that reaches it
 * cancels). Stripe does not publish its number; 5 is the emulator's choice.
 */
export const DEFAULT_FAILED_CONFIRMATION_LIMIT = 5;

/**
 * Stripe's documentation names no reason for this cancellation. Of the reasons Stripe sets itself
 * (`failed_invoice`, `void_invoice`, `automatic`, `expired`), only `automatic` is not about invoices or
 * Checkout, and it is the one Stripe gives its other automatic cancellation (expired authorizations).
 */
const CONFIRMATION_LIMIT_CANCELLATION_REASON = 'automatic';

/**
 * Counts one failed confirmation of `paymentIntent` (now back in `requires_payment_method`). At the
 * runtime's limit Stripe cancels it: `canceled`, reason `automatic`, `payment_intent.canceled` without a
 * request. Returns whether it was canceled.
 */
export function countFailedConfirmation(runtime: EmulatorRuntime, paymentIntent: PaymentIntentObject): boolean {
  const failures = (runtime.store.failedConfirmations.get(paymentIntent.id) ?? 0) + 1;
  runtime.store.failedConfirmations.set(paymentIntent.id, failures);
  if (failures < runtime.failedConfirmationLimit) return false;
  cancelPaymentIntent(runtime, paymentIntent, CONFIRMATION_LIMIT_CANCELLATION_REASON, AUTOMATIC_ORIGIN);
  return true;
}
