/**
 * `GET /metrics`: the API's Prometheus metrics (text exposition format). Not behind the booking
 * service's API token: open for a scraper on the private network, or behind its own
 * `Authorization: Bearer <METRICS_TOKEN>` when that is set.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { requireBearerToken } from '../http/bearer-auth.js';
import type { ApiMetrics } from './metrics.js';
import { createRouter } from '../http/router.js';
import { errorResponseSpec } from '../http/schemas.js';

/** What the metrics route serves, and the token it may require. */
export interface MetricsRoutesDeps {
  metrics: Pick<ApiMetrics, 'registry'>;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token?: string;
}

const metricsRoute = createRoute({
  operationId: 'getMetrics',
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics: requests, latencies, webhooks, inbox depth and relay lag',
  description:
    'Open unless METRICS_TOKEN is set; then it requires `Authorization: Bearer <METRICS_TOKEN>` (not the API token). ' +
    'Inbox gauges are read from Postgres at each scrape.',
  responses: {
    200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
    401: errorResponseSpec('METRICS_TOKEN is set and the bearer token is missing or wrong (`unauthorized`)'),
  },
});

/** The metrics sub-app, mounted at the root. */
export function createMetricsRoutes({ metrics, token }: MetricsRoutesDeps) {
  const router = createRouter();
  if (token) router.use(metricsRoute.path, requireBearerToken(token));
  router.openapi(metricsRoute, async (c) => {
    const body = await metrics.registry.metrics();
    return c.text(body, 200, { 'content-type': metrics.registry.contentType });
  });
  return router;
}
