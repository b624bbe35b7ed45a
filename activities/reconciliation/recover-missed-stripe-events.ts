/**
 * Stripe events the webhooks never delivered: listed from Stripe and stored in the inbox exactly as
 * the webhook receiver would have, page by page, resuming after the last page stored.
 */
import { heartbeat, log } from '@temporalio/activity';
import { knownEventIds } from '../../inbox/inbox-store.js';
import { isStripeEventEnvelope } from '../../inbox/stripe-event-signal.js';
import { routeStripeEventWith, storeRoutedStripeEvent } from '../../inbox/store-stripe-event.js';
import { isOurs, isSubscribedEventType } from '../../inbox/stripe-event-routing.js';
import { MAX_REPORTED_ITEMS, type RecoveredEvent } from '../../workflows/reconciliation/contract.js';
import type { ReconciliationClients } from './reconciliation-activity-deps.js';
import { resumedProgress } from './resumed-progress.js';

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

/** Builds the event recovery activity over Stripe's event list and the inbox. */
export function createEventRecoveryActivities({ gateway, db }: Pick<ReconciliationClients, 'gateway' | 'db'>) {
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
        const known = await knownEventIds(
          db,
          events.map((event) => event.id),
        );
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
  };
}
