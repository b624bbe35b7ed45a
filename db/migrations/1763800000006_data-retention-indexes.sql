-- Up Migration
-- Retention (docs/DATA-LIFECYCLE.md): the reconciliation's purge walks settled inbox events and delivered
-- notifications oldest first, in bounded batches; each partial index holds exactly the rows it may delete.
-- Existing rows are kept: nothing is rewritten or dropped here. On a large table, build both first with
-- CREATE INDEX CONCURRENTLY under these names (no write lock): IF NOT EXISTS then leaves them as they are.
CREATE INDEX IF NOT EXISTS stripe_events_settled_received_at_idx ON stripe_events (received_at, id) WHERE status <> 'pending';
CREATE INDEX IF NOT EXISTS notifications_delivered_created_at_idx ON notifications (created_at, id) WHERE delivered_at IS NOT NULL;

-- Down Migration
DROP INDEX notifications_delivered_created_at_idx;
DROP INDEX stripe_events_settled_received_at_idx;
