-- Up Migration
-- The booking service's customer id mapped to the Stripe Customer created for it.
CREATE TABLE stripe_customers (
  customer_id text PRIMARY KEY,
  stripe_customer_id text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE stripe_customers;
