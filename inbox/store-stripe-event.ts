/**
 * Stores a verified Stripe event in the inbox as its route says: once by event id, `pending` for the
 * relay or `ignored`; a `mandate.updated` is applied to the saved payment methods in the same
 * transaction as its insert. Used by the webhook receiver and by the reconciliation's event recovery.
 */
import type pg from 'pg';
import {
  bookingIdForPaymentIntent,
  markHandled,
  markIgnored,
  storeStripeEvent,
  type InboxStatus,
} from './inbox-store.js';
import { applyMandateStatus } from '../db/saved-payment-methods.js';
import { withTransaction } from '../db/transaction.js';
import { bookingIdForBalanceRefresh } from '../db/balance-refresh-requests.js';
import type { MandateStatusChange, StripeEventEnvelope } from './stripe-event-signal.js';
import { routeStripeEvent, type StripeEventRoute } from './stripe-event-routing.js';

/** What storing an event did. */
export interface StoredStripeEvent {
  /** False when the inbox already had the event (a redelivery): nothing changed. */
  isNew: boolean;
  /**
   * The status the event was stored with; for a redelivery, its route's status (`pending` or `ignored`), and
   * `ignored` for a redelivered `mandate.updated`, which changed nothing this time.
   */
  status: InboxStatus;
  route: StripeEventRoute;
}

/**
 * Stores a `mandate.updated` event and applies it to the saved payment methods with that mandate,
 * in one transaction: `handled` when a record changed, `ignored` (with the reason) when none has the
 * mandate or its recorded status is already as far along (pending, active, inactive). A redelivery changes nothing.
 */
async function storeMandateUpdate(
  db: pg.Pool,
  event: StripeEventEnvelope,
  change: MandateStatusChange,
): Promise<{ isNew: boolean; status: InboxStatus }> {
  return withTransaction(db, async (client) => {
    const isNew = await storeStripeEvent(client, {
      id: event.id,
      type: event.type,
      bookingId: null,
      paymentIntentId: null,
      payload: event,
      status: 'ignored',
    });
    if (!isNew) return { isNew, status: 'ignored' };
    const changed = await applyMandateStatus(client, change);
    if (changed > 0) {
      await markHandled(
        client,
        event.id,
        `mandate ${change.mandateId} ${change.status}: ${changed} saved payment method(s) updated`,
      );
      return { isNew, status: 'handled' };
    }
    await markIgnored(
      client,
      event.id,
      `no saved payment method has mandate ${change.mandateId} with a status before ${change.status}`,
    );
    return { isNew, status: 'ignored' };
  });
}

/** Stores an already routed event. */
export async function storeRoutedStripeEvent(
  db: pg.Pool,
  event: StripeEventEnvelope,
  route: StripeEventRoute,
): Promise<StoredStripeEvent> {
  if (route.kind === 'mandate') return { ...(await storeMandateUpdate(db, event, route.change)), route };
  return { isNew: await storeStripeEvent(db, route.row), status: route.row.status, route };
}

/** Routes a verified event, finding its booking in the database when the event does not name it. */
export function routeStripeEventWith(db: pg.Pool, event: StripeEventEnvelope): Promise<StripeEventRoute> {
  return routeStripeEvent(
    event,
    (paymentIntentId) => bookingIdForPaymentIntent(db, paymentIntentId),
    (accountId) => bookingIdForBalanceRefresh(db, accountId),
  );
}

/** Routes and stores a verified event, as the webhook receiver does with each delivery. */
export async function receiveStripeEvent(db: pg.Pool, event: StripeEventEnvelope): Promise<StoredStripeEvent> {
  return storeRoutedStripeEvent(db, event, await routeStripeEventWith(db, event));
}
