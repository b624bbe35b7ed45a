/**
 * Saving a payment method for later bookings (Bearer API_TOKEN): start a setup (one workflow per
 * setup, which creates the SetupIntent), hand its client secret to the booking service's front end
 * for Stripe.js, read the setup, verify a bank account's microdeposits, abandon it.
 * Each operation, its schema and its handler, has its own file beside this one.
 */
import type { Client } from '@temporalio/client';
import type { ApiConfig } from '../../config/env.js';
import { requireBearerToken } from '../http/bearer-auth.js';
import { createRouter } from '../http/router.js';
import { WorkflowCalls } from '../temporal/workflow-calls.js';
import type { SavedPaymentMethodGateway } from '../saved-payment-methods/saved-payment-method-stripe.js';
import { cancelSetup, cancelSetupRoute } from './cancel-setup-route.js';
import { getSetup, getSetupRoute } from './get-setup-route.js';
import type { SetupContext } from './setup-context.js';
import { startSetup, startSetupRoute } from './start-setup-route.js';
import { verifySetupMicrodeposits, verifySetupMicrodepositsRoute } from './verify-setup-microdeposits-route.js';

/** What the setup routes need. */
export interface PaymentMethodSetupRoutesDeps {
  temporal: Client;
  config: ApiConfig;
  /** Reads the SetupIntent's client secret; without it starting a setup answers 503 `stripe_unavailable`. */
  gateway?: SavedPaymentMethodGateway;
}

/** The `/v1/customers/{customerId}/payment-methods` setup routes. */
export function createPaymentMethodSetupRoutes({ temporal, config, gateway }: PaymentMethodSetupRoutesDeps) {
  const context: SetupContext = { calls: new WorkflowCalls(temporal, config), config, gateway };
  const router = createRouter();
  router.use('*', requireBearerToken(config.API_TOKEN));
  router.openapi(startSetupRoute, startSetup(context));
  router.openapi(getSetupRoute, getSetup(context));
  router.openapi(verifySetupMicrodepositsRoute, verifySetupMicrodeposits(context));
  router.openapi(cancelSetupRoute, cancelSetup(context));
  return router;
}
