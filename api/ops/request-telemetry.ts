/**
 * Measures and logs every request by its route pattern (`/v1/bookings/:bookingId`, never the raw
 * path with its ids): the HTTP metrics, one access log line with the booking, setup or customer id
 * the path names, and the route on the request's trace span when tracing is on.
 */
import { trace } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { BOOKING_ID_PATTERN, bookingWorkflowId } from '../../workflows/booking/contract.js';
import { SETUP_ID_PATTERN, paymentMethodSetupWorkflowId } from '../../workflows/setup/contract.js';
import type { Logger, LogFields } from '../../telemetry/logger.js';
import type { ApiMetrics } from './metrics.js';
import type { AppEnv } from '../http/router.js';

/** Label of requests no route matched (404s for unknown paths), so scanners cannot explode the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Probes and scrapes: measured, but not logged line by line. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** The pattern of the route that answers (middleware matches with method ALL and does not count). */
export function routePatternOf(c: Context): string {
  const handlers = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  return handlers.at(-1)?.path ?? UNMATCHED_ROUTE;
}

/** Customer ids are free-form; only id-shaped ones are logged (never an email or a name used as one). */
const ID_SHAPED = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** The well-formed ids a request path names, with the workflow they lead to. */
function idsOf(c: Context<AppEnv>): LogFields {
  const params = c.req.param() as Record<string, string | undefined>;
  const { customerId, setupId } = params;
  const bookingId = params.bookingId ?? c.get('bookingId');
  return {
    ...(bookingId && BOOKING_ID_PATTERN.test(bookingId) && { bookingId, workflowId: bookingWorkflowId(bookingId) }),
    ...(customerId && ID_SHAPED.test(customerId) && { customerId }),
    ...(setupId && SETUP_ID_PATTERN.test(setupId) && { setupId, workflowId: paymentMethodSetupWorkflowId(setupId) }),
  };
}

/** The middleware; mount it first so it sees every answer, errors and 404s included. */
export function requestTelemetry({
  metrics,
  logger,
}: {
  metrics: ApiMetrics;
  logger: Logger;
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const route = routePatternOf(c);
    const span = trace.getActiveSpan();
    if (span && route !== UNMATCHED_ROUTE) {
      span.updateName(`${c.req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    await next();
    const seconds = (performance.now() - started) / 1000;
    metrics.observeRequest({ method: c.req.method, route, status: c.res.status, seconds });
    if (QUIET_ROUTES.has(route)) return;
    logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      route,
      status: c.res.status,
      durationMs: Math.round(seconds * 1000),
      ...idsOf(c),
    });
  };
}
