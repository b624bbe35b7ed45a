/**
 * Tells a PaymentIntent Stripe cancelled on its own from one cancelled by us or by hand. Stripe sets
 * `automatic` (a lapsed authorization, the confirmation limit) and, as its API reference also lists,
 * `expired` (docs.stripe.com/api/payment_intents/object#payment_intent_object-cancellation_reason).
 */
import { patched } from '@temporalio/workflow';

/** Patch: `expired` is read as Stripe's own cancellation too; older histories read only `automatic`. */
export const STRIPE_EXPIRED_REASON_PATCH = 'stripe-expired-cancellation-reason';

/** Whether Stripe itself cancelled a PaymentIntent with this `cancellation_reason`. */
export function cancelledByStripe(reason: string | null): boolean {
  if (reason === 'automatic') return true;
  return reason === 'expired' && patched(STRIPE_EXPIRED_REASON_PATCH);
}
