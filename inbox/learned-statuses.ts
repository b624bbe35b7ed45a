/**
 * What a booking's workflow already knows of its PaymentIntents: the status Stripe answered to the
 * workflow's own last call about each (`payment_intent_statuses`). A `payment_intent.*` event that
 * carries that same status repeats the answer, so the relay records it as `handled` instead of
 * signalling it: no signal, no workflow task, no Stripe read to order it.
 *
 * Why this is safe: the status is recorded by the activity that got the answer, after Stripe gave
 * it and before the activity returns it. The workflow applies every PaymentIntent an activity
 * returns; if that attempt's result is lost, the retry (or the read of an unknown outcome) brings
 * an answer at least as recent. So the workflow learns the status, or a later one, either way.
 * Only an event equal to the last learned status is held back; any other is relayed as before.
 */
import type pg from 'pg';
import { withTransaction, type Queryable } from '../db/transaction.js';
import { isPaymentIntentEvent, isStripeEventEnvelope } from './stripe-event-signal.js';

/** A PaymentIntent's status as an activity learned it from Stripe. */
export interface LearnedStatus {
  paymentIntentId: string;
  status: string;
}

/** Why the relay holds back an event repeating a learned status (recorded on its inbox row). */
export function repeatedStatusOutcome(status: string): string {
  return `repeats ${status}, which the booking already learned from Stripe's answer to its own call`;
}

/**
 * Records a learned status, and settles as `handled` the pending events of that PaymentIntent that
 * carry exactly it (rows a relay is signalling right now are skipped, not waited for).
 * Returns how many events it settled.
 */
export async function recordLearnedStatus(db: pg.Pool, learned: LearnedStatus): Promise<number> {
  return withTransaction(db, (client) => recordLearnedStatusIn(client, learned));
}

/** recordLearnedStatus inside the caller's transaction. */
export async function recordLearnedStatusIn(client: Queryable, learned: LearnedStatus): Promise<number> {
  // The same status again (a placement's, recorded with its creation, then by its activity) writes nothing.
  await client.query(
    `INSERT INTO payment_intent_statuses (payment_intent_id, status) VALUES ($1, $2)
     ON CONFLICT (payment_intent_id) DO UPDATE SET status = EXCLUDED.status, learned_at = now()
      WHERE payment_intent_statuses.status <> EXCLUDED.status`,
    [learned.paymentIntentId, learned.status],
  );
  const settled = await client.query(
    `UPDATE stripe_events SET status = 'handled', relayed_at = now(), last_error = $3
      WHERE id IN (
        SELECT id FROM stripe_events
         WHERE payment_intent_id = $1 AND status = 'pending' AND starts_with(type, 'payment_intent.')
           AND payload->'data'->'object'->>'status' = $2
           FOR UPDATE SKIP LOCKED)`,
    [learned.paymentIntentId, learned.status, repeatedStatusOutcome(learned.status)],
  );
  return settled.rowCount ?? 0;
}

/** The learned statuses of these PaymentIntents (those with none are absent). */
export async function learnedStatuses(
  db: Queryable,
  paymentIntentIds: readonly string[],
): Promise<Map<string, string>> {
  if (paymentIntentIds.length === 0) return new Map();
  const result = await db.query<{ payment_intent_id: string; status: string }>(
    'SELECT payment_intent_id, status FROM payment_intent_statuses WHERE payment_intent_id = ANY($1::text[])',
    [paymentIntentIds],
  );
  return new Map(result.rows.map((row) => [row.payment_intent_id, row.status]));
}

/** When the PaymentIntent of a stored `payment_intent.*` event was created, by Stripe's `created`; null if absent. */
export function paymentIntentCreatedAt(payload: unknown): Date | null {
  if (!isStripeEventEnvelope(payload) || !isPaymentIntentEvent(payload)) return null;
  const created = (payload.data.object as { created?: unknown }).created;
  return typeof created === 'number' && Number.isFinite(created) ? new Date(created * 1000) : null;
}

/** The status a stored `payment_intent.*` event carries; null for any other event. */
export function paymentIntentStatusOf(payload: unknown): string | null {
  if (!isStripeEventEnvelope(payload) || !isPaymentIntentEvent(payload)) return null;
  const status = payload.data.object.status;
  return typeof status === 'string' ? status : null;
}

/** A learned status the retention purge may delete: learned before the retention cut-off. */
export interface ExpiredLearnedStatus {
  id: string;
  /** `learned_at` as Postgres writes it (microseconds), for the purge's cursor. */
  learnedAt: string;
}

/**
 * Statuses learned before `learnedBefore`, oldest first, after the `(learnedAt, id)` cursor. Deleting one
 * only makes the relay signal an event that repeats it, as before it was learned.
 */
export async function listExpiredLearnedStatuses(
  db: Queryable,
  learnedBefore: Date,
  after: { at: string; id: string } | null,
  limit: number,
): Promise<ExpiredLearnedStatus[]> {
  const result = await db.query<{ payment_intent_id: string; learned_at: string }>(
    `SELECT payment_intent_id, learned_at::text AS learned_at
       FROM payment_intent_statuses
      WHERE learned_at < $1 AND (learned_at, payment_intent_id) > ($2::timestamptz, $3::text)
      ORDER BY learned_at, payment_intent_id
      LIMIT $4`,
    [learnedBefore, after?.at ?? '-infinity', after?.id ?? '', limit],
  );
  return result.rows.map((row) => ({ id: row.payment_intent_id, learnedAt: row.learned_at }));
}

/** Deletes these learned statuses if still learned before `learnedBefore`; returns how many were deleted. */
export async function deleteExpiredLearnedStatuses(
  db: Queryable,
  ids: readonly string[],
  learnedBefore: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.query(
    'DELETE FROM payment_intent_statuses WHERE payment_intent_id = ANY($1::text[]) AND learned_at < $2',
    [ids, learnedBefore],
  );
  return result.rowCount ?? 0;
}
