/** Stripe-looking object identifiers (`pi_…`, `ch_…`, `evt_…`) and client secrets. */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random alphanumeric text of the given length, the way Stripe spells its id suffixes. */
export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += ALPHABET[byte % ALPHABET.length];
  return text;
}

/** A new object id with Stripe's prefix convention, e.g. `newObjectId('pi')` → `pi_3Q…`. */
export function newObjectId(prefix: string): string {
  return `${prefix}_${randomAlphanumeric(24)}`;
}

/** A client secret for an intent, shaped like Stripe's `<id>_secret_<random>`. */
export function newClientSecret(intentId: string): string {
  return `${intentId}_secret_${randomAlphanumeric(25)}`;
}
