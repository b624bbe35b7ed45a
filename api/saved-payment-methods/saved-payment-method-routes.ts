/**
 * A customer's saved payment methods (Bearer API_TOKEN): list them from Postgres, and remove one
 * (detached from its Stripe customer, kept as `detached` for the bookings that used it).
 */
import { createRoute } from '@hono/zod-openapi';
import type pg from 'pg';
import {
  findSavedPaymentMethod,
  listSavedPaymentMethods,
  markSavedPaymentMethodDetached,
} from '../../db/saved-payment-methods.js';
import type { ApiConfig } from '../../config/env.js';
import { requireBearerToken } from '../http/bearer-auth.js';
import { ApiError } from '../http/errors.js';
import { createRouter } from '../http/router.js';
import { detachFromStripe, type SavedPaymentMethodGateway } from './saved-payment-method-stripe.js';
import { bearerSecurity, CustomerIdParamsSchema, errorResponseSpec, unavailableResponseSpec } from '../http/schemas.js';
import { SavedPaymentMethodListSchema, SavedPaymentMethodParamsSchema, SavedPaymentMethodSchema } from './schemas.js';
import { toSavedPaymentMethodView } from '../setup/setup-view.js';

/** What the saved payment method routes need. */
export interface SavedPaymentMethodRoutesDeps {
  db: pg.Pool;
  config: Pick<ApiConfig, 'API_TOKEN'>;
  /** Detaches on Stripe; without it DELETE answers 503 `stripe_unavailable`. */
  gateway?: SavedPaymentMethodGateway;
}

const commonErrors = {
  401: errorResponseSpec('Missing or wrong bearer token (`unauthorized`)'),
  422: errorResponseSpec('Path violates the schema (`validation_failed`)'),
  500: errorResponseSpec('Unexpected failure (`internal_error`)'),
};

const listRoute = createRoute({
  operationId: 'listSavedPaymentMethods',
  method: 'get',
  path: '/{customerId}/payment-methods',
  summary: "The customer's saved payment methods that are not detached, newest first",
  security: bearerSecurity,
  request: { params: CustomerIdParamsSchema },
  responses: {
    200: {
      description: 'Active and unusable methods (an empty list for a customer who saved none)',
      content: { 'application/json': { schema: SavedPaymentMethodListSchema } },
    },
    ...commonErrors,
  },
});

const detachRoute = createRoute({
  operationId: 'removeSavedPaymentMethod',
  method: 'delete',
  path: '/{customerId}/payment-methods/{paymentMethodId}',
  summary: 'Remove a saved payment method: detached from the Stripe customer, no longer listed or usable',
  security: bearerSecurity,
  request: { params: SavedPaymentMethodParamsSchema },
  responses: {
    200: {
      description: 'The payment method, now `detached` (also for one removed before: the request is idempotent)',
      content: { 'application/json': { schema: SavedPaymentMethodSchema } },
    },
    404: errorResponseSpec('Not a saved payment method of this customer (`payment_method_not_found`)'),
    503: unavailableResponseSpec('Stripe unreachable; nothing was changed (`stripe_unavailable`)'),
    ...commonErrors,
  },
});

/** The `/v1/customers/{customerId}/payment-methods` list and removal routes. */
export function createSavedPaymentMethodRoutes({ db, config, gateway }: SavedPaymentMethodRoutesDeps) {
  const router = createRouter();
  router.use('*', requireBearerToken(config.API_TOKEN));

  router.openapi(listRoute, async (c) => {
    const { customerId } = c.req.valid('param');
    const methods = await listSavedPaymentMethods(db, customerId);
    return c.json({ data: methods.map(toSavedPaymentMethodView) }, 200);
  });

  router.openapi(detachRoute, async (c) => {
    const { customerId, paymentMethodId } = c.req.valid('param');
    const saved = await findSavedPaymentMethod(db, paymentMethodId);
    if (saved?.customerId !== customerId) {
      throw new ApiError(
        'payment_method_not_found',
        `No saved payment method ${paymentMethodId} for customer ${customerId}`,
      );
    }
    if (saved.status !== 'detached') {
      if (!gateway) throw new ApiError('stripe_unavailable', 'Stripe is not configured for this API; retry later');
      // Stripe first: a failure leaves the method listed, and the request can simply be repeated.
      await detachFromStripe(gateway, paymentMethodId);
      await markSavedPaymentMethodDetached(db, paymentMethodId);
    }
    const detached = await findSavedPaymentMethod(db, paymentMethodId);
    return c.json(toSavedPaymentMethodView(detached ?? saved), 200);
  });

  return router;
}
