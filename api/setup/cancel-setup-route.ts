/** `POST /v1/customers/{customerId}/payment-methods/setups/{setupId}/cancel`: abandons the setup. */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import { cancelSetupUpdate } from '../../workflows/setup/contract.js';
import type { AppEnv } from '../http/router.js';
import { bearerSecurity } from '../http/schemas.js';
import { CLOSED } from '../temporal/workflow-calls.js';
import { SetupParamsSchema } from './schemas.js';
import { setupOfCustomer, updateSetup, type SetupContext } from './setup-context.js';
import { commonSetupErrors, setupResponse, unknownSetupResponse } from './setup-responses.js';
import { toSetupView } from './setup-view.js';

export const cancelSetupRoute = createRoute({
  operationId: 'cancelPaymentMethodSetup',
  method: 'post',
  path: '/{customerId}/payment-methods/setups/{setupId}/cancel',
  summary: 'Abandon the setup: its SetupIntent is cancelled, unless it succeeded meanwhile',
  security: bearerSecurity,
  request: { params: SetupParamsSchema },
  responses: {
    200: setupResponse('The setup once it has ended (`canceled`, or `succeeded` if the customer finished first)'),
    404: unknownSetupResponse,
    ...commonSetupErrors,
  },
});

/** Cancels the setup through its workflow's update; a finished setup answers with how it ended. */
export function cancelSetup({ calls }: SetupContext): RouteHandler<typeof cancelSetupRoute, AppEnv> {
  return async (c) => {
    const { customerId, setupId } = c.req.valid('param');
    const state = await updateSetup(calls, customerId, setupId, (handle) => handle.executeUpdate(cancelSetupUpdate));
    // A finished setup has nothing left to cancel: it answers with how it ended.
    if (state === CLOSED) return c.json(toSetupView(await setupOfCustomer(calls, customerId, setupId)), 200);
    return c.json(toSetupView(state), 200);
  };
}
