/**
 * Which bookings are creating a PaymentIntent right now (`payment_intent_creations`). A booking's
 * workflow keeps an event about a PaymentIntent it does not follow only while one of its parts is
 * still creating its PaymentIntent (the event may turn out to be about it); otherwise it drops it.
 * So once a booking's creations are all answered, an event about a PaymentIntent it neither learned
 * nor created cannot change it, and the relay settles it in the inbox instead of signalling it.
 *
 * Why this is safe: the worker records each create request before sending it, and marks it answered
 * only in the transaction that records the PaymentIntent's learned status (inbox/learned-statuses.ts).
 * A create whose answer is lost stays unanswered, so its booking's events are signalled as before.
 * A booking with no recorded creation at all (its activities ran on a worker that records none) is
 * never taken for settled.
 */
import type pg from 'pg';
import { withTransaction, type Queryable } from '../db/transaction.js';
import { recordLearnedStatusIn, type LearnedStatus } from './learned-statuses.js';

/** A create request about to be sent: its idempotency key and the booking it creates for. */
export interface PaymentIntentCreation {
  bookingId: string;
  idempotencyKey: string;
}

/** Records a create request before it is sent (again, for a retry under the same key: answered no more). */
export async function recordCreationStarted(db: Queryable, creation: PaymentIntentCreation): Promise<void> {
  await db.query(
    `INSERT INTO payment_intent_creations (idempotency_key, booking_id) VALUES ($1, $2)
     ON CONFLICT (idempotency_key) DO UPDATE SET answered_at = NULL`,
    [creation.idempotencyKey, creation.bookingId],
  );
}

/**
 * Records the PaymentIntent a create request made (its learned status) and marks the request answered,
 * in one transaction: an event about it is never settled as unknown in between. Returns how many
 * pending events repeating that status it settled.
 */
export async function recordCreationAnswered(
  db: pg.Pool,
  creation: Pick<PaymentIntentCreation, 'idempotencyKey'>,
  learned: LearnedStatus,
): Promise<number> {
  return withTransaction(db, async (client) => {
    const settled = await recordLearnedStatusIn(client, learned);
    await client.query(
      'UPDATE payment_intent_creations SET answered_at = now(), payment_intent_id = $2 WHERE idempotency_key = $1',
      [creation.idempotencyKey, learned.paymentIntentId],
    );
    return settled;
  });
}

/** An event's booking and the PaymentIntent it is about. */
export interface BookingPaymentIntent {
  bookingId: string;
  paymentIntentId: string;
}

/**
 * Of these (booking, PaymentIntent) pairs, the keys (`booking/PaymentIntent`) of those whose booking creates no
 * PaymentIntent and never created this one: at least one recorded creation, none unanswered, none answered with
 * this PaymentIntent. A booking's own PaymentIntent is never taken for another's, even once its learned status
 * has been purged.
 */
export async function neverCreatedByIdleBookings(
  db: Queryable,
  pairs: readonly BookingPaymentIntent[],
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const result = await db.query<{ booking_id: string; payment_intent_id: string }>(
    `SELECT DISTINCT asked.booking_id, asked.payment_intent_id
       FROM unnest($1::text[], $2::text[]) AS asked(booking_id, payment_intent_id)
      WHERE EXISTS (SELECT 1 FROM payment_intent_creations c WHERE c.booking_id = asked.booking_id)
        AND NOT EXISTS (
          SELECT 1 FROM payment_intent_creations c
           WHERE c.booking_id = asked.booking_id
             AND (c.answered_at IS NULL OR c.payment_intent_id = asked.payment_intent_id))`,
    [pairs.map((pair) => pair.bookingId), pairs.map((pair) => pair.paymentIntentId)],
  );
  return new Set(
    result.rows.map((row) => pairKey({ bookingId: row.booking_id, paymentIntentId: row.payment_intent_id })),
  );
}

/** The key of a (booking, PaymentIntent) pair in neverCreatedByIdleBookings' answer. */
export function pairKey(pair: BookingPaymentIntent): string {
  return `${pair.bookingId}/${pair.paymentIntentId}`;
}

/** Why the relay settled an event about a PaymentIntent its booking never learned (recorded on its inbox row). */
export function neverCreatedOutcome(paymentIntentId: string): string {
  return `about PaymentIntent ${paymentIntentId}, which its booking never learned while creating none: it cannot change the booking`;
}

/** A recorded creation the retention purge may delete: started before the retention cut-off. */
export interface ExpiredCreation {
  idempotencyKey: string;
  bookingId: string;
  /** `started_at` as Postgres writes it (microseconds), for the purge's cursor. */
  startedAt: string;
}

/** Creations started before `startedBefore`, oldest first, after the `(startedAt, idempotencyKey)` cursor. */
export async function listExpiredCreations(
  db: Queryable,
  startedBefore: Date,
  after: { at: string; id: string } | null,
  limit: number,
): Promise<ExpiredCreation[]> {
  const result = await db.query<{ idempotency_key: string; booking_id: string; started_at: string }>(
    `SELECT idempotency_key, booking_id, started_at::text AS started_at
       FROM payment_intent_creations
      WHERE started_at < $1 AND (started_at, idempotency_key) > ($2::timestamptz, $3::text)
      ORDER BY started_at, idempotency_key
      LIMIT $4`,
    [startedBefore, after?.at ?? '-infinity', after?.id ?? '', limit],
  );
  return result.rows.map((row) => ({
    idempotencyKey: row.idempotency_key,
    bookingId: row.booking_id,
    startedAt: row.started_at,
  }));
}

/**
 * Deletes these creations if still started before `startedBefore`; returns how many were deleted. The purge
 * deletes only those of bookings whose workflow has ended: deleting an unanswered one of a running booking
 * could make it look as if it created nothing.
 */
export async function deleteExpiredCreations(
  db: Queryable,
  idempotencyKeys: readonly string[],
  startedBefore: Date,
): Promise<number> {
  if (idempotencyKeys.length === 0) return 0;
  const result = await db.query(
    'DELETE FROM payment_intent_creations WHERE idempotency_key = ANY($1::text[]) AND started_at < $2',
    [idempotencyKeys, startedBefore],
  );
  return result.rowCount ?? 0;
}
