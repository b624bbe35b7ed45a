-- Up Migration
-- Payment methods customers saved through a SetupIntent, with their mandate; the booking service lists and reuses them.
CREATE TABLE saved_payment_methods (
  payment_method_id text PRIMARY KEY,
  customer_id text NOT NULL,
  stripe_customer_id text NOT NULL,
  type text NOT NULL CHECK (type IN ('card', 'us_bank_account')),
  brand text,
  bank_name text,
  last4 text,
  exp_month integer,
  exp_year integer,
  mandate_id text,
  mandate_status text,
  mandate_status_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unusable', 'detached')),
  unusable_reason text,
  setup_id text,
  setup_intent_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX saved_payment_methods_customer_id_idx ON saved_payment_methods (customer_id);
CREATE INDEX saved_payment_methods_mandate_id_idx ON saved_payment_methods (mandate_id);

-- Webhook events about a SetupIntent are relayed to its setup workflow.
ALTER TABLE stripe_events ADD COLUMN setup_id text;

-- Down Migration
ALTER TABLE stripe_events DROP COLUMN setup_id;
DROP TABLE saved_payment_methods;
