/**
 * Tells a PaymentIntent Stripe cancelled on its own from one cancelled by us or by hand. Stripe sets
 * `automatic` (a lapsed authorization, the confirmation limit) and, as its API reference also lists,
 * `expired` (docs.stripe.com/api/payment_intents/object#payment_intent_object-cancellation_reason).
 */
import type { Patches } from '../common/patches.js';
import { STRIPE_EXPIRED_REASON_PATCH } from './booking-patches.js';

/** Whether Stripe itself cancelled a PaymentIntent with this `cancellation_reason`. */
export function cancelledByStripe(reason: string | null, patches: Pick<Patches, 'has'>): boolean {
  if (reason === 'automatic') return true;
  return reason === 'expired' && patches.has(STRIPE_EXPIRED_REASON_PATCH);
}
