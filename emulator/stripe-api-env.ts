/** The per-request values the Stripe API middleware hands to the endpoints. */
import type { ApiKeyKind } from './middleware/api-key-auth.js';
import type { RequestParams } from './request-params.js';

/** Hono environment of the Stripe API sub-app. */
export interface StripeApiEnv {
  Variables: {
    requestId: string;
    apiKey: string;
    /** A publishable key may only do what Stripe.js does (see `publishableKeyScope`). */
    apiKeyKind: ApiKeyKind;
    params: RequestParams;
    idempotencyKey: string | null;
    replayed: boolean;
    injectedFault: string | null;
    /** Latency injected into this request, if any. */
    injectedLatency: { ms: number; when: 'before' | 'after' } | null;
  };
}
