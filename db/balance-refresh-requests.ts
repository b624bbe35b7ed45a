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

/** A request old enough for the retention purge; `id` is `<account id> <booking id>` (neither has a space). */
export interface ExpiredBalanceRefreshRequest {
  id: string;
  bookingId: string;
  /** `requested_at` as Postgres writes it (microseconds), for the purge's cursor. */
  requestedAt: string;
}

const requestKey = (accountId: string, bookingId: string) => `${accountId} ${bookingId}`;

/**
 * Requests made before `requestedBefore`, oldest first, after the cursor `after` (`at`, `id` of the last
 * row of the previous batch). The table holds a row per booking and account asked about, a bounded window
 * of them once purged: read without an index on `requested_at`.
 */
export async function listExpiredBalanceRefreshRequests(
  db: Queryable,
  requestedBefore: Date,
  after: { at: string; id: string } | null,
  limit: number,
): Promise<ExpiredBalanceRefreshRequest[]> {
  const [afterAccount = '', afterBooking = ''] = after?.id.split(' ') ?? [];
  const result = await db.query<{ account_id: string; booking_id: string; requested_at: string }>(
    `SELECT account_id, booking_id, requested_at::text AS requested_at
       FROM balance_refresh_requests
      WHERE requested_at < $1 AND (requested_at, account_id, booking_id) > ($2::timestamptz, $3::text, $4::text)
      ORDER BY requested_at, account_id, booking_id
      LIMIT $5`,
    [requestedBefore, after?.at ?? '-infinity', afterAccount, afterBooking, limit],
  );
  return result.rows.map((row) => ({
    id: requestKey(row.account_id, row.booking_id),
    bookingId: row.booking_id,
    requestedAt: row.requested_at,
  }));
}

/**
 * Deletes these requests (by `id`) if still made before `requestedBefore`: one asked again since it was
 * listed has a new `requested_at` and stays. Returns how many were deleted.
 */
export async function deleteExpiredBalanceRefreshRequests(
  db: Queryable,
  ids: readonly string[],
  requestedBefore: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const keys = ids.map((id) => id.split(' '));
  const result = await db.query(
    `DELETE FROM balance_refresh_requests
      WHERE (account_id, booking_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND requested_at < $3`,
    [keys.map(([accountId]) => accountId), keys.map(([, bookingId]) => bookingId), requestedBefore],
  );
  return result.rowCount ?? 0;
}
