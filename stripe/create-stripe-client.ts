/** The one place a Stripe client is built: Stripe itself, or a stand-in when STRIPE_API_URL is set. */
import Stripe from 'stripe';
import { DEFAULT_STRIPE_TIMEOUT_MS, type StripeConfig } from '../config/env.js';

/**
 * Builds the Stripe client for the gateway, on the API version the installed `stripe` package pins
 * (the contract test checks stripe-mock's spec is the same version). Network retries are left to Temporal (the activity
 * retry policy replays the same idempotency key), so the library itself does not retry, and a request
 * slower than STRIPE_TIMEOUT_MS is abandoned to that retry.
 */
export function createStripeClient(config: StripeConfig): Stripe {
  const base = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : undefined;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 0,
    timeout: config.STRIPE_TIMEOUT_MS ?? DEFAULT_STRIPE_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'booking-payments' },
    ...(base && {
      host: base.hostname,
      port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
      protocol: base.protocol === 'https:' ? 'https' : 'http',
    }),
  });
}
