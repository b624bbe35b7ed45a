/** Durable record of every notification the booking service is sent. */
import type { Pool } from 'pg';

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
