/** Mapping from the booking service's customer ids to Stripe Customer ids. */
import type { Pool } from 'pg';

/** The Stripe Customer id recorded for a customer, if any. */
export async function findStripeCustomerId(db: Pool, customerId: string): Promise<string | null> {
  const result = await db.query<{ stripe_customer_id: string }>(
    'SELECT stripe_customer_id FROM stripe_customers WHERE customer_id = $1',
    [customerId],
  );
  return result.rows[0]?.stripe_customer_id ?? null;
}

/** Records a customer's Stripe Customer id, replacing one Stripe no longer knows. */
export async function replaceStripeCustomerId(db: Pool, customerId: string, stripeCustomerId: string): Promise<void> {
  await db.query(
    `INSERT INTO stripe_customers (customer_id, stripe_customer_id) VALUES ($1, $2)
     ON CONFLICT (customer_id) DO UPDATE SET stripe_customer_id = EXCLUDED.stripe_customer_id`,
    [customerId, stripeCustomerId],
  );
}

/** Records a customer's Stripe Customer id; the first recorded id wins and is returned. */
export async function recordStripeCustomerId(db: Pool, customerId: string, stripeCustomerId: string): Promise<string> {
  const result = await db.query<{ stripe_customer_id: string }>(
    `INSERT INTO stripe_customers (customer_id, stripe_customer_id) VALUES ($1, $2)
     ON CONFLICT (customer_id) DO UPDATE SET customer_id = EXCLUDED.customer_id
     RETURNING stripe_customer_id`,
    [customerId, stripeCustomerId],
  );
  return result.rows[0].stripe_customer_id;
}
