/**
 * The API as a Hono app built from its dependencies: `main.ts` serves it, tests drive it with
 * `app.request()`. Keeps no state of its own; everything durable lives in Temporal and Postgres.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { requestId } from 'hono/request-id';
import type pg from 'pg';
import { createCodecServer } from '../codec/codec-server.js';
import type { ApiConfig } from '../config/env.js';
import type { PaymentMethodCreator } from './booking/bank-payment-method.js';
import { ApiError, errorResponse, toApiError } from './http/errors.js';
import type { HoldNextActionGateway } from './booking/hold-next-action.js';
import type { InboxRelay } from '../inbox/inbox-relay.js';
import { describeError, silentLogger, type Logger } from '../telemetry/logger.js';
import { createApiMetrics, type ApiMetrics } from './ops/metrics.js';
import { allowedMethodsOf } from './http/method-not-allowed.js';
import { bodySizeLimit } from './http/body-size-limit.js';
import { requestTelemetry } from './ops/request-telemetry.js';
import type { AppEnv } from './http/router.js';
import { createBookingRoutes } from './booking/booking-routes.js';
import { createHealthRoutes } from './ops/health-route.js';
import { createHoldNextActionRoutes } from './booking/hold-next-action-route.js';
import { createMetricsRoutes } from './ops/metrics-route.js';
import { createPaymentMethodSetupRoutes } from './setup/setup-routes.js';
import { createSavedPaymentMethodRoutes } from './saved-payment-methods/saved-payment-method-routes.js';
import { createStripeWebhookRoutes } from './webhooks/stripe-webhook-route.js';
import type { SavedPaymentMethodGateway } from './saved-payment-methods/saved-payment-method-stripe.js';
import { BEARER_SECURITY_SCHEME } from './http/schemas.js';

/** The Stripe reads and writes the API makes itself (`createPaymentGateway(stripe)` satisfies it). */
export type ApiStripeGateway = SavedPaymentMethodGateway & HoldNextActionGateway;

/**
 * Everything the API needs; `relay` is optional so the app also runs without one (tests, tools),
 * without `stripe` bookings must name their bank PaymentMethod (bank account details are refused),
 * and without `gateway` saving and removing payment methods and reading a hold's next action answer 503 `stripe_unavailable`.
 */
export interface AppDeps {
  temporal: Client;
  db: pg.Pool;
  config: ApiConfig;
  stripe?: PaymentMethodCreator;
  /** Stripe reads and detaches for saved payment methods and holds' next actions (`createPaymentGateway(stripe)`). */
  gateway?: ApiStripeGateway;
  relay?: Pick<InboxRelay, 'nudge'>;
  logger?: Logger;
  /** The payload codec; with it and CODEC_AUTH_TOKEN the app serves `/codec` for the Web UI and CLI. */
  codec?: PayloadCodec;
  /** The registry `GET /metrics` serves (share it with the relay); the app makes its own when absent. */
  metrics?: ApiMetrics;
}

/** Path of the generated OpenAPI document. */
export const OPENAPI_PATH = '/openapi.json';

/** Builds the Hono app: request ids, body limit, the sub-apps, OpenAPI, one error shape. */
export function createApp({
  temporal,
  db,
  config,
  stripe,
  gateway,
  relay,
  logger = silentLogger,
  metrics = createApiMetrics({ db, logger }),
  codec,
}: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.use('*', requestId({ limitLength: 128 }));
  app.use('*', requestTelemetry({ metrics, logger }));
  // The codec endpoint decodes whole histories for the Web UI: it has its own limits, not the API's.
  app.use('/v1/*', bodySizeLimit(config.MAX_BODY_BYTES));

  app.route('/', createHealthRoutes({ temporal, db, logger }));
  // Decrypted payloads only for callers with the codec token: without one the endpoint does not exist.
  if (codec && config.CODEC_AUTH_TOKEN) {
    const allowedOrigins = config.CODEC_CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
    app.route('/codec', createCodecServer({ codec, authToken: config.CODEC_AUTH_TOKEN, allowedOrigins }));
  }
  app.route('/', createMetricsRoutes({ metrics, token: config.METRICS_TOKEN }));
  app.route('/v1/bookings', createBookingRoutes({ temporal, db, config, stripe }));
  app.route('/v1/bookings', createHoldNextActionRoutes({ temporal, config, gateway }));
  app.route('/v1/customers', createPaymentMethodSetupRoutes({ temporal, config, gateway }));
  app.route('/v1/customers', createSavedPaymentMethodRoutes({ db, config, gateway }));
  app.route(
    '/v1/webhooks',
    createStripeWebhookRoutes({ db, webhookSecret: config.STRIPE_WEBHOOK_SECRET, relay, logger, metrics }),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SECURITY_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'API_TOKEN shared with the booking service',
  });
  app.doc(OPENAPI_PATH, {
    openapi: '3.0.3',
    info: {
      title: 'Booking payments API',
      version: '1.0.0',
      description:
        "Starts and drives the payment workflow of each booking, saves customers' payment methods for later " +
        'bookings, and receives Stripe webhooks. ' +
        'Every failure answers `{ "error": { "code", "message", "requestId" } }`.',
    },
  });

  const allowedMethods = allowedMethodsOf(app);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length === 0)
      return errorResponse(c, new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`));
    c.header('Allow', allowed.join(', '));
    return errorResponse(
      c,
      new ApiError(
        'method_not_allowed',
        `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(', ')}`,
      ),
    );
  });

  app.onError((error, c) => {
    const { apiError, expected } = toApiError(error);
    if (!expected) {
      // Server-side only: what failed and where, never the request body or headers.
      logger.error('request failed', {
        requestId: c.get('requestId'),
        method: c.req.method,
        route: c.req.routePath,
        status: apiError.status,
        code: apiError.code,
        error: describeError(error),
      });
    }
    return errorResponse(c, apiError);
  });

  return app;
}

/** The app type, for typed test clients. */
export type App = ReturnType<typeof createApp>;
