/**
 * A PaymentIntent's client secret goes only to the account that created it. Stripe's objects belong to
 * one account and its keys (docs.stripe.com/keys); the client secret "should not be … exposed to anyone
 * other than the customer" (docs.stripe.com/api/payment_intents/object#payment_intent_object-client_secret).
 * The emulator stands for one account per secret key: another key reads the PaymentIntent with
 * `client_secret: null`. The owner is kept as a digest of the key, never the key itself.
 */
import { createHash } from 'node:crypto';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorStore } from '../store.js';

/** A digest standing for the API key, so the key itself is never stored. */
export function keyDigest(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 32);
}

/** Records that the key `apiKey` created the PaymentIntent `paymentIntentId`. */
export function recordClientSecretOwner(store: EmulatorStore, paymentIntentId: string, apiKey: string): void {
  store.paymentIntentOwners.set(paymentIntentId, keyDigest(apiKey));
}

/** The PaymentIntent as the secret key `apiKey` may see it: without its client secret unless that key created it. */
export function clientSecretFor<T extends Pick<PaymentIntentObject, 'id' | 'client_secret'>>(
  store: EmulatorStore,
  paymentIntent: T,
  apiKey: string,
): T {
  const owner = store.paymentIntentOwners.get(paymentIntent.id);
  if (owner === undefined || owner === keyDigest(apiKey)) return paymentIntent;
  return { ...paymentIntent, client_secret: null };
}
