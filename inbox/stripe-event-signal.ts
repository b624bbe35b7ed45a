/**
 * What the API takes from a Stripe event: the booking or payment-method setup it belongs to, the
 * PaymentIntent it is about, a mandate's new status, and the ids-and-statuses-only signal relayed
 * to the workflow (never the whole object).
 */
import { BOOKING_ID_PATTERN, MANDATE_ID_PATTERN, type StripeEventSignal } from '../workflows/booking/contract.js';
import { SETUP_ID_PATTERN } from '../workflows/setup/contract.js';

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
  // The id and type go to text columns, which refuse NUL (as the published schema's patterns say).
  return (
    typeof event.id === 'string' &&
    event.id.length > 0 &&
    !event.id.includes('\u0000') &&
    typeof event.type === 'string' &&
    !event.type.includes('\u0000') &&
    typeof event.created === 'number' &&
    data !== null &&
    typeof data === 'object' &&
    !Array.isArray(data) &&
    data.object !== null &&
    typeof data.object === 'object' &&
    !Array.isArray(data.object)
  );
}

function stringField(object: Record<string, unknown>, field: string): string | null {
  const value = object[field];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function metadataField(event: StripeEventEnvelope, field: string, pattern: RegExp): string | null {
  const metadata = event.data.object.metadata;
  if (metadata === null || typeof metadata !== 'object') return null;
  const value = (metadata as Record<string, unknown>)[field];
  return typeof value === 'string' && pattern.test(value) ? value : null;
}

/** `metadata.booking_id` of the event's object, if it is a booking id this service could have issued. */
export function bookingIdOf(event: StripeEventEnvelope): string | null {
  return metadataField(event, 'booking_id', BOOKING_ID_PATTERN);
}

/** True when the event's object is a SetupIntent. */
export function isSetupIntentEvent(event: StripeEventEnvelope): boolean {
  return event.type.startsWith('setup_intent.') || event.data.object.object === 'setup_intent';
}

/** `metadata.setup_id` of a SetupIntent event, if it is a setup id this service could have issued. */
export function setupIdOf(event: StripeEventEnvelope): string | null {
  return isSetupIntentEvent(event) ? metadataField(event, 'setup_id', SETUP_ID_PATTERN) : null;
}

/** A mandate's new status, from a `mandate.updated` event. */
export interface MandateStatusChange {
  mandateId: string;
  status: string;
  /** When Stripe created the event: newer changes win. */
  occurredAt: Date;
}

/** The status change a `mandate.updated` event carries; null for any other event or a malformed one. */
export function mandateStatusChangeOf(event: StripeEventEnvelope): MandateStatusChange | null {
  if (event.type !== 'mandate.updated') return null;
  const mandateId = stringField(event.data.object, 'id');
  const status = stringField(event.data.object, 'status');
  if (!mandateId || !MANDATE_ID_PATTERN.test(mandateId) || !status) return null;
  return { mandateId, status, occurredAt: new Date(event.created * 1000) };
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

/**
 * The event as the inbox keeps it: without the intent's `client_secret`, which lets a browser confirm
 * the PaymentIntent or SetupIntent, nor its `next_action`, whose challenge URLs carry that secret
 * (`payment_intent_client_secret=…`). Nothing on this side reads either from a stored event: the
 * API reads the next action from Stripe when the booking service asks for it.
 */
export function withoutClientSecret(event: StripeEventEnvelope): StripeEventEnvelope {
  if (!('client_secret' in event.data.object) && !('next_action' in event.data.object)) return event;
  const object = { ...event.data.object };
  delete object.client_secret;
  delete object.next_action;
  return { ...event, data: { ...event.data, object } };
}

/** The signal relayed to the booking's (or setup's) workflow: ids and statuses only. */
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
