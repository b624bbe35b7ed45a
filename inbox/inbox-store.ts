/**
 * The Stripe webhook inbox (`stripe_events`): every SQL statement that reads or writes it.
 * The webhook receiver stores events (and handles some itself); the inbox relay claims, signals and marks them;
 * the reconciliation stores events the receiver missed and gives up on pending ones no workflow will take.
 */
import type { Queryable } from '../db/transaction.js';

/**
 * Lifecycle of an inbox row: `pending` until relayed to its workflow (`relayed`), `closed` when that
 * workflow had finished, `ignored` when no workflow or record is concerned, `handled` when the
 * receiver applied it itself (`mandate.updated`).
 */
export const INBOX_STATUSES = ['pending', 'relayed', 'ignored', 'closed', 'handled'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

/** A verified Stripe event as the webhook receiver stores it. */
export interface NewStripeEvent {
  id: string;
  type: string;
  bookingId: string | null;
  paymentIntentId: string | null;
  /** The payment-method setup a SetupIntent event belongs to (`metadata.setup_id`); relayed to its workflow. */
  setupId?: string | null;
  /** The whole verified event; stays in Postgres, never relayed or logged. */
  payload: unknown;
  /**
   * `pending` for events about a booking or a setup, or about a PaymentIntent whose booking is not
   * known yet (`bookingId` null: the relay finds it through the PaymentIntent's other events);
   * `ignored` for events the relay has nothing to do with; `handled` for a booking's events that
   * change nothing its workflow knows (see EVENTS_CARRIED_ELSEWHERE), with `outcome` saying why.
   */
  status: Extract<InboxStatus, 'pending' | 'ignored' | 'handled'>;
  /** Why an event of a booking's was not relayed (kept in `last_error`, as `markHandled` does). */
  outcome?: string;
}

/** A pending event claimed by the relay, with everything it needs to signal the workflow. */
export interface ClaimedStripeEvent {
  id: string;
  type: string;
  /** Null while the event's PaymentIntent is not yet tied to a booking. */
  bookingId: string | null;
  paymentIntentId: string | null;
  /** Set for SetupIntent events: the setup whose workflow receives them. */
  setupId: string | null;
  payload: unknown;
  attempts: number;
  receivedAt: Date;
}

interface ClaimedRow {
  id: string;
  type: string;
  booking_id: string | null;
  payment_intent_id: string | null;
  setup_id: string | null;
  payload: unknown;
  attempts: number;
  received_at: Date;
}

const CLAIM_COLUMNS = 'id, type, booking_id, payment_intent_id, setup_id, payload, attempts, received_at';

function toClaimedEvent(row: ClaimedRow): ClaimedStripeEvent {
  return {
    id: row.id,
    type: row.type,
    bookingId: row.booking_id,
    paymentIntentId: row.payment_intent_id,
    setupId: row.setup_id,
    payload: row.payload,
    attempts: row.attempts,
    receivedAt: row.received_at,
  };
}

/**
 * `JSON.stringify(payload)` as jsonb takes it: PostgreSQL refuses `\u0000` and unpaired surrogates
 * (which JSON.stringify writes as `\udXXX`), so both become U+FFFD; an escaped backslash before a
 * `u` is left alone. Stripe sends neither; a signed body that does is still stored, not retried forever.
 */
export function storablePayload(payload: unknown): string {
  return JSON.stringify(payload).replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi, '$1\\ufffd');
}

/** Stores an event once by its Stripe id; returns true if it was new, false for a redelivery. */
export async function storeStripeEvent(db: Queryable, event: NewStripeEvent): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO stripe_events (id, type, booking_id, payment_intent_id, setup_id, payload, status, last_error, relayed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7 = 'handled' THEN now() END)
     ON CONFLICT (id) DO NOTHING`,
    [
      event.id,
      event.type,
      event.bookingId,
      event.paymentIntentId,
      event.setupId ?? null,
      storablePayload(event.payload),
      event.status,
      event.outcome ?? null,
    ],
  );
  return result.rowCount === 1;
}

/**
 * The booking an earlier event tied to this PaymentIntent. Charge and dispute objects do not carry
 * the PaymentIntent's metadata, so their events find their booking through the PaymentIntent.
 */
export async function bookingIdForPaymentIntent(db: Queryable, paymentIntentId: string): Promise<string | null> {
  const result = await db.query<{ booking_id: string }>(
    `SELECT booking_id FROM stripe_events
      WHERE payment_intent_id = $1 AND booking_id IS NOT NULL
      ORDER BY received_at
      LIMIT 1`,
    [paymentIntentId],
  );
  return result.rows[0]?.booking_id ?? null;
}

/**
 * Locks up to `limit` pending events that are due, oldest first. Must run inside a transaction
 * (see `withTransaction`): rows stay locked until it ends, and `SKIP LOCKED` lets concurrent
 * relays take different rows instead of waiting for, or double-delivering, these.
 */
export async function claimPendingEvents(client: Queryable, limit: number): Promise<ClaimedStripeEvent[]> {
  const result = await client.query<ClaimedRow>(
    `SELECT ${CLAIM_COLUMNS}
       FROM stripe_events
      WHERE status = 'pending' AND next_attempt_at <= now()
      ORDER BY received_at, id
      LIMIT $1
      FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return result.rows.map(toClaimedEvent);
}

