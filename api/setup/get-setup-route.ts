/** `GET /v1/customers/{customerId}/payment-methods/setups/{setupId}`: a setup's state, from its workflow. */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../http/router.js';
import { bearerSecurity } from '../http/schemas.js';
import { SetupParamsSchema } from './schemas.js';
import { setupOfCustomer, type SetupContext } from './setup-context.js';
import { commonSetupErrors, setupResponse, unknownSetupResponse } from './setup-responses.js';
import { toSetupView } from './setup-view.js';

export const getSetupRoute = createRoute({
  operationId: 'getPaymentMethodSetup',
  method: 'get',
  path: '/{customerId}/payment-methods/setups/{setupId}',
  summary: "A setup's state, from its workflow (the saved payment method once it succeeded)",
  security: bearerSecurity,
  request: { params: SetupParamsSchema },
  responses: { 200: setupResponse('The setup'), 404: unknownSetupResponse, ...commonSetupErrors },
});

/** Answers the customer's setup as its workflow tells it. */
export function getSetup({ calls }: SetupContext): RouteHandler<typeof getSetupRoute, AppEnv> {
  return async (c) => {
    const { customerId, setupId } = c.req.valid('param');
    return c.json(toSetupView(await setupOfCustomer(calls, customerId, setupId)), 200);
  };
}
