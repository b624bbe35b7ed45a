/**
 * The inbox's rules for a verified Stripe event: is it ours, which booking or payment-method setup
 * it belongs to, and in which status it is stored. The webhook receiver and the reconciliation's
 * event recovery both follow them, so an event recovered from Stripe's list is stored exactly as
 * its webhook would have been.
 */
import type { NewStripeEvent } from './inbox-store.js';
import {
  bookingIdOf,
  isPaymentIntentEvent,
  mandateStatusChangeOf,
  paymentIntentIdOf,
  setupIdOf,
  withoutClientSecret,
  type MandateStatusChange,
  type StripeEventEnvelope,
} from './stripe-event-signal.js';

/**
 * The event types the webhook endpoint is subscribed to (README: `payment_intent.*`, `charge.*`,
 * `setup_intent.*`, `mandate.updated`). Events of other types were never missed, only not sent.
 */
export const SUBSCRIBED_EVENT_TYPES = [
  'payment_intent.*',
  'charge.*',
  'setup_intent.*',
  'mandate.updated',
  'financial_connections.account.refreshed_balance',
] as const;

/** True when Stripe sends events of this type to the webhook endpoint. */
export function isSubscribedEventType(type: string): boolean {
  return SUBSCRIBED_EVENT_TYPES.some((pattern) =>
    pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern,
  );
}

/**
 * Booking events the receiver records as `handled` instead of relaying, with why: none can change
 * what a booking's workflow knows. A charge's change is carried by its PaymentIntent's own event,
 * which is relayed (or held back as a repeat, see learned-statuses.ts); `payment_intent.created`
 * announces a PaymentIntent the workflow created itself and learned from Stripe's answer (or, when
 * that answer was lost, finds by its metadata). Disputes (`charge.dispute.*`) and refunds landing
 * (`charge.refund.updated`) have no PaymentIntent event and are relayed.
 */
export const EVENTS_CARRIED_ELSEWHERE: Readonly<Record<string, string>> = {
  'payment_intent.created': "the booking created this PaymentIntent and learned it from Stripe's answer",
  'charge.succeeded': 'payment_intent.amount_capturable_updated or payment_intent.succeeded carries it',
  'charge.pending': 'payment_intent.processing carries it',
  'charge.failed': 'payment_intent.payment_failed carries it',
  'charge.captured': 'payment_intent.succeeded carries it',
  'charge.expired': 'payment_intent.canceled carries it',
  'charge.refunded':
    'payment_intent.canceled carries a released hold; a refund is followed through charge.refund.updated',
  'charge.updated': 'it changes no status a booking follows',
};

/**
 * Where an event goes: `mandate` events are applied to the saved payment methods when received;
 * every other event becomes an inbox row, `pending` for the relay or `ignored`.
 */
export type StripeEventRoute =
  { kind: 'mandate'; change: MandateStatusChange } | { kind: 'inbox'; row: NewStripeEvent };

/** Finds the booking an earlier event tied to a PaymentIntent (charges do not carry the booking id). */
export type BookingLookup = (paymentIntentId: string) => Promise<string | null>;

/** Finds the booking that asked for a balance refresh of a Financial Connections account (`fca_…`). */
export type AccountBookingLookup = (accountId: string) => Promise<string | null>;

/** The Financial Connections account a `financial_connections.account.*` event is about; null for other events. */
export function financialConnectionsAccountIdOf(event: StripeEventEnvelope): string | null {
  if (!event.type.startsWith('financial_connections.account.')) return null;
  const id = event.data.object.id;
  return typeof id === 'string' && id.startsWith('fca_') ? id : null;
}

/**
 * Routes a verified event. A PaymentIntent's own events carry its metadata, so without a booking id
 * such an event is not ours; a charge or dispute can arrive before any event of its PaymentIntent and
 * waits as `pending` (no booking yet) until one names the booking. SetupIntent events go to their setup.
 */
export async function routeStripeEvent(
  event: StripeEventEnvelope,
  bookingIdOfPaymentIntent: BookingLookup,
  bookingIdOfAccount: AccountBookingLookup = async () => null,
): Promise<StripeEventRoute> {
  const change = mandateStatusChangeOf(event);
  if (change) return { kind: 'mandate', change };
  const setupId = setupIdOf(event);
  const paymentIntentId = paymentIntentIdOf(event);
  // A balance refresh's event carries only the account: it goes to the booking that asked for the refresh.
  const accountId = financialConnectionsAccountIdOf(event);
  const bookingId =
    bookingIdOf(event) ??
    (paymentIntentId ? await bookingIdOfPaymentIntent(paymentIntentId) : null) ??
    (accountId ? await bookingIdOfAccount(accountId) : null);
  const awaitsBooking = bookingId === null && paymentIntentId !== null && !isPaymentIntentEvent(event);
  const ours = bookingId !== null || setupId !== null || awaitsBooking;
  // Not relayed either way: `handled` for a booking's event, `ignored` while its booking is unknown.
  const carriedElsewhere = ours && setupId === null ? EVENTS_CARRIED_ELSEWHERE[event.type] : undefined;
  const status = carriedElsewhere ? (bookingId !== null ? 'handled' : 'ignored') : ours ? 'pending' : 'ignored';
  return {
    kind: 'inbox',
    row: {
      id: event.id,
      type: event.type,
      bookingId,
      paymentIntentId,
      setupId,
      payload: withoutClientSecret(event),
      status,
      ...(carriedElsewhere && { outcome: `not relayed: ${carriedElsewhere}` }),
    },
  };
}

/** True for events this service acts on: relayed to a booking or setup, recorded as handled, or applied to saved payment methods. */
export function isOurs(route: StripeEventRoute): boolean {
  return route.kind === 'mandate' || route.row.status !== 'ignored';
}
