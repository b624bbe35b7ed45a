/**
 * The reconciliation's side effects: reading Stripe's recent events and storing those the inbox
 * missed, comparing open bookings (found through Temporal visibility, read with their query) with
 * their PaymentIntents, and giving up on inbox events no workflow will ever take. Built by a
 * factory from its clients; never reads the env. Work comes in bounded pages, with heartbeats.
 */
import { activityInfo, heartbeat, log } from '@temporalio/activity';
import { isGrpcServiceError, ServiceError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Pool } from 'pg';
import { isStripeEventEnvelope } from '../../inbox/stripe-event-signal.js';
import {
  bookingIdForPaymentIntent,
  ignorePendingEvent,
  knownEventIds,
  listStalePendingEvents,
  type StalePendingEvent,
} from '../../inbox/inbox-store.js';
import { routeStripeEventWith, storeRoutedStripeEvent } from '../../inbox/store-stripe-event.js';
import { isOurs, isSubscribedEventType } from '../../inbox/stripe-event-routing.js';
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import { bookingStateQuery, bookingWorkflowId } from '../../workflows/booking/contract.js';
import {
  MAX_REPORTED_ITEMS,
  OPEN_BOOKINGS_QUERY,
  type IgnoredInboxEvent,
  type RecoveredEvent,
  type UnreadableBooking,
} from '../../workflows/reconciliation/contract.js';
import { paymentMethodSetupWorkflowId } from '../../workflows/setup/contract.js';
import { findBookingDrift, MISSING_PAYMENT_INTENT, type BookingDrift } from './booking-drift.js';
import { classifyStripeError, isResourceMissingError } from '../common/classify-stripe-error.js';

/** Clients the reconciliation activities use. */
export interface ReconciliationActivityDeps {
  gateway: Pick<PaymentGateway, 'listEvents' | 'retrievePaymentIntent'>;
  db: Pool;
  /** A client of the worker's namespace, for visibility, queries and describes. */
  temporal: Client;
  /** Injected for tests; defaults to the system clock. */
  now?: () => Date;
}

/** Input of recoverMissedStripeEvents. */
export interface EventRecoveryInput {
  /** Unix seconds: events created at or after this are compared with the inbox. */
  createdSince: number;
  pageSize: number;
}

/** What the event recovery found. */
export interface EventRecoveryResult {
  listed: number;
  ours: number;
  recovered: number;
  /** The first MAX_REPORTED_ITEMS recovered events. */
  recoveredEvents: RecoveredEvent[];
}

/** Input of compareOpenBookings: one page of open bookings. */
export interface BookingComparisonInput {
  /** Visibility page token from the previous page (base64), null for the first page. */
  pageToken: string | null;
  pageSize: number;
  driftGraceSeconds: number;
}

/** One page of open bookings compared with Stripe. */
export interface BookingComparisonPage {
  checked: number;
  disagreements: BookingDrift[];
  unreadable: UnreadableBooking[];
  /** Null after the last page. */
  nextPageToken: string | null;
}

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

/** How long one booking's query may take before the booking counts as unreadable. */
const QUERY_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 300;
/** gRPC status UNAVAILABLE: Temporal itself cannot be reached, so the whole page is retried. */
const GRPC_UNAVAILABLE = 14;

function isTemporalUnreachable(error: unknown): boolean {
  const grpcError = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(grpcError) && (grpcError.code as number) === GRPC_UNAVAILABLE;
}

function describe(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, MAX_ERROR_LENGTH);
}

/** Progress of a long activity, kept in its heartbeat so a retry resumes where the last attempt stopped. */
function resumedProgress<T>(initial: T): T {
  const details = activityInfo().heartbeatDetails as T | undefined;
  return details ?? initial;
}

