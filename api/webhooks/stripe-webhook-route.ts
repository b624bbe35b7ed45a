/**
 * Stripe's webhook endpoint: read the raw body, verify `Stripe-Signature`, then hand the event to the
 * inbox (`inbox/accept-webhook-event.ts`), which stores it once and nudges the relay; the answer is
 * 200 only after the insert committed. Which booking or setup an event belongs to, and whether it is
 * ours, is decided in `inbox/stripe-event-routing.ts` (the reconciliation's event recovery uses it too).
 */
import { createRoute } from '@hono/zod-openapi';
import Stripe from 'stripe';
import { acceptWebhookEvent, type WebhookInboxDeps } from '../../inbox/accept-webhook-event.js';
import { isStripeEventEnvelope, type StripeEventEnvelope } from '../../inbox/stripe-event-signal.js';
import { ApiError } from '../http/errors.js';
import { createRouter } from '../http/router.js';
import type { ApiMetrics } from '../ops/metrics.js';
import { errorResponseSpec, unavailableResponseSpec } from '../http/schemas.js';
import { StripeEventEnvelopeSchema, WebhookAckSchema } from './schemas.js';

/** What the webhook receiver needs: the inbox it hands events to, and its signing secrets. */
export interface StripeWebhookRoutesDeps extends WebhookInboxDeps {
  /**
   * The endpoint's signing secret, or several comma-separated while one is rolled (Stripe keeps
   * the old one valid for up to 24 hours): a signature by any of them is accepted.
   */
  webhookSecret: string;
  /** Counts each request's outcome. */
  metrics?: Pick<ApiMetrics, 'countWebhook'>;
}

const stripeWebhookRoute = createRoute({
  operationId: 'receiveStripeEvent',
  method: 'post',
  path: '/stripe',
  summary: 'Receive a Stripe event (authenticated by the Stripe-Signature header, not a bearer token)',
  description:
    'The raw body is verified against `Stripe-Signature` (`t=…,v1=…`, 300 s tolerance) before it is parsed, ' +
    'then stored once by event id. Redeliveries answer 200 with `duplicate: true`. An event about a PaymentIntent ' +
    "not yet tied to a booking is kept until one of that PaymentIntent's events names its booking. SetupIntent " +
    'events go to their payment-method setup (`metadata.setup_id`); `mandate.updated` is applied to the saved ' +
    'payment methods before the answer.',
  // Documented as a plain parameter, not validated by zod: a missing header must answer 400 invalid_signature.
  parameters: [
    {
      name: 'Stripe-Signature',
      in: 'header',
      required: true,
      schema: { type: 'string' },
      description: "Stripe's signature of the raw body: `t=<timestamp>,v1=<hex HMAC-SHA256>`",
    },
  ],
  request: {
    // A plain OpenAPI schema, not zod: the body must stay unparsed until the signature is verified.
    body: {
      required: true,
      content: { 'application/json': { schema: StripeEventEnvelopeSchema } },
    },
  },
  responses: {
    200: { description: 'Stored (or already stored)', content: { 'application/json': { schema: WebhookAckSchema } } },
    400: errorResponseSpec('Missing, forged or stale signature (`invalid_signature`)'),
    413: errorResponseSpec('Body larger than MAX_BODY_BYTES (`payload_too_large`)'),
    500: errorResponseSpec('Not stored; Stripe will retry (`internal_error`)'),
    503: unavailableResponseSpec('PostgreSQL unreachable: not stored; Stripe will retry (`database_unavailable`)'),
  },
});

/** Verifies the raw body against the signature header with each secret; no match is `invalid_signature`. */
async function verifiedEvent(
  raw: string,
  signature: string | undefined,
  secrets: string[],
): Promise<StripeEventEnvelope> {
  if (!signature) throw new ApiError('invalid_signature', 'Missing Stripe-Signature header');
  let event: unknown;
  for (const secret of secrets) {
    try {
      event = await Stripe.webhooks.constructEventAsync(raw, signature, secret);
      break;
    } catch {
      // Try the next secret; none matching is answered below.
    }
  }
  if (event === undefined) throw new ApiError('invalid_signature', 'Stripe-Signature verification failed');
  if (!isStripeEventEnvelope(event)) throw new ApiError('invalid_signature', 'Signed body is not a Stripe event');
  return event;
}

/** The `/v1/webhooks` sub-app. */
export function createStripeWebhookRoutes({ db, webhookSecret, relay, logger, metrics }: StripeWebhookRoutesDeps) {
  const webhookSecrets = webhookSecret
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
  const router = createRouter();

  router.use(stripeWebhookRoute.path, async (c, next) => {
    await next();
    // Failures answer through the app's error handler: 400 is a bad signature, anything else failed to store.
    if (c.req.method !== 'POST' || c.res.status < 400) return;
    metrics?.countWebhook(c.res.status === 400 ? 'invalid_signature' : 'failed');
  });

  router.openapi(stripeWebhookRoute, async (c) => {
    const event = await verifiedEvent(await c.req.text(), c.req.header('Stripe-Signature'), webhookSecrets);
    const { outcome, bookingId } = await acceptWebhookEvent({ db, relay, logger }, event);
    metrics?.countWebhook(outcome);
    if (bookingId !== null) c.set('bookingId', bookingId);
    return c.json({ received: true as const, duplicate: outcome === 'duplicate' }, 200);
  });

  return router;
}
