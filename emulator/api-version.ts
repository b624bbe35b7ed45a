/** The Stripe API version the emulator's objects claim: the one the installed `stripe` package pins. */
export const STRIPE_API_VERSION = '2026-10-28.endive';
