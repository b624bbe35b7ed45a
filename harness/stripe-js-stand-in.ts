/**
 * What the booking service's front end does with Stripe.js to finish a hold's 3-D Secure, played
 * against the Stripe emulator (or Stripe's test mode) with the real `stripe` package: only the
 * PaymentIntent's client secret and a publishable key, never the secret key. `stripe.handleNextAction`
 * (docs.stripe.com/js/payment_intents/handle_next_action) reads the PaymentIntent with its client
 * secret, opens the challenge its `next_action` names, and reads the PaymentIntent again.
 */
import Stripe from 'stripe';

/** A publishable test key, as the front end holds one. */
export const TEST_PUBLISHABLE_KEY = 'pk_test_booking_front_end';

/** How the customer answers the challenge: the test page's "Complete" or "Fail" button. */
export type ChallengeAnswer = 'complete' | 'fail';

/** A `stripe` client as the browser would use it: a publishable key, on the given Stripe (emulator) base URL. */
export function publishableStripeClient(stripeBaseUrl: string, publishableKey = TEST_PUBLISHABLE_KEY): Stripe {
  const base = new URL(stripeBaseUrl);
  return new Stripe(publishableKey, {
    host: base.hostname,
    port: Number(base.port),
    protocol: base.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

/** The PaymentIntent id a client secret belongs to (`pi_…_secret_…`), as Stripe.js reads it. */
export function paymentIntentIdOf(clientSecret: string): string {
  const [id] = clientSecret.split('_secret_');
  return id;
}

/**
 * Finishes the PaymentIntent's next action as the customer answers it and returns the PaymentIntent
 * as Stripe.js then sees it. Throws as Stripe.js does when the PaymentIntent is not `requires_action`.
 */
export async function handleNextAction(
  stripeBaseUrl: string,
  clientSecret: string,
  answer: ChallengeAnswer = 'complete',
  publishableKey = TEST_PUBLISHABLE_KEY,
): Promise<Stripe.PaymentIntent> {
  const stripe = publishableStripeClient(stripeBaseUrl, publishableKey);
  const id = paymentIntentIdOf(clientSecret);
  const waiting = await stripe.paymentIntents.retrieve(id, { client_secret: clientSecret });
  if (waiting.status !== 'requires_action')
    throw new Error(`PaymentIntent ${id} is ${waiting.status}, not requires_action`);
  const challengeUrl = waiting.next_action?.use_stripe_sdk
    ? (waiting.next_action.use_stripe_sdk as { stripe_js: string }).stripe_js
    : waiting.next_action?.redirect_to_url?.url;
  if (!challengeUrl) throw new Error(`PaymentIntent ${id} names no challenge page (${waiting.next_action?.type})`);
  const response = await fetch(challengeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      payment_intent_client_secret: clientSecret,
      publishable_key: publishableKey,
      outcome: answer,
    }),
  });
  if (!response.ok) throw new Error(`the challenge page answered ${response.status}: ${await response.text()}`);
  return stripe.paymentIntents.retrieve(id, { client_secret: clientSecret });
}
