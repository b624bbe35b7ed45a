-- Up Migration
-- Webhook inbox: every verified Stripe event, stored once by its id, relayed to its booking's workflow.
CREATE TABLE stripe_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  booking_id text,
  payment_intent_id text,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'relayed', 'ignored', 'closed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  relayed_at timestamptz
);

CREATE INDEX stripe_events_status_next_attempt_at_idx ON stripe_events (status, next_attempt_at);
CREATE INDEX stripe_events_booking_id_idx ON stripe_events (booking_id);
CREATE INDEX stripe_events_payment_intent_id_idx ON stripe_events (payment_intent_id);

-- Down Migration
DROP TABLE stripe_events;
