/**
 * `POST /v1/customers/{customerId}/payment-methods`: starts saving a card or bank account, one
 * workflow per setup id, and answers the SetupIntent's client secret for Stripe.js. The same setup
 * id again answers the setup as it is; another customer or request with it is a conflict.
 */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import {
  PAYMENT_METHOD_SETUP_WORKFLOW_TYPE,
  initialSetupState,
  paymentMethodSetupWorkflowId,
  setupIntentReadyUpdate,
  type PaymentMethodSetupInput,
  type PaymentMethodSetupState,
} from '../../workflows/setup/contract.js';
import type { paymentMethodSetupWorkflow } from '../../workflows/setup/payment-method-setup-workflow.js';
import { setupStartMetadata } from '../../workflows/setup/setup-story.js';
import { setupSearchAttributes, startSearchAttributes } from '../../workflows/booking/search-attribute-sync.js';
import { ApiError } from '../http/errors.js';
import type { AppEnv } from '../http/router.js';
import { orNullWhenNotFound, type WorkflowCalls } from '../temporal/workflow-calls.js';
import { readClientSecret } from '../saved-payment-methods/saved-payment-method-stripe.js';
import { bearerSecurity, CustomerIdParamsSchema, errorResponseSpec } from '../http/schemas.js';
import { StartedSetupSchema, StartSetupBodySchema } from './schemas.js';
import { querySetup, type SetupContext } from './setup-context.js';
import { newSetupId, setupFingerprint, setupPolicyFromConfig, toSetupInput } from './setup-input.js';
import { commonSetupErrors } from './setup-responses.js';
import { toSetupView } from './setup-view.js';

/** Memo key holding the fingerprint of the request that started a setup's workflow. */
export const SETUP_FINGERPRINT_MEMO_KEY = 'setupFingerprint';

const startedResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: StartedSetupSchema } },
});

export const startSetupRoute = createRoute({
  operationId: 'startPaymentMethodSetup',
  method: 'post',
  path: '/{customerId}/payment-methods',
  summary:
    'Start saving a card or US bank account through a SetupIntent (`usage: off_session`); answers the client ' +
    'secret Stripe.js needs to finish it (idempotent per setupId)',
  security: bearerSecurity,
  request: {
    params: CustomerIdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: StartSetupBodySchema } } },
  },
  responses: {
    201: startedResponse('Setup started: Stripe has the SetupIntent, waiting for the customer'),
    200: startedResponse('The same setupId again: the setup as it is now'),
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    409: errorResponseSpec('The setupId is already used by another customer or another request (`setup_conflict`)'),
    502: errorResponseSpec(
      'Stripe refused to create the SetupIntent; the setup has ended (`setup_intent_not_created`)',
    ),
    ...commonSetupErrors,
  },
});

function setupConflict(setupId: string): ApiError {
  return new ApiError('setup_conflict', `Setup ${setupId} already exists for another customer or request`);
}

/**
 * Starts the setup's workflow, or finds the running one, and waits until Stripe has its SetupIntent.
 * A setup that has finished is never started again: its final state answers.
 */
function startOrFindSetup(
  calls: WorkflowCalls,
  input: PaymentMethodSetupInput,
  fingerprint: string,
): Promise<PaymentMethodSetupState> {
  return calls.updateWithStartOnce<typeof paymentMethodSetupWorkflow, PaymentMethodSetupState>(
    setupIntentReadyUpdate,
    {
      workflowType: PAYMENT_METHOD_SETUP_WORKFLOW_TYPE,
      options: {
        workflowId: paymentMethodSetupWorkflowId(input.setupId),
        args: [input],
        // Findable (CustomerId, SetupStatus) and readable in the Web UI from its first moment.
        typedSearchAttributes: startSearchAttributes(setupSearchAttributes(initialSetupState(input, new Date()))),
        ...setupStartMetadata(input),
      },
      fingerprint: { memoKey: SETUP_FINGERPRINT_MEMO_KEY, value: fingerprint },
    },
    () => querySetup(calls, input.setupId),
  );
}

/** Starts (or finds) the setup: 201 when this request started it, 200 for the same setup id again. */
export function startSetup({ calls, config, gateway }: SetupContext): RouteHandler<typeof startSetupRoute, AppEnv> {
  const policy = setupPolicyFromConfig(config);
  return async (c) => {
    const { customerId } = c.req.valid('param');
    const body = c.req.valid('json');
    const input = toSetupInput(customerId, body.setupId ?? newSetupId(), body, policy);
    const fingerprint = setupFingerprint(input);
    const workflowId = paymentMethodSetupWorkflowId(input.setupId);
    const existing = await orNullWhenNotFound(() => calls.startFingerprint(workflowId, SETUP_FINGERPRINT_MEMO_KEY));
    if (existing !== null && existing !== fingerprint) throw setupConflict(input.setupId);
    const state = await startOrFindSetup(calls, input, fingerprint);
    // A concurrent request may have started the same setup id with another body first.
    if (state.customerId !== customerId || state.type !== input.type) throw setupConflict(input.setupId);
    if (!state.setupIntentId) {
      throw new ApiError(
        'setup_intent_not_created',
        `Stripe did not create the SetupIntent (${state.failureCode ?? 'refused'}); the setup has ended, start another with a new setupId`,
      );
    }
    if (!gateway) throw new ApiError('stripe_unavailable', 'Stripe is not configured for this API; retry later');
    const clientSecret = state.done ? null : await readClientSecret(gateway, state.setupIntentId);
    return c.json({ ...toSetupView(state), clientSecret }, existing === null ? 201 : 200);
  };
}
