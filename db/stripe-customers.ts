/** Mapping from the booking service's customer ids to Stripe Customer ids. */
import type { Pool } from 'pg';

/** A pool or one of its clients: what the queries below run on. */
type Queryable = Pick<Pool, 'query'>;

/** The Stripe Customer id recorded for a customer, if any. */
export async function findStripeCustomerId(db: Queryable, customerId: string): Promise<string | null> {
  const result = await db.query<{ stripe_customer_id: string }>(
    'SELECT stripe_customer_id FROM stripe_customers WHERE customer_id = $1',
    [customerId],
  );
  return result.rows[0]?.stripe_customer_id ?? null;
}

/** Records a customer's Stripe Customer id, replacing one Stripe no longer knows. */
export async function replaceStripeCustomerId(
  db: Queryable,
  customerId: string,
  stripeCustomerId: string,
): Promise<void> {
  await db.query(
    `INSERT INTO stripe_customers (customer_id, stripe_customer_id) VALUES ($1, $2)
     ON CONFLICT (customer_id) DO UPDATE SET stripe_customer_id = EXCLUDED.stripe_customer_id`,
    [customerId, stripeCustomerId],
  );
}

/** Records a customer's Stripe Customer id; the first recorded id wins and is returned. */
export async function recordStripeCustomerId(
  db: Queryable,
  customerId: string,
  stripeCustomerId: string,
): Promise<string> {
  const result = await db.query<{ stripe_customer_id: string }>(
    `INSERT INTO stripe_customers (customer_id, stripe_customer_id) VALUES ($1, $2)
     ON CONFLICT (customer_id) DO UPDATE SET customer_id = EXCLUDED.customer_id
     RETURNING stripe_customer_id`,
    [customerId, stripeCustomerId],
  );
  return result.rows[0].stripe_customer_id;
}

/**
 * Runs `work` in a transaction holding a lock on one customer's row-to-be, so two bookings of a new
 * customer started at once find or create their Stripe Customer one after the other: the second
 * finds what the first recorded. The lock ends with the transaction, or with the connection if the
 * process dies. `work` gets the transaction's client and must use it for this table.
 */
export async function withStripeCustomerLock<T>(
  db: Pool,
  customerId: string,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const client = await db.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('stripe_customers:' || $1, 0))", [customerId]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
