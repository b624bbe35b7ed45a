/**
 * Where a webhook's verified event enters the inbox: it is routed and stored once by event id (a
 * `mandate.updated` applied to the saved payment methods in the same transaction), what became of
 * it is logged (ids and type only, never its body), and the relay is nudged when it waits for a
 * signal. The webhook answers Stripe 200 only once this has resolved, that is once the insert committed.
 */
import type pg from 'pg';
import { bookingWorkflowId } from '../workflows/booking/contract.js';
import type { Logger } from '../telemetry/logger.js';
import type { InboxRelay } from './inbox-relay.js';
import { receiveStripeEvent, type StoredStripeEvent } from './store-stripe-event.js';
import type { StripeEventEnvelope } from './stripe-event-signal.js';

/**
 * What became of a delivered event: `stored` pending for the relay, `handled` here (`mandate.updated`),
 * `ignored` (not ours), or `duplicate` (a redelivery; nothing changed).
 */
export const ACCEPTED_EVENT_OUTCOMES = ['stored', 'duplicate', 'ignored', 'handled'] as const;
export type AcceptedEventOutcome = (typeof ACCEPTED_EVENT_OUTCOMES)[number];

/** What the webhook learns about the event it handed over. */
export interface AcceptedWebhookEvent {
  outcome: AcceptedEventOutcome;
  /** The booking the event belongs to, when known. */
  bookingId: string | null;
}

/** What accepting an event needs. */
export interface WebhookInboxDeps {
  db: pg.Pool;
  /** Told about each newly stored pending event; the relay's timer picks up anything it misses. */
  relay?: Pick<InboxRelay, 'nudge'>;
  logger: Logger;
}

function outcomeOf({ isNew, status }: StoredStripeEvent): AcceptedEventOutcome {
  if (!isNew) return 'duplicate';
  if (status === 'pending') return 'stored';
  return status === 'handled' ? 'handled' : 'ignored';
}

/** Stores a verified event Stripe delivered, logs what became of it, and nudges the relay when it is pending. */
export async function acceptWebhookEvent(
  { db, relay, logger }: WebhookInboxDeps,
  event: StripeEventEnvelope,
): Promise<AcceptedWebhookEvent> {
  const stored = await receiveStripeEvent(db, event);
  const bookingId = stored.route.kind === 'mandate' ? null : stored.route.row.bookingId;
  const outcome = outcomeOf(stored);
  logger.info('stripe event received', {
    eventId: event.id,
    eventType: event.type,
    outcome,
    ...(bookingId !== null && { bookingId, workflowId: bookingWorkflowId(bookingId) }),
  });
  if (stored.status === 'pending') relay?.nudge();
  return { outcome, bookingId };
}
