/**
 * Which booking asked for a balance refresh of which Financial Connections account. Stripe's
 * `financial_connections.account.refreshed_balance` event carries the account and no metadata, so
 * the inbox routes it to the booking that asked last; a booking that asked earlier for the same
 * account reads the account itself (it polls until its deadline), so none waits on the event alone.
 */
import type { Pool } from 'pg';
import type { Queryable } from './transaction.js';

/** Records (or renews) that `bookingId` asked Stripe to refresh `accountId`'s balance. */
export async function recordBalanceRefreshRequest(db: Pool, accountId: string, bookingId: string): Promise<void> {
  await db.query(
    `INSERT INTO balance_refresh_requests (account_id, booking_id) VALUES ($1, $2)
     ON CONFLICT (account_id, booking_id) DO UPDATE SET requested_at = now()`,
    [accountId, bookingId],
  );
}

/** The booking that last asked for a balance refresh of `accountId`, if any. */
export async function bookingIdForBalanceRefresh(db: Queryable, accountId: string): Promise<string | null> {
  const result = await db.query<{ booking_id: string }>(
    'SELECT booking_id FROM balance_refresh_requests WHERE account_id = $1 ORDER BY requested_at DESC LIMIT 1',
    [accountId],
  );
  return result.rows[0]?.booking_id ?? null;
}
