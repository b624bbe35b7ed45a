/** Reading PaymentIntents from Stripe, for the hold and the bank payment alike. */
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import { rethrowClassified } from './classify-stripe-error.js';
import { toPaymentIntentSnapshot, type PaymentIntentSnapshot } from './payment-intent-snapshot.js';
import { firstOf } from './stripe-list.js';

/** Builds the PaymentIntent reads the booking's hold and bank payment share. */
export function createPaymentIntentReadActivities({ gateway }: { gateway: PaymentGateway }) {
  return {
    /** Reads a PaymentIntent's current state from Stripe. */
    async readPaymentIntent(paymentIntentId: string): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway.retrievePaymentIntent(paymentIntentId).catch(rethrowClassified);
      return toPaymentIntentSnapshot(paymentIntent);
    },
  };
}

/** A customer's PaymentIntent whose metadata has every entry of `metadata`, newest first; null if none. */
export async function findPaymentIntent(
  gateway: PaymentGateway,
  stripeCustomerId: string,
  metadata: Record<string, string>,
): Promise<PaymentIntentSnapshot | null> {
  const found = await firstOf(gateway.listPaymentIntents({ stripeCustomerId }), (paymentIntent) =>
    Object.entries(metadata).every(([key, value]) => paymentIntent.metadata?.[key] === value),
  );
  if (!found) return null;
  // Read again: the list does not expand the charge the snapshot reads deadlines from.
  return toPaymentIntentSnapshot(await gateway.retrievePaymentIntent(found.id).catch(rethrowClassified));
}
