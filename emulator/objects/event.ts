/** The Stripe Event object (components.schemas.event) that records each state change. */
import { STRIPE_API_VERSION } from '../api-version.js';
import { newObjectId } from '../ids.js';

/** Every event type the emulator emits; one list so no type is spelled in two places. */
export const EVENT_TYPES = [
  'customer.created',
  'payment_intent.created',
  'payment_intent.requires_action',
  'payment_intent.amount_capturable_updated',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.succeeded',
  'charge.succeeded',
  'charge.failed',
  'charge.captured',
  'charge.refunded',
  'charge.expired',
  'payment_intent.processing',
  'charge.pending',
  'charge.dispute.created',
  'charge.dispute.closed',
  'charge.refund.updated',
  'refund.created',
  'refund.updated',
  'mandate.updated',
  'financial_connections.account.refreshed_balance',
  'payment_method.attached',
  'payment_method.detached',
  'setup_intent.created',
  'setup_intent.requires_action',
  'setup_intent.succeeded',
  'setup_intent.setup_failed',
  'setup_intent.canceled',
] as const;
/** An event type the emulator emits. */
export type EventType = (typeof EVENT_TYPES)[number];

/** The API request that caused an event; both null for Stripe's own actions (e.g. expiry). */
export interface EventOrigin {
  id: string | null;
  idempotency_key: string | null;
}

/** An Event as the API returns it and webhooks deliver it. */
export interface EventObject {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: EventOrigin;
  type: EventType;
}

/** Builds an event around a snapshot of `object` taken now. */
export function buildEvent(
  type: EventType,
  object: unknown,
  origin: EventOrigin,
  created: number,
  pendingWebhooks: number,
  previousAttributes?: Record<string, unknown>,
): EventObject {
  return {
    id: newObjectId('evt'),
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created,
    data: {
      object: structuredClone(object),
      ...(previousAttributes ? { previous_attributes: previousAttributes } : {}),
    },
    livemode: false,
    pending_webhooks: pendingWebhooks,
    request: origin,
    type,
  };
}

/** The origin of events Stripe raises on its own (expiry, 3-D Secure completion). */
export const AUTOMATIC_ORIGIN: EventOrigin = { id: null, idempotency_key: null };
