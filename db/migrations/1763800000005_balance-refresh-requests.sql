-- Up Migration
-- Which booking asked Stripe to refresh a Financial Connections account's balance: the
-- `financial_connections.account.refreshed_balance` event carries only the account, so the inbox
-- finds its booking here.
CREATE TABLE balance_refresh_requests (
  account_id text NOT NULL,
  booking_id text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, booking_id)
);
CREATE INDEX balance_refresh_requests_latest_idx ON balance_refresh_requests (account_id, requested_at DESC);

-- Down Migration
DROP TABLE balance_refresh_requests;
