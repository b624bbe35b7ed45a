/** The per-request values the Stripe API middleware hands to the endpoints. */
import type { RequestParams } from './request-params.js';

/** Hono environment of the Stripe API sub-app. */
export interface StripeApiEnv {
  Variables: {
    requestId: string;
    apiKey: string;
    params: RequestParams;
    idempotencyKey: string | null;
    replayed: boolean;
    injectedFault: string | null;
    /** Latency injected into this request, if any. */
    injectedLatency: { ms: number; when: 'before' | 'after' } | null;
  };
}
