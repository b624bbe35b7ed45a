-- Up Migration
-- The last status of each PaymentIntent that a booking's workflow learned from Stripe's answer to
-- one of its own calls (create, confirm, cancel, verify, read). The inbox relay does not signal a
-- `payment_intent.*` event that only repeats it: the workflow already has what the event says.
CREATE TABLE payment_intent_statuses (
  payment_intent_id text PRIMARY KEY,
  status text NOT NULL,
  learned_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_intent_statuses_learned_at_idx ON payment_intent_statuses (learned_at);

-- Down Migration
DROP TABLE payment_intent_statuses;