/** Builds the reconciliation activities over their clients. */
export function createReconciliationActivities(deps: ReconciliationActivityDeps) {
  const { gateway, db, temporal, now = () => new Date() } = deps;

  /** Stripe's current status of each PaymentIntent, `missing` for one Stripe does not know. */
  const readStatuses = async (paymentIntentIds: string[]): Promise<Map<string, string>> => {
    const statuses = new Map<string, string>();
    for (const paymentIntentId of paymentIntentIds) {
      try {
        statuses.set(paymentIntentId, (await gateway.retrievePaymentIntent(paymentIntentId)).status);
      } catch (error) {
        if (!isResourceMissingError(error)) throw classifyStripeError(error);
        statuses.set(paymentIntentId, MISSING_PAYMENT_INTENT);
      }
    }
    return statuses;
  };

  /** Why a stale pending event can be given up on, or null when its workflow exists (the relay's business). */
  const whyNothingWillTake = async (event: StalePendingEvent): Promise<string | null> => {
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
  };

  return {
    /**
     * Lists the Stripe events created since `createdSince` and stores each one of a subscribed type
     * that is ours and not in the inbox exactly as the webhook receiver would have (pending events are then relayed by
     * the API's inbox relay). Resumes after the last page a previous attempt finished.
     */
    async recoverMissedStripeEvents(input: EventRecoveryInput): Promise<EventRecoveryResult> {
      const progress = resumedProgress<EventRecoveryResult & { startingAfter: string | null }>({
        listed: 0,
        ours: 0,
        recovered: 0,
        recoveredEvents: [],
        startingAfter: null,
      });

      const storePage = async (page: unknown[]) => {
        const events = page.filter(isStripeEventEnvelope);
        const known = await knownEventIds(db, events.map((event) => event.id));
        // Stripe lists newest first; store each page oldest first, as the webhooks would have come.
        for (const event of [...events].reverse()) {
          if (!isSubscribedEventType(event.type)) continue;
          const route = await routeStripeEventWith(db, event);
          if (!isOurs(route)) continue;
          progress.ours += 1;
          if (known.has(event.id)) continue;
          const stored = await storeRoutedStripeEvent(db, event, route);
          if (!stored.isNew) continue;
          progress.recovered += 1;
          const recovered: RecoveredEvent = {
            eventId: event.id,
            type: event.type,
            bookingId: route.kind === 'inbox' ? route.row.bookingId : null,
            setupId: route.kind === 'inbox' ? (route.row.setupId ?? null) : null,
            status: stored.status,
          };
          if (progress.recoveredEvents.length < MAX_REPORTED_ITEMS) progress.recoveredEvents.push(recovered);
          log.info('stripe event recovered into the inbox', { ...recovered });
        }
        progress.listed += page.length;
        progress.startingAfter = (page.at(-1) as { id: string } | undefined)?.id ?? progress.startingAfter;
        heartbeat(progress);
      };

      let page: unknown[] = [];
      for await (const event of gateway.listEvents({
        createdSince: input.createdSince,
        pageSize: input.pageSize,
        ...(progress.startingAfter && { startingAfter: progress.startingAfter }),
      })) {
        page.push(event);
        if (page.length >= input.pageSize) {
          await storePage(page);
          page = [];
        }
      }
      if (page.length > 0) await storePage(page);
      return {
        listed: progress.listed,
        ours: progress.ours,
        recovered: progress.recovered,
        recoveredEvents: progress.recoveredEvents,
      };
    },

    /**
     * Compares one page of open bookings with Stripe: reads each booking's state with its query and
     * its PaymentIntents from Stripe, and applies the drift rules. A booking whose query fails is
     * reported as unreadable; Temporal or Stripe being unreachable fails the page, to be retried.
     */
    async compareOpenBookings(input: BookingComparisonInput): Promise<BookingComparisonPage> {
      const response = await temporal.workflowService.listWorkflowExecutions({
        namespace: temporal.options.namespace,
        query: OPEN_BOOKINGS_QUERY,
        pageSize: input.pageSize,
        nextPageToken: input.pageToken ? Buffer.from(input.pageToken, 'base64') : undefined,
      });
      const result: BookingComparisonPage = { checked: 0, disagreements: [], unreadable: [], nextPageToken: null };
      for (const execution of response.executions ?? []) {
        const workflowId = execution.execution?.workflowId;
        if (!workflowId) continue;
        let state;
        try {
          state = await temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
            temporal.workflow.getHandle(workflowId).query(bookingStateQuery),
          );
        } catch (error) {
          // Gone since the listing: nothing left to compare.
          if (error instanceof WorkflowNotFoundError) continue;
          if (isTemporalUnreachable(error)) throw error;
          result.unreadable.push({ workflowId, error: describe(error) });
          heartbeat({ checked: result.checked });
          continue;
        }
        const paymentIntentIds = [state.hold.paymentIntentId, state.payment?.paymentIntentId].filter(
          (id): id is string => typeof id === 'string' && id.length > 0,
        );
        const statuses = await readStatuses(paymentIntentIds);
        result.disagreements.push(...findBookingDrift(state, statuses, now(), input.driftGraceSeconds * 1000));
        result.checked += 1;
        heartbeat({ checked: result.checked });
      }
      const token = response.nextPageToken;
      result.nextPageToken = token && token.length > 0 ? Buffer.from(token).toString('base64') : null;
      return result;
    },

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
        const batch = await listStalePendingEvents(db, new Date(progress.receivedBefore), progress.afterId, input.batchSize);
        for (const event of batch) {
          const reason = await whyNothingWillTake(event);
          if (reason === null) {
            progress.stillPending += 1;
          } else if (await ignorePendingEvent(db, event.id, reason)) {
            progress.ignored += 1;
            if (progress.ignoredEvents.length < MAX_REPORTED_ITEMS) progress.ignoredEvents.push({ eventId: event.id, reason });
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

/** The reconciliation activities, as workflows type their proxies. */
export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
