/**
 * The inbox relay: moves pending Stripe events from the Postgres inbox into their bookings' (or,
 * for SetupIntent events, their payment-method setups') workflows as signals. Each pass claims due events with `FOR UPDATE SKIP LOCKED` inside one
 * transaction, so any number of API processes can relay at once without delivering an event
 * twice or waiting on each other; an event that cannot be delivered yet backs off exponentially.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type pg from 'pg';
import type { ApiConfig } from '../config/env.js';
import {
  assignBooking,
  bookingIdForPaymentIntent,
  claimPendingEvents,
  markClosed,
  markIgnored,
  markRelayed,
  markRetry,
  type ClaimedStripeEvent,
} from './inbox-store.js';
import { withTransaction, type Queryable } from '../db/transaction.js';
import { bookingWorkflowId, stripeEventSignal } from '../workflows/booking/contract.js';
import { paymentMethodSetupWorkflowId } from '../workflows/setup/contract.js';
import { describeError, silentLogger, type Logger } from '../telemetry/logger.js';
import { isStripeEventEnvelope, toStripeEventSignal } from './stripe-event-signal.js';

/** Backoff between delivery attempts of one event: `initialDelayMs` doubling up to `maxDelayMs`. */
/** What the relay counts: each event's outcome (a relayed one with its delay from receipt to signal), and passes that failed whole. */
export interface RelayMetrics {
  countRelayOutcome(outcome: keyof RelayPassResult, event: { receivedAt: Date }): void;
  countRelayPassFailure(): void;
}

export interface RelayRetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** 1 s doubling, capped at 60 s. */
export const DEFAULT_RELAY_RETRY: RelayRetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 60_000 };

/** What the relay needs. */
export interface InboxRelayOptions {
  db: pg.Pool;
  temporal: Client;
  config: Pick<ApiConfig, 'RELAY_INTERVAL_MS' | 'RELAY_BATCH_SIZE' | 'TEMPORAL_RPC_TIMEOUT_MS'>;
  logger?: Logger;
  retry?: RelayRetryPolicy;
  /** Counts outcomes (and the delay of relayed events) once they are committed, and failed passes. */
  metrics?: RelayMetrics;
}

/** How a pass went, event by event outcome. */
export interface RelayPassResult {
  relayed: number;
  retried: number;
  closed: number;
  ignored: number;
}

/** A running relay. */
export interface InboxRelay {
  /** Stops the timer and waits for passes in flight to finish. */
  stop(): Promise<void>;
  /**
   * Says new events are waiting (the webhook's fast path): starts a pass unless the nudged one is
   * still running, in which case one more follows it. However many webhooks arrive at once, nudges
   * hold at most one database connection, so the receiver keeps the rest of the pool.
   */
  nudge(): void;
}

/** What to record for one claimed event. */
type Decision =
  | { outcome: 'relayed' }
  | { outcome: 'retried' | 'closed' | 'ignored'; reason: string };

/** The workflow an event goes to: its booking's, else its setup's; null while neither is known. */
function targetWorkflowId(event: Pick<ClaimedStripeEvent, 'bookingId' | 'setupId'>): string | null {
  if (event.bookingId !== null) return bookingWorkflowId(event.bookingId);
  if (event.setupId !== null) return paymentMethodSetupWorkflowId(event.setupId);
  return null;
}

/** Delay before the next attempt, given how many attempts already failed. */
export function retryDelayMs(failedAttempts: number, policy: RelayRetryPolicy = DEFAULT_RELAY_RETRY): number {
  return Math.min(policy.initialDelayMs * 2 ** Math.min(failedAttempts, 30), policy.maxDelayMs);
}

/** How many events a pass claimed and decided. */
function handledCount(result: RelayPassResult): number {
  return result.relayed + result.retried + result.closed + result.ignored;
}

const MAX_ERROR_LENGTH = 500;
/** Longest pause between passes while the database keeps failing. */
const MAX_PASS_BACKOFF_MS = 30_000;

