/** The one place a Stripe client is built: Stripe itself, or a stand-in when STRIPE_API_URL is set. */
import Stripe from 'stripe';
import type { StripeConfig } from '../config/env.js';

/** The API version the gateway speaks; stripe-mock's embedded OpenAPI spec describes this one. */
export const STRIPE_API_VERSION = '2025-09-30.clover';

/**
 * Builds the Stripe client for the gateway. Network retries are left to Temporal (the activity
 * retry policy replays the same idempotency key), so the library itself does not retry.
 */
export function createStripeClient(config: StripeConfig): Stripe {
  const base = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : undefined;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 0,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'booking-payments' },
    ...(base && {
      host: base.hostname,
      port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
      protocol: base.protocol === 'https:' ? 'https' : 'http',
    }),
  });
}
