/**
 * Which bookings are creating a PaymentIntent right now (`payment_intent_creations`). A booking's
 * workflow keeps an event about a PaymentIntent it does not follow only while one of its parts is
 * still creating its PaymentIntent (the event may turn out to be about it); otherwise it drops it.
 * So once a booking's creations are all answered, an event about a PaymentIntent it neither learned
 * nor created cannot change it, and the relay settles it in the inbox instead of signalling it.
 *
 * Why this is safe: the worker records each create request before sending it, and marks it answered,
 * with its PaymentIntent, only in the transaction that records the learned status
 * (inbox/learned-statuses.ts). A create whose answer is lost stays unanswered, so its booking's events
 * are signalled as before. A booking with no recorded creation is never taken for idle, and a
 * PaymentIntent created before its booking's first recorded creation (by a worker that recorded
 * nothing) is never taken for another's. What is left is a worker that records nothing creating a
 * PaymentIntent later for a booking that records: the relay's gate (creation-recording-workers.ts)
 * applies the rule only while no such worker polls.
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

/** An event's booking, the PaymentIntent it is about, and when Stripe says that PaymentIntent was created. */
export interface BookingPaymentIntent {
  bookingId: string;
  paymentIntentId: string;
  /** The PaymentIntent's `created` in the event; null when the event does not carry it. */
  createdAt: Date | null;
}

/**
 * How much later than its booking's first recorded creation a PaymentIntent must have been created to be
 * taken for another's: Stripe's clock and the database's may disagree by this much, not more.
 */
export const CLOCK_SKEW_MARGIN_SECONDS = 5;

/**
 * Of these pairs, the keys (`booking/PaymentIntent`) of those whose booking creates no PaymentIntent and never
 * created this one: at least one recorded creation, none unanswered, none answered with this PaymentIntent, and
 * this PaymentIntent created after the booking's first recorded creation started. A booking's own PaymentIntent
 * is never taken for another's: one it created on a worker that recorded nothing (before this was deployed,
 * or an older worker of a rolling deploy) was created before its creations were recorded, or while one was
 * unanswered; whether or not its learned status is still there.
 */
export async function neverCreatedByIdleBookings(
  db: Queryable,
  pairs: readonly BookingPaymentIntent[],
): Promise<Set<string>> {
  const dated = pairs.filter((pair) => pair.createdAt !== null);
  if (dated.length === 0) return new Set();
  const result = await db.query<{ booking_id: string; payment_intent_id: string }>(
    `SELECT DISTINCT asked.booking_id, asked.payment_intent_id
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS asked(booking_id, payment_intent_id, created_at)
       JOIN (SELECT booking_id, min(started_at) AS first_started_at,
                    bool_and(answered_at IS NOT NULL) AS all_answered,
                    array_agg(payment_intent_id) AS created
               FROM payment_intent_creations
              WHERE booking_id = ANY($1::text[])
              GROUP BY booking_id) AS booking ON booking.booking_id = asked.booking_id
      WHERE booking.all_answered
        AND NOT asked.payment_intent_id = ANY(booking.created)
        AND asked.created_at > booking.first_started_at + make_interval(secs => $4)`,
    [
      dated.map((pair) => pair.bookingId),
      dated.map((pair) => pair.paymentIntentId),
      dated.map((pair) => pair.createdAt),
      CLOCK_SKEW_MARGIN_SECONDS,
    ],
  );
  return new Set(
    result.rows.map((row) => pairKey({ bookingId: row.booking_id, paymentIntentId: row.payment_intent_id })),
  );
}

/** The key of a (booking, PaymentIntent) pair in neverCreatedByIdleBookings' answer. */
export function pairKey(pair: Pick<BookingPaymentIntent, 'bookingId' | 'paymentIntentId'>): string {
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
