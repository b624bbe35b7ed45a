-- Up Migration
-- Notifications for the booking service, written by the worker's notify activity (the durable record).
CREATE TABLE notifications (
  id text PRIMARY KEY,
  booking_id text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);

CREATE INDEX notifications_booking_id_idx ON notifications (booking_id);
CREATE INDEX notifications_undelivered_idx ON notifications (created_at) WHERE delivered_at IS NULL;

-- Down Migration
DROP TABLE notifications;
