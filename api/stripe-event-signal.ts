/**
 * What the API takes from a Stripe event: the booking it belongs to, the PaymentIntent it is
 * about, and the ids-and-statuses-only signal relayed to the workflow (never the whole object).
 */
import { BOOKING_ID_PATTERN, type StripeEventSignal } from '../workflows/contract.js';

/** The parts of a Stripe event this module reads; the stored payload is the whole verified event. */
export interface StripeEventEnvelope {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

/** True when `value` has the envelope every Stripe event has. */
export function isStripeEventEnvelope(value: unknown): value is StripeEventEnvelope {
  if (value === null || typeof value !== 'object') return false;
  const event = value as Record<string, unknown>;
  const data = event.data as Record<string, unknown> | undefined;
  return (
    typeof event.id === 'string' &&
    event.id.length > 0 &&
    typeof event.type === 'string' &&
    typeof event.created === 'number' &&
    data !== null &&
    typeof data === 'object' &&
    data.object !== null &&
    typeof data.object === 'object'
  );
}

function stringField(object: Record<string, unknown>, field: string): string | null {
  const value = object[field];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** `metadata.booking_id` of the event's object, if it is a booking id this service could have issued. */
export function bookingIdOf(event: StripeEventEnvelope): string | null {
  const metadata = event.data.object.metadata;
  if (metadata === null || typeof metadata !== 'object') return null;
  const bookingId = (metadata as Record<string, unknown>).booking_id;
  return typeof bookingId === 'string' && BOOKING_ID_PATTERN.test(bookingId) ? bookingId : null;
}

/** True when the event's object is a PaymentIntent, which carries its own `metadata.booking_id`. */
export function isPaymentIntentEvent(event: StripeEventEnvelope): boolean {
  return event.type.startsWith('payment_intent.') || event.data.object.object === 'payment_intent';
}

/** The PaymentIntent an event is about: the object itself for `payment_intent.*`, else its `payment_intent` field. */
export function paymentIntentIdOf(event: StripeEventEnvelope): string | null {
  const object = event.data.object;
  if (isPaymentIntentEvent(event)) return stringField(object, 'id');
  const paymentIntent = object.payment_intent;
  if (typeof paymentIntent === 'string') return paymentIntent || null;
  // An expanded PaymentIntent (charges can carry the object instead of its id).
  if (paymentIntent !== null && typeof paymentIntent === 'object') {
    return stringField(paymentIntent as Record<string, unknown>, 'id');
  }
  return null;
}

/** The signal relayed to the booking's workflow: ids and statuses only. */
export function toStripeEventSignal(event: StripeEventEnvelope): StripeEventSignal {
  const object = event.data.object;
  return {
    eventId: event.id,
    type: event.type,
    created: event.created,
    objectId: stringField(object, 'id') ?? '',
    paymentIntentId: paymentIntentIdOf(event),
    objectStatus: stringField(object, 'status'),
    cancellationReason: stringField(object, 'cancellation_reason'),
  };
}
