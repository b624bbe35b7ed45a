/**
 * `POST /v1/customers/{customerId}/payment-methods/setups/{setupId}/microdeposits`: verifies the bank
 * account being saved with its microdeposits.
 */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import { verifySetupMicrodepositsUpdate } from '../../workflows/setup/contract.js';
import { ApiError } from '../http/errors.js';
import type { AppEnv } from '../http/router.js';
import { CLOSED } from '../temporal/workflow-calls.js';
import { bearerSecurity, errorResponseSpec } from '../http/schemas.js';
import { microdepositValues, VerifyMicrodepositsBodySchema } from '../http/microdeposit-schemas.js';
import { SetupMicrodepositOutcomeSchema, SetupParamsSchema } from './schemas.js';
import { updateSetup, type SetupContext } from './setup-context.js';
import { commonSetupErrors, unknownSetupResponse } from './setup-responses.js';
import { toSetupView } from './setup-view.js';

export const verifySetupMicrodepositsRoute = createRoute({
  operationId: 'verifySetupMicrodeposits',
  method: 'post',
  path: '/{customerId}/payment-methods/setups/{setupId}/microdeposits',
  summary: "Verify the bank account being saved with the microdeposits' descriptor code or their two amounts",
  security: bearerSecurity,
  request: {
    params: SetupParamsSchema,
    body: { required: true, content: { 'application/json': { schema: VerifyMicrodepositsBodySchema } } },
  },
  responses: {
    200: {
      description:
        "Stripe's answer: `verified` (the account is saved), `mismatch` (with the attempts remaining), " +
        '`attempts_exceeded` or `expired` (the customer must start again with the same or another account)',
      content: { 'application/json': { schema: SetupMicrodepositOutcomeSchema } },
    },
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    404: unknownSetupResponse,
    409: errorResponseSpec(
      'The setup is not waiting for microdeposits, has no attempts left, or has finished (`not_awaiting_verification`)',
    ),
    ...commonSetupErrors,
    422: errorResponseSpec(
      'Schema violation (`validation_failed`) or rejected by the setup (`invalid_request`, e.g. amounts sent for ' +
        'a descriptor code)',
    ),
  },
});

/** Hands the descriptor code or the amounts to the setup's workflow, which answers with Stripe's verdict. */
export function verifySetupMicrodeposits({
  calls,
}: SetupContext): RouteHandler<typeof verifySetupMicrodepositsRoute, AppEnv> {
  return async (c) => {
    const { customerId, setupId } = c.req.valid('param');
    const request = c.req.valid('json');
    const outcome = await updateSetup(calls, customerId, setupId, (handle) =>
      handle.executeUpdate(verifySetupMicrodepositsUpdate, {
        args: [microdepositValues(request)],
      }),
    );
    if (outcome === CLOSED) {
      throw new ApiError('not_awaiting_verification', `Setup ${setupId} has finished; it awaits no microdeposits`);
    }
    return c.json(
      { result: outcome.result, attemptsRemaining: outcome.attemptsRemaining, setup: toSetupView(outcome.setup) },
      200,
    );
  };
}
