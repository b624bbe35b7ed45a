/**
 * Pending inbox events past Stripe's webhook retry window that no workflow will ever take, marked
 * `ignored` with the reason; events for a workflow that exists are left to the relay.
 */
import { heartbeat, log } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import {
  bookingIdForPaymentIntent,
  ignorePendingEvent,
  listStalePendingEvents,
  type StalePendingEvent,
} from '../../inbox/inbox-store.js';
import { bookingWorkflowId } from '../../workflows/booking/contract.js';
import { MAX_REPORTED_ITEMS, type IgnoredInboxEvent } from '../../workflows/reconciliation/contract.js';
import { paymentMethodSetupWorkflowId } from '../../workflows/setup/contract.js';
import type { ReconciliationClients } from './reconciliation-activity-deps.js';
import { resumedProgress } from './resumed-progress.js';

/** Input of ignoreStaleInboxEvents. */
export interface StaleInboxInput {
  /** Pending events received longer ago than this are examined. */
  staleAfterSeconds: number;
  batchSize: number;
}

/** What became of the pending events past Stripe's retry window. */
export interface StaleInboxResult {
  ignored: number;
  stillPending: number;
  /** The first MAX_REPORTED_ITEMS ignored events, with the reason recorded in `last_error`. */
  ignoredEvents: IgnoredInboxEvent[];
}

/** Why a stale pending event can be given up on, or null when its workflow exists (the relay's business). */
async function whyNothingWillTake(
  { db, temporal }: Pick<ReconciliationClients, 'db' | 'temporal'>,
  event: StalePendingEvent,
): Promise<string | null> {
  const bookingId =
    event.bookingId ?? (event.paymentIntentId ? await bookingIdForPaymentIntent(db, event.paymentIntentId) : null);
  if (bookingId === null && event.setupId === null) {
    return event.paymentIntentId
      ? `PaymentIntent ${event.paymentIntentId} is not ours: no event named its booking within Stripe's webhook retry window`
      : 'the event names no booking, setup or PaymentIntent';
  }
  const workflowId = bookingId !== null ? bookingWorkflowId(bookingId) : paymentMethodSetupWorkflowId(event.setupId!);
  try {
    await temporal.workflow.getHandle(workflowId).describe();
    return null;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    return `workflow ${workflowId} does not exist (never started, or removed after its retention period)`;
  }
}

/** Builds the stale inbox activity over the inbox and Temporal's describe. */
export function createStaleInboxActivities(clients: Pick<ReconciliationClients, 'db' | 'temporal' | 'now'>) {
  const { db, now } = clients;
  return {
    /**
     * Marks `ignored`, with the reason, the pending inbox events received longer ago than Stripe
     * keeps retrying webhooks that no workflow will ever take: about a PaymentIntent no event tied to
     * a booking (not ours), or for a booking or setup whose workflow does not exist. Events for a
     * workflow that exists are left to the relay.
     */
    async ignoreStaleInboxEvents(input: StaleInboxInput): Promise<StaleInboxResult> {
      const progress = resumedProgress<StaleInboxResult & { afterId: string | null; receivedBefore: string }>({
        ignored: 0,
        stillPending: 0,
        ignoredEvents: [],
        afterId: null,
        receivedBefore: new Date(now().getTime() - input.staleAfterSeconds * 1000).toISOString(),
      });
      for (;;) {
        const batch = await listStalePendingEvents(
          db,
          new Date(progress.receivedBefore),
          progress.afterId,
          input.batchSize,
        );
        for (const event of batch) {
          const reason = await whyNothingWillTake(clients, event);
          if (reason === null) {
            progress.stillPending += 1;
          } else if (await ignorePendingEvent(db, event.id, reason)) {
            progress.ignored += 1;
            if (progress.ignoredEvents.length < MAX_REPORTED_ITEMS)
              progress.ignoredEvents.push({ eventId: event.id, reason });
            log.info('stale inbox event ignored', { eventId: event.id, reason });
          }
          progress.afterId = event.id;
        }
        heartbeat(progress);
        if (batch.length < input.batchSize) break;
      }
      return { ignored: progress.ignored, stillPending: progress.stillPending, ignoredEvents: progress.ignoredEvents };
    },
  };
}
