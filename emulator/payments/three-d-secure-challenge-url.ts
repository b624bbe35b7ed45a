/** Where the emulator serves the 3-D Secure challenge page that a PaymentIntent's next action points to. */

/** The page's path, relative to the emulator's base URL (Stripe serves it from hooks.stripe.com). */
export const THREE_D_SECURE_CHALLENGE_PATH = '/3d_secure_2/hosted';

/** The challenge page's URL for a PaymentIntent: its id and the challenge's source, no secret. */
export function threeDSecureChallengeUrl(emulatorBaseUrl: string, paymentIntentId: string, source: string): string {
  const query = new URLSearchParams({ payment_intent: paymentIntentId, source });
  return `${emulatorBaseUrl}${THREE_D_SECURE_CHALLENGE_PATH}?${query.toString()}`;
}