/** Starts relaying: one pass every RELAY_INTERVAL_MS (back to back while full batches keep coming). */
export function startInboxRelay({
  db,
  temporal,
  config,
  logger = silentLogger,
  retry = DEFAULT_RELAY_RETRY,
  metrics,
}: InboxRelayOptions): InboxRelay {
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const rpcDeadline = () => Date.now() + config.TEMPORAL_RPC_TIMEOUT_MS;

  /** Distinguishes "workflow finished" (nothing will ever take the event) from "not started yet". */
  const workflowHasClosed = async (workflowId: string): Promise<string | null> => {
    try {
      const description = await temporal.withDeadline(rpcDeadline(), () =>
        temporal.workflow.getHandle(workflowId).describe(),
      );
      return description.status.name === 'RUNNING' ? null : description.status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  };

  /**
   * Ties events stored before their booking was known (a charge that came before any event of its
   * PaymentIntent) to the booking another event of that PaymentIntent has named since, on the locked row.
   */
  const resolveBookings = async (client: Queryable, claimed: ClaimedStripeEvent[]): Promise<ClaimedStripeEvent[]> => {
    const resolved: ClaimedStripeEvent[] = [];
    for (const event of claimed) {
      const bookingId =
        event.bookingId ??
        (event.paymentIntentId === null ? null : await bookingIdForPaymentIntent(client, event.paymentIntentId));
      if (bookingId !== null && event.bookingId === null) await assignBooking(client, event.id, bookingId);
      resolved.push({ ...event, bookingId });
    }
    return resolved;
  };

  /** Signals one event and decides what to record; touches no database connection, so attempts can run in parallel. */
  const attemptDelivery = async (event: ClaimedStripeEvent): Promise<Decision> => {
    if (!isStripeEventEnvelope(event.payload)) {
      return { outcome: 'ignored', reason: 'stored payload is not a Stripe event' };
    }
    const workflowId = targetWorkflowId(event);
    if (workflowId === null) {
      if (event.paymentIntentId === null) return { outcome: 'ignored', reason: 'event names no booking, setup or PaymentIntent' };
      return { outcome: 'retried', reason: `no booking known yet for PaymentIntent ${event.paymentIntentId}` };
    }
    const signal = toStripeEventSignal(event.payload);
    try {
      await temporal.withDeadline(rpcDeadline(), () =>
        temporal.workflow.getHandle(workflowId).signal(stripeEventSignal, signal),
      );
      return { outcome: 'relayed' };
    } catch (signalError) {
      let reason = describeError(signalError);
      if (signalError instanceof WorkflowNotFoundError) {
        try {
          const closedStatus = await workflowHasClosed(workflowId);
          if (closedStatus) return { outcome: 'closed', reason: `workflow ${workflowId} is ${closedStatus}` };
          reason = `workflow ${workflowId} not started yet`;
        } catch (describeFailure) {
          reason = describeError(describeFailure);
        }
      }
      return { outcome: 'retried', reason: reason.slice(0, MAX_ERROR_LENGTH) };
    }
  };

  /** Records a decision on the event's locked row, in the claiming transaction. */
  const recordDecision = async (client: Queryable, event: ClaimedStripeEvent, decision: Decision) => {
    const workflowId = targetWorkflowId(event);
    switch (decision.outcome) {
      case 'relayed':
        await markRelayed(client, event.id);
        logger.info('stripe event relayed', { eventId: event.id, eventType: event.type, bookingId: event.bookingId, workflowId });
        return;
      case 'ignored':
        await markIgnored(client, event.id, decision.reason);
        logger.warn('stripe event ignored', { eventId: event.id, bookingId: event.bookingId, reason: decision.reason });
        return;
      case 'closed':
        await markClosed(client, event.id, decision.reason);
        logger.info('stripe event for a closed workflow', { eventId: event.id, bookingId: event.bookingId, workflowId });
        return;
      case 'retried': {
        const delay = retryDelayMs(event.attempts, retry);
        await markRetry(client, event.id, decision.reason, new Date(Date.now() + delay));
        logger.warn('stripe event relay deferred', {
          eventId: event.id,
          bookingId: event.bookingId,
          workflowId,
          attempt: event.attempts + 1,
          retryInMs: delay,
          error: decision.reason,
        });
        return;
      }
    }
  };

  const runPass = async (): Promise<RelayPassResult> => {
    const result: RelayPassResult = { relayed: 0, retried: 0, closed: 0, ignored: 0 };
    const recorded: Array<[ClaimedStripeEvent, Decision]> = [];
    await withTransaction(db, async (client) => {
      const claimed = await resolveBookings(client, await claimPendingEvents(client, config.RELAY_BATCH_SIZE));
      // Signals go out concurrently; the row locks are held until every outcome is recorded and committed.
      const decisions = await Promise.all(claimed.map(attemptDelivery));
      for (const [index, decision] of decisions.entries()) {
        await recordDecision(client, claimed[index], decision);
        result[decision.outcome] += 1;
        recorded.push([claimed[index], decision]);
      }
    });
    for (const [event, decision] of recorded) metrics?.countRelayOutcome(decision.outcome, event);
    return result;
  };

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  let consecutiveFailures = 0;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void track(runPass())
        .then((result) => {
          consecutiveFailures = 0;
          schedule(handledCount(result) >= config.RELAY_BATCH_SIZE ? 0 : config.RELAY_INTERVAL_MS);
        })
        .catch((error: unknown) => {
          // Postgres itself is failing: back off so an outage does not turn into a log flood.
          consecutiveFailures += 1;
          metrics?.countRelayPassFailure();
          logger.error('inbox relay pass failed', { error: describeError(error), consecutiveFailures });
          schedule(Math.min(config.RELAY_INTERVAL_MS * 2 ** Math.min(consecutiveFailures, 10), MAX_PASS_BACKOFF_MS));
        });
    }, delayMs);
  };

  schedule(0);

  /** The nudged pass in flight, and whether another nudge came while it ran. */
  let nudgedPass: Promise<unknown> | undefined;
  let nudgedAgain = false;
  const runNudgedPass = () => {
    nudgedAgain = false;
    nudgedPass = track(runPass())
      .then((result) => {
        // A full batch means more may be due than one pass took.
        if (handledCount(result) >= config.RELAY_BATCH_SIZE) nudgedAgain = true;
      })
      .catch((error: unknown) => {
        // The timer's passes retry with backoff; a nudge only says to start sooner.
        logger.warn('inbox relay nudge failed', { error: describeError(error) });
      })
      .finally(() => {
        nudgedPass = undefined;
        if (nudgedAgain && !stopped) runNudgedPass();
      });
  };

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
    nudge() {
      if (stopped) return;
      if (nudgedPass) nudgedAgain = true;
      else runNudgedPass();
    },
  };
}
