/** The Stripe API version the emulator's objects claim: the one the installed `stripe` package pins. */
import Stripe from 'stripe';

/** The `stripe` package's pinned API version (e.g. `2025-09-30.clover` for stripe 19.1). */
export const STRIPE_API_VERSION: string = Stripe.API_VERSION;
