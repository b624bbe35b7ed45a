/** Durable record of every notification the booking service is sent. */
import type { Pool } from 'pg';
import type { Queryable } from './transaction.js';

/** A notification row as stored. */
export interface NotificationRecord {
  id: string;
  bookingId: string;
  type: string;
  payload: unknown;
  deliveredAt: Date | null;
  attempts: number;
}

/**
 * Stores a notification once (by id) and returns the stored row, new or existing; `newlyRecorded`
 * is true only for the call that inserted it, so what happens once per business event (a counter)
 * keys on it.
 */
export async function recordNotification(
  db: Pool,
  notification: { id: string; bookingId: string; type: string; payload: unknown },
): Promise<NotificationRecord & { newlyRecorded: boolean }> {
  const inserted = await db.query(
    `INSERT INTO notifications (id, booking_id, type, payload) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO NOTHING`,
    [notification.id, notification.bookingId, notification.type, JSON.stringify(notification.payload)],
  );
  const result = await db.query(
    'SELECT id, booking_id, type, payload, delivered_at, attempts FROM notifications WHERE id = $1',
    [notification.id],
  );
  return { ...toNotificationRecord(result.rows[0]), newlyRecorded: inserted.rowCount === 1 };
}

/** Marks a notification delivered to the callback. */
export async function markNotificationDelivered(db: Pool, id: string): Promise<void> {
  await db.query(
    'UPDATE notifications SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1',
    [id],
  );
}

/** Records a failed callback attempt. */
export async function markNotificationAttemptFailed(db: Pool, id: string, error: string): Promise<void> {
  await db.query('UPDATE notifications SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [
    id,
    error.slice(0, 500),
  ]);
}

/** Notifications recorded for a booking, in the order the workflow created them (ids are numbered). */
export async function listNotifications(db: Pool, bookingId: string): Promise<NotificationRecord[]> {
  const result = await db.query(
    'SELECT id, booking_id, type, payload, delivered_at, attempts FROM notifications WHERE booking_id = $1 ORDER BY id',
    [bookingId],
  );
  return result.rows.map(toNotificationRecord);
}

/** A notification the retention purge may delete: delivered, and created before the retention cut-off. */
export interface ExpiredNotification {
  id: string;
  bookingId: string;
  /** `created_at` as Postgres writes it, to the microsecond (a Date would round it to the millisecond). */
  createdAt: string;
}

/**
 * Up to `limit` delivered notifications created before `createdBefore`, oldest first, after the
 * `(createdAt, id)` cursor; walks `notifications_delivered_created_at_idx`.
 */
export async function listExpiredDeliveredNotifications(
  db: Queryable,
  createdBefore: Date,
  after: { at: string; id: string } | null,
  limit: number,
): Promise<ExpiredNotification[]> {
  const result = await db.query<{ id: string; booking_id: string; created_at: string }>(
    `SELECT id, booking_id, created_at::text AS created_at
       FROM notifications
      WHERE delivered_at IS NOT NULL AND created_at < $1 AND (created_at, id) > ($2::timestamptz, $3::text)
      ORDER BY created_at, id
      LIMIT $4`,
    [createdBefore, after?.at ?? '-infinity', after?.id ?? '', limit],
  );
  return result.rows.map((row) => ({ id: row.id, bookingId: row.booking_id, createdAt: row.created_at }));
}

/** Deletes these notifications if they are delivered and created before `createdBefore`; returns how many. */
export async function deleteExpiredDeliveredNotifications(
  db: Queryable,
  ids: readonly string[],
  createdBefore: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.query(
    'DELETE FROM notifications WHERE id = ANY($1::text[]) AND delivered_at IS NOT NULL AND created_at < $2',
    [ids, createdBefore],
  );
  return result.rowCount ?? 0;
}

function toNotificationRecord(row: {
  id: string;
  booking_id: string;
  type: string;
  payload: unknown;
  delivered_at: Date | null;
  attempts: number;
}): NotificationRecord {
  return {
    id: row.id,
    bookingId: row.booking_id,
    type: row.type,
    payload: row.payload,
    deliveredAt: row.delivered_at,
    attempts: row.attempts,
  };
}
