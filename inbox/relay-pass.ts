/**
 * One pass of the inbox relay: claims due events with `FOR UPDATE SKIP LOCKED` inside one
 * transaction (so any number of API processes can relay at once without delivering an event twice
 * or waiting on each other), signals them, and records each outcome on its locked row before committing.
 */
import type pg from 'pg';
import type { ApiConfig } from '../config/env.js';
import { withTransaction, type Queryable } from '../db/transaction.js';
import type { Logger } from '../telemetry/logger.js';
import { deliverEvent, targetWorkflowId, type DeliveryDecision, type EventDeliveryDeps } from './event-delivery.js';
import {
  assignBooking,
  bookingIdForPaymentIntent,
  claimPendingEvents,
  recordRelayOutcomes,
  type ClaimedStripeEvent,
  type RelayOutcome,
} from './inbox-store.js';
import {
  learnedStatuses,
  paymentIntentCreatedAt,
  paymentIntentStatusOf,
  repeatedStatusOutcome,
} from './learned-statuses.js';
import { neverCreatedByIdleBookings, neverCreatedOutcome, pairKey } from './payment-intent-creations.js';
import { retryDelayMs, type RelayRetryPolicy } from './relay-retry.js';

/** How a pass went, event by event outcome. */
export interface RelayPassResult {
  relayed: number;
  /**
   * Settled unsignalled: they repeat a status their booking already learned from Stripe's answer to its
   * own call, or are about a PaymentIntent it never learned while it creates none.
   */
  handled: number;
  retried: number;
  closed: number;
  ignored: number;
  /** Held back a little: about a PaymentIntent their booking has not learned yet (see heldBackDecisions). */
  deferred: number;
}

/** What the relay counts: each event's outcome (a relayed one with its delay from receipt to signal), and passes that failed whole. */
export interface RelayMetrics {
  countRelayOutcome(outcome: keyof RelayPassResult, event: { receivedAt: Date }): void;
  countRelayPassFailure(): void;
}

/** What a pass needs. */
export interface RelayPassDeps extends EventDeliveryDeps {
  db: pg.Pool;
  config: Pick<ApiConfig, 'RELAY_BATCH_SIZE' | 'TEMPORAL_RPC_TIMEOUT_MS'> &
    Partial<Pick<ApiConfig, 'RELAY_UNLEARNED_GRACE_MS'>>;
  logger: Logger;
  retry: RelayRetryPolicy;
  /** Counts outcomes (and the delay of relayed events) once they are committed. */
  metrics?: RelayMetrics;
  /**
   * Whether every worker records its PaymentIntent creations (creation-recording-workers.ts): only then
   * is an event about a PaymentIntent its booking never learned settled when the booking creates none.
   * Absent: never settled so.
   */
  creationsRecorded?: () => Promise<boolean>;
}

/** How many events a pass claimed and decided. */
export function handledCount(result: RelayPassResult): number {
  return result.relayed + result.handled + result.retried + result.closed + result.ignored + result.deferred;
}

/**
 * Ties events stored before their booking was known (a charge that came before any event of its
 * PaymentIntent) to the booking another event of that PaymentIntent has named since, on the locked row.
 */
async function resolveBookings(client: Queryable, claimed: ClaimedStripeEvent[]): Promise<ClaimedStripeEvent[]> {
  const resolved: ClaimedStripeEvent[] = [];
  for (const event of claimed) {
    const bookingId =
      event.bookingId ??
      (event.paymentIntentId === null ? null : await bookingIdForPaymentIntent(client, event.paymentIntentId));
    if (bookingId !== null && event.bookingId === null) await assignBooking(client, event.id, bookingId);
    resolved.push({ ...event, bookingId });
  }
  return resolved;
}

/** What to record on the event's locked row for a decision; logs it. */
function outcomeOf(
  { logger, retry }: Pick<RelayPassDeps, 'logger' | 'retry'>,
  event: ClaimedStripeEvent,
  decision: DeliveryDecision,
): RelayOutcome {
  const workflowId = targetWorkflowId(event);
  const ids = { eventId: event.id, eventType: event.type, bookingId: event.bookingId, workflowId };
  switch (decision.outcome) {
    case 'relayed':
      logger.info('stripe event relayed', ids);
      return { id: event.id, outcome: 'relayed' };
    case 'handled':
      logger.info('stripe event settled without a signal', { ...ids, reason: decision.reason });
      return { id: event.id, outcome: 'handled', reason: decision.reason };
    case 'ignored':
      logger.warn('stripe event ignored', { eventId: event.id, bookingId: event.bookingId, reason: decision.reason });
      return { id: event.id, outcome: 'ignored', reason: decision.reason };
    case 'deferred':
      logger.info('stripe event waits for its call to answer', { ...ids, until: decision.until.toISOString() });
      return { id: event.id, outcome: 'deferred', reason: decision.reason, nextAttemptAt: decision.until };
    case 'closed':
      logger.info('stripe event for a closed workflow', { eventId: event.id, bookingId: event.bookingId, workflowId });
      return { id: event.id, outcome: 'closed', reason: decision.reason };
    case 'retried': {
      const delay = retryDelayMs(event.attempts, retry);
      logger.warn('stripe event relay deferred', {
        eventId: event.id,
        bookingId: event.bookingId,
        workflowId,
        attempt: event.attempts + 1,
        retryInMs: delay,
        error: decision.reason,
      });
      return { id: event.id, outcome: 'retried', reason: decision.reason, nextAttemptAt: new Date(Date.now() + delay) };
    }
  }
}

