/** The webhook route's schemas: what a signed body must be, and the acknowledgement Stripe gets. */
import { z } from '@hono/zod-openapi';

/**
 * What the webhook requires of a signed body (`isStripeEventEnvelope`): a Stripe Event's id, type,
 * creation time and object; Stripe's other fields are kept as they come. A plain OpenAPI schema,
 * not zod: the body stays unparsed until its signature is verified.
 */
export const StripeEventEnvelopeSchema = {
  type: 'object' as const,
  description: 'A Stripe Event object',
  required: ['id', 'type', 'created', 'data'],
  properties: {
    id: { type: 'string' as const, pattern: '^[^\\u0000]+$', example: 'evt_1Q0PsIJvEtkwdCNY' },
    type: { type: 'string' as const, pattern: '^[^\\u0000]*$', example: 'payment_intent.amount_capturable_updated' },
    created: { type: 'number' as const, description: 'Unix time in seconds', example: 1_900_000_000 },
    data: {
      type: 'object' as const,
      required: ['object'],
      properties: { object: { type: 'object' as const, description: 'The Stripe object the event is about' } },
    },
  },
};

/** Acknowledgement sent to Stripe once the event is durably stored. */
export const WebhookAckSchema = z.object({ received: z.literal(true), duplicate: z.boolean() }).openapi('WebhookAck');