/** Ties an event to the booking found through its PaymentIntent. */
export async function assignBooking(db: Queryable, id: string, bookingId: string): Promise<void> {
  await db.query(`UPDATE stripe_events SET booking_id = $2 WHERE id = $1 AND booking_id IS NULL`, [id, bookingId]);
}

/** What a relay pass decided for one claimed event, as recorded on its row. */
export type RelayOutcome =
  | { id: string; outcome: 'relayed' }
  | { id: string; outcome: 'handled' | 'closed' | 'ignored'; reason: string }
  /** The signal failed for a reason that may pass (workflow not started yet, Temporal down): try again later. */
  | { id: string; outcome: 'retried'; reason: string; nextAttemptAt: Date }
  /** Held back, not attempted: claimed again at `nextAttemptAt` unless settled before (see relay-pass.ts). */
  | { id: string; outcome: 'deferred'; reason: string; nextAttemptAt: Date };

/**
 * Records a pass's outcomes on their locked rows in one statement: `relayed` (the signal reached
 * the workflow), `handled` (repeats what the workflow learned; not signalled), `closed` (the
 * workflow had finished: nothing will ever receive it), `ignored` (no booking to relay to), or
 * `retried` (still pending, tried again at `nextAttemptAt`), or `deferred` (still pending, not attempted, claimed
 * again at `nextAttemptAt`). Each signal attempt counts in `attempts`.
 */
export async function recordRelayOutcomes(db: Queryable, outcomes: readonly RelayOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const reasonOf = (outcome: RelayOutcome) => ('reason' in outcome ? outcome.reason : null);
  await db.query(
    `UPDATE stripe_events AS event
        SET status = CASE WHEN decided.outcome IN ('retried', 'deferred') THEN 'pending' ELSE decided.outcome END,
            attempts = event.attempts + CASE WHEN decided.outcome IN ('relayed', 'closed', 'retried') THEN 1 ELSE 0 END,
            relayed_at = CASE WHEN decided.outcome IN ('relayed', 'handled') THEN now() ELSE event.relayed_at END,
            last_error = decided.reason,
            next_attempt_at = coalesce(decided.next_attempt_at, event.next_attempt_at)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS decided(id, outcome, reason, next_attempt_at)
      WHERE event.id = decided.id AND event.status = 'pending'`,
    [
      outcomes.map((outcome) => outcome.id),
      outcomes.map((outcome) => outcome.outcome),
      outcomes.map(reasonOf),
      outcomes.map((outcome) => ('nextAttemptAt' in outcome ? outcome.nextAttemptAt : null)),
    ],
  );
}

/** The event concerns no booking this service can relay to. */
export async function markIgnored(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(`UPDATE stripe_events SET status = 'ignored', last_error = $2 WHERE id = $1`, [id, reason]);
}

/** The receiver applied the event itself (no workflow receives it); `outcome` says what it changed. */
export async function markHandled(db: Queryable, id: string, outcome: string): Promise<void> {
  await db.query(`UPDATE stripe_events SET status = 'handled', relayed_at = now(), last_error = $2 WHERE id = $1`, [
    id,
    outcome,
  ]);
}

/** How many events wait to be relayed, and since when the oldest one has waited. */
export interface InboxDepth {
  pending: number;
  oldestPendingReceivedAt: Date | null;
}

/** Backlog of the inbox, for readiness details and metrics. */
export async function inboxDepth(db: Queryable): Promise<InboxDepth> {
  const result = await db.query<{ pending: string; oldest: Date | null }>(
    `SELECT count(*) AS pending, min(received_at) AS oldest FROM stripe_events WHERE status = 'pending'`,
  );
  const row = result.rows[0];
  return { pending: Number(row?.pending ?? 0), oldestPendingReceivedAt: row?.oldest ?? null };
}