/**
 * The decisions for claimed `payment_intent.*` events that are not signalled now (absent for every other event):
 * - one that only repeats the status its booking already learned from Stripe's answer to its own call
 *   (see learned-statuses.ts) is recorded as handled;
 * - one about a PaymentIntent its booking has not learned and never created, while the booking
 *   creates none (see payment-intent-creations.ts) and every worker records its creates, is recorded
 *   as handled: the workflow would drop it, since it keeps such events only while creating one;
 * - one about a PaymentIntent its booking has not learned at all, received less than `graceMs` ago,
 *   is deferred to the end of that grace: Stripe often sends the webhook before the answer to the
 *   call that made the PaymentIntent reaches the worker, and once the activity records that answer it
 *   settles the repeating event as handled, where a signal would have cost the booking a workflow task
 *   and a Stripe read. Still pending after the grace (an answer lost, another attempt's PaymentIntent),
 *   it is signalled as before.
 */
async function heldBackDecisions(
  client: Queryable,
  claimed: ClaimedStripeEvent[],
  graceMs: number,
  creationsRecorded: boolean,
): Promise<Map<string, DeliveryDecision>> {
  const withStatus = claimed.flatMap((event) => {
    const status = paymentIntentStatusOf(event.payload);
    return status !== null && event.paymentIntentId !== null
      ? [{ event, status, paymentIntentId: event.paymentIntentId }]
      : [];
  });
  const learned = await learnedStatuses(
    client,
    withStatus.map(({ paymentIntentId }) => paymentIntentId),
  );
  const unlearned = withStatus.flatMap(({ event, paymentIntentId }) =>
    !learned.has(paymentIntentId) && event.bookingId !== null
      ? [{ bookingId: event.bookingId, paymentIntentId, createdAt: paymentIntentCreatedAt(event.payload) }]
      : [],
  );
  const neverCreated = creationsRecorded ? await neverCreatedByIdleBookings(client, unlearned) : new Set<string>();
  const decisions = new Map<string, DeliveryDecision>();
  for (const { event, status, paymentIntentId } of withStatus) {
    const known = learned.get(paymentIntentId);
    const graceEnds = new Date(event.receivedAt.getTime() + graceMs);
    if (known === status) {
      decisions.set(event.id, { outcome: 'handled', reason: repeatedStatusOutcome(status) });
    } else if (
      known === undefined &&
      event.bookingId !== null &&
      neverCreated.has(pairKey({ bookingId: event.bookingId, paymentIntentId }))
    ) {
      decisions.set(event.id, { outcome: 'handled', reason: neverCreatedOutcome(paymentIntentId) });
    } else if (known === undefined && event.bookingId !== null && graceEnds.getTime() > Date.now()) {
      decisions.set(event.id, {
        outcome: 'deferred',
        reason: `PaymentIntent ${paymentIntentId} not learned by its booking yet: waiting for its call to answer`,
        until: graceEnds,
      });
    }
  }
  return decisions;
}

/** Claims up to RELAY_BATCH_SIZE due events, signals them and records what became of each. */
export async function runRelayPass(deps: RelayPassDeps): Promise<RelayPassResult> {
  const result: RelayPassResult = { relayed: 0, handled: 0, retried: 0, closed: 0, ignored: 0, deferred: 0 };
  const recorded: Array<[ClaimedStripeEvent, DeliveryDecision]> = [];
  // Asked before the claim: no Temporal call while the claimed rows are locked.
  const creationsRecorded = deps.creationsRecorded ? await deps.creationsRecorded() : false;
  await withTransaction(deps.db, async (client) => {
    const claimed = await resolveBookings(client, await claimPendingEvents(client, deps.config.RELAY_BATCH_SIZE));
    const heldBack = await heldBackDecisions(
      client,
      claimed,
      deps.config.RELAY_UNLEARNED_GRACE_MS ?? 0,
      creationsRecorded,
    );
    // Signals go out concurrently; the row locks are held until every outcome is recorded and committed.
    const decisions = await Promise.all(
      claimed.map((event) => {
        const held = heldBack.get(event.id);
        return held ? Promise.resolve(held) : deliverEvent(deps, event);
      }),
    );
    // One statement records every outcome, on the rows still locked by the claim.
    await recordRelayOutcomes(
      client,
      decisions.map((decision, index) => outcomeOf(deps, claimed[index], decision)),
    );
    for (const [index, decision] of decisions.entries()) {
      result[decision.outcome] += 1;
      recorded.push([claimed[index], decision]);
    }
  });
  for (const [event, decision] of recorded) deps.metrics?.countRelayOutcome(decision.outcome, event);
  return result;
}
