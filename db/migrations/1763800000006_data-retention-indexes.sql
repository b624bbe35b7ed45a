-- Up Migration
-- Retention (docs/DATA-LIFECYCLE.md): the reconciliation's purge walks settled inbox events and delivered
-- notifications oldest first, in bounded batches; each partial index holds exactly the rows it may delete.
-- Existing rows are kept: nothing is rewritten or dropped here.
CREATE INDEX stripe_events_settled_received_at_idx ON stripe_events (received_at, id) WHERE status <> 'pending';
CREATE INDEX notifications_delivered_created_at_idx ON notifications (created_at, id) WHERE delivered_at IS NOT NULL;

-- Down Migration
DROP INDEX notifications_delivered_created_at_idx;
DROP INDEX stripe_events_settled_received_at_idx;