/** Which of these event ids the inbox already has, whatever their status. */
export async function knownEventIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const result = await db.query<{ id: string }>(`SELECT id FROM stripe_events WHERE id = ANY($1::text[])`, [ids]);
  return new Set(result.rows.map((row) => row.id));
}

/** A pending event that has waited longer than Stripe would keep retrying its webhook. */
export interface StalePendingEvent {
  id: string;
  bookingId: string | null;
  paymentIntentId: string | null;
  setupId: string | null;
}

/** Up to `limit` pending events received before `receivedBefore`, by id after `afterId` (a cursor over batches). */
export async function listStalePendingEvents(
  db: Queryable,
  receivedBefore: Date,
  afterId: string | null,
  limit: number,
): Promise<StalePendingEvent[]> {
  const result = await db.query<{
    id: string;
    booking_id: string | null;
    payment_intent_id: string | null;
    setup_id: string | null;
  }>(
    `SELECT id, booking_id, payment_intent_id, setup_id
       FROM stripe_events
      WHERE status = 'pending' AND received_at < $1 AND ($2::text IS NULL OR id > $2)
      ORDER BY id
      LIMIT $3`,
    [receivedBefore, afterId, limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    bookingId: row.booking_id,
    paymentIntentId: row.payment_intent_id,
    setupId: row.setup_id,
  }));
}

/** Gives up on a pending event (no workflow will ever take it); false if the relay settled it meanwhile. */
export async function ignorePendingEvent(db: Queryable, id: string, reason: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE stripe_events SET status = 'ignored', last_error = $2 WHERE id = $1 AND status = 'pending'`,
    [id, reason],
  );
  return result.rowCount === 1;
}

/** How many inbox events are in each status (every status present, zero when none), for metrics. */
export async function countEventsByStatus(db: Queryable): Promise<Record<InboxStatus, number>> {
  const result = await db.query<{ status: InboxStatus; count: string }>(
    'SELECT status, count(*) AS count FROM stripe_events GROUP BY status',
  );
  const counts = Object.fromEntries(INBOX_STATUSES.map((status) => [status, 0])) as Record<InboxStatus, number>;
  for (const row of result.rows) counts[row.status] = Number(row.count);
  return counts;
}

/** An inbox row the retention purge may delete: settled, and received before the retention cut-off. */
export interface ExpiredInboxEvent {
  id: string;
  bookingId: string | null;
  setupId: string | null;
  /** `received_at` as Postgres writes it, to the microsecond (a Date would round it to the millisecond). */
  receivedAt: string;
}

/**
 * Up to `limit` settled (not `pending`) events received before `receivedBefore`, oldest first, after the
 * `(receivedAt, id)` cursor; walks `stripe_events_settled_received_at_idx`.
 */
export async function listExpiredSettledEvents(
  db: Queryable,
  receivedBefore: Date,
  after: { at: string; id: string } | null,
  limit: number,
): Promise<ExpiredInboxEvent[]> {
  const result = await db.query<{
    id: string;
    booking_id: string | null;
    setup_id: string | null;
    received_at: string;
  }>(
    `SELECT id, booking_id, setup_id, received_at::text AS received_at
       FROM stripe_events
      WHERE status <> 'pending' AND received_at < $1 AND (received_at, id) > ($2::timestamptz, $3::text)
      ORDER BY received_at, id
      LIMIT $4`,
    [receivedBefore, after?.at ?? '-infinity', after?.id ?? '', limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    bookingId: row.booking_id,
    setupId: row.setup_id,
    receivedAt: row.received_at,
  }));
}

/**
 * Deletes these events if they are still settled and received before `receivedBefore`, except one
 * whose PaymentIntent a pending event shares: the relay finds that event's booking through it.
 * Returns how many were deleted.
 */
export async function deleteExpiredSettledEvents(
  db: Queryable,
  ids: readonly string[],
  receivedBefore: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.query(
    `DELETE FROM stripe_events settled
      WHERE settled.id = ANY($1::text[]) AND settled.status <> 'pending' AND settled.received_at < $2
        AND NOT EXISTS (
          SELECT 1 FROM stripe_events waiting
           WHERE waiting.status = 'pending' AND waiting.payment_intent_id = settled.payment_intent_id
        )`,
    [ids, receivedBefore],
  );
  return result.rowCount ?? 0;
}
