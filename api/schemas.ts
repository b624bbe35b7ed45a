/**
 * The booking view's type where code outside api/ still imports it from here (harness/system-under-test.ts,
 * bench/bench-target.ts). The HTTP contract's schemas live by area: `booking/schemas.ts`, `setup/schemas.ts`,
 * `saved-payment-methods/schemas.ts`, `webhooks/schemas.ts`, the shared ones in `http/`.
 */
export type { BookingView } from './booking/schemas.js';
