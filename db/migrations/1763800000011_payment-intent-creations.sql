-- Up Migration
-- Each request that may create a booking's PaymentIntent, recorded before it is sent to Stripe and
-- marked answered once the PaymentIntent it made is learned (payment_intent_statuses). A booking
-- with such rows and none unanswered is creating no PaymentIntent, so the inbox relay settles an
-- event about a PaymentIntent it neither learned nor created at once, instead of signalling it.
CREATE TABLE payment_intent_creations (
  idempotency_key text PRIMARY KEY,
  booking_id text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  answered_at timestamptz,
  -- The PaymentIntent Stripe answered with: an event about it is never taken for another's.
  payment_intent_id text
);
CREATE INDEX payment_intent_creations_booking_idx ON payment_intent_creations (booking_id);
CREATE INDEX payment_intent_creations_started_at_idx ON payment_intent_creations (started_at);

-- Down Migration
DROP TABLE payment_intent_creations;
