/** The Stripe Customer of each of the booking service's customers: found, created or replaced, and recorded. */
import type { BookingCustomer } from '../../workflows/booking/contract.js';
import {
  findStripeCustomerId,
  recordStripeCustomerId,
  replaceStripeCustomerId,
  withStripeCustomerLock,
} from '../../db/stripe-customers.js';
import type { ActivityDeps } from './activity-deps.js';
import { classifyStripeError, isResourceMissingError } from './classify-stripe-error.js';
import { customerKey, writeAttemptKey } from './idempotency-keys.js';
import { firstOf } from './stripe-list.js';
import { rethrowWriteError, type WriteAttempt } from './write-attempt.js';

/** Builds the Stripe Customer activities, shared by bookings and setups. */
export function createStripeCustomerActivities({ gateway, db }: Pick<ActivityDeps, 'gateway' | 'db'>) {
  return {
    /** Finds or creates the Stripe Customer of a booking's customer (see `ensureCustomer`). */
    async ensureStripeCustomer(customer: BookingCustomer, write: WriteAttempt = {}): Promise<string> {
      return ensureCustomer({ gateway, db }, customer, write);
    },

    /**
     * The Stripe Customer created for a booking service's customer (by email, then the metadata it
     * was created with), recorded as theirs when found; null when Stripe has none.
     */
    async findStripeCustomer(customer: BookingCustomer): Promise<string | null> {
      const candidate = await firstOf(
        gateway.listCustomers({ email: customer.email }),
        (listed) => listed.metadata?.customer_id === customer.id,
      );
      if (!candidate) return null;
      const found = candidate.id;
      const known = await findStripeCustomerId(db, customer.id);
      if (!known) return recordStripeCustomerId(db, customer.id, found);
      if (known !== found) await replaceStripeCustomerId(db, customer.id, found);
      return found;
    },
  };
}

/**
 * Finds or creates the Stripe Customer of a booking's customer, one customer at a time: two first
 * bookings started at once get the same Stripe Customer. A recorded Customer that this Stripe
 * account does not know (deleted, or recorded against another account or emulator) is replaced
 * rather than failing every booking of that customer.
 */
export function ensureCustomer(
  { gateway, db }: Pick<ActivityDeps, 'gateway' | 'db'>,
  customer: BookingCustomer,
  write: WriteAttempt = {},
): Promise<string> {
  return withStripeCustomerLock(db, customer.id, async (tx) => {
    const known = await findStripeCustomerId(tx, customer.id);
    if (known) {
      const existing = await gateway.retrieveCustomer(known).catch((error: unknown) => {
        if (isResourceMissingError(error)) return null;
        throw classifyStripeError(error);
      });
      if (existing && !existing.deleted) return known;
    }
    const created = await gateway
      .createCustomer({
        customerId: customer.id,
        email: customer.email,
        name: customer.name,
        idempotencyKey: writeAttemptKey(customerKey(customer.id, customer, known), write.writeAttempt),
      })
      .catch(rethrowWriteError(write));
    if (!known) return recordStripeCustomerId(tx, customer.id, created.id);
    await replaceStripeCustomerId(tx, customer.id, created.id);
    return created.id;
  });
}
