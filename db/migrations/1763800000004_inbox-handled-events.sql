-- Up Migration
-- Events the webhook receiver applies itself (mandate.updated on saved payment methods) are stored as `handled`.
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_status_check;
ALTER TABLE stripe_events
  ADD CONSTRAINT stripe_events_status_check CHECK (status IN ('pending', 'relayed', 'ignored', 'closed', 'handled'));
CREATE INDEX stripe_events_setup_id_idx ON stripe_events (setup_id);

-- Down Migration
DROP INDEX stripe_events_setup_id_idx;
UPDATE stripe_events SET status = 'ignored' WHERE status = 'handled';
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_status_check;
ALTER TABLE stripe_events
  ADD CONSTRAINT stripe_events_status_check CHECK (status IN ('pending', 'relayed', 'ignored', 'closed'));
