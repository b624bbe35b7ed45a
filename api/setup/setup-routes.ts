/**
 * Saving a payment method for later bookings (Bearer API_TOKEN): start a setup (one workflow per
 * setup, which creates the SetupIntent), hand its client secret to the booking service's front end
 * for Stripe.js, read the setup, verify a bank account's microdeposits, abandon it.
 */
import { createRoute } from '@hono/zod-openapi';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ApiConfig } from '../../config/env.js';
import { setupSearchAttributes, startSearchAttributes } from '../../workflows/booking/search-attribute-sync.js';
import {
  PAYMENT_METHOD_SETUP_WORKFLOW_TYPE,
  cancelSetupUpdate,
  initialSetupState,
  paymentMethodSetupWorkflowId,
  setupIntentReadyUpdate,
  setupStateQuery,
  verifySetupMicrodepositsUpdate,
  type PaymentMethodSetupInput,
  type PaymentMethodSetupState,
} from '../../workflows/setup/contract.js';
import { setupStartMetadata } from '../../workflows/setup/setup-story.js';
import { requireBearerToken } from '../http/bearer-auth.js';
import { ApiError } from '../http/errors.js';
import { createRouter } from '../http/router.js';
import { readClientSecret, type SavedPaymentMethodGateway } from '../saved-payment-methods/saved-payment-method-stripe.js';
import {
  BEARER_SECURITY_SCHEME,
  CustomerIdParamsSchema,
  errorResponseSpec,
  SetupMicrodepositOutcomeSchema,
  SetupParamsSchema,
  SetupViewSchema,
  StartedSetupSchema,
  StartSetupBodySchema,
  unavailableResponseSpec,
  VerifyMicrodepositsBodySchema,
  microdepositValues,
} from '../schemas.js';
import { newSetupId, setupFingerprint, setupPolicyFromConfig, toSetupInput } from './setup-input.js';
import { toSetupView } from './setup-view.js';

/** What the setup routes need. */
export interface PaymentMethodSetupRoutesDeps {
  temporal: Client;
  config: ApiConfig;
  /** Reads the SetupIntent's client secret; without it starting a setup answers 503 `stripe_unavailable`. */
  gateway?: SavedPaymentMethodGateway;
}

/** Memo key holding the fingerprint of the request that started a setup's workflow. */
export const SETUP_FINGERPRINT_MEMO_KEY = 'setupFingerprint';

const security = [{ [BEARER_SECURITY_SCHEME]: [] }];
const setupResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: SetupViewSchema } },
});
const startedResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: StartedSetupSchema } },
});
const commonErrors = {
  401: errorResponseSpec('Missing or wrong bearer token (`unauthorized`)'),
  413: errorResponseSpec('Body larger than MAX_BODY_BYTES (`payload_too_large`)'),
  422: errorResponseSpec('Body or path violates the schema (`validation_failed`)'),
  500: errorResponseSpec('Unexpected failure (`internal_error`)'),
  503: unavailableResponseSpec('Temporal or Stripe unreachable (`temporal_unavailable`, `stripe_unavailable`)'),
  504: errorResponseSpec('The setup did not answer in time (`temporal_timeout`); repeat the request'),
};
const unknownSetup = errorResponseSpec('No such setup for this customer (`setup_not_found`)');

const startSetupRoute = createRoute({
  operationId: 'startPaymentMethodSetup',
  method: 'post',
  path: '/{customerId}/payment-methods',
  summary:
    'Start saving a card or US bank account through a SetupIntent (`usage: off_session`); answers the client ' +
    'secret Stripe.js needs to finish it (idempotent per setupId)',
  security,
  request: {
    params: CustomerIdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: StartSetupBodySchema } } },
  },
  responses: {
    201: startedResponse('Setup started: Stripe has the SetupIntent, waiting for the customer'),
    200: startedResponse('The same setupId again: the setup as it is now'),
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    409: errorResponseSpec('The setupId is already used by another customer or another request (`setup_conflict`)'),
    502: errorResponseSpec('Stripe refused to create the SetupIntent; the setup has ended (`setup_intent_not_created`)'),
    ...commonErrors,
  },
});

const getSetupRoute = createRoute({
  operationId: 'getPaymentMethodSetup',
  method: 'get',
  path: '/{customerId}/payment-methods/setups/{setupId}',
  summary: "A setup's state, from its workflow (the saved payment method once it succeeded)",
  security,
  request: { params: SetupParamsSchema },
  responses: { 200: setupResponse('The setup'), 404: unknownSetup, ...commonErrors },
});

const verifySetupMicrodepositsRoute = createRoute({
  operationId: 'verifySetupMicrodeposits',
  method: 'post',
  path: '/{customerId}/payment-methods/setups/{setupId}/microdeposits',
  summary: "Verify the bank account being saved with the microdeposits' descriptor code or their two amounts",
  security,
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
    404: unknownSetup,
    409: errorResponseSpec(
      'The setup is not waiting for microdeposits, has no attempts left, or has finished (`not_awaiting_verification`)',
    ),
    ...commonErrors,
    422: errorResponseSpec(
      'Schema violation (`validation_failed`) or rejected by the setup (`invalid_request`, e.g. amounts sent for ' +
        'a descriptor code)',
    ),
  },
});

const cancelSetupRoute = createRoute({
  operationId: 'cancelPaymentMethodSetup',
  method: 'post',
  path: '/{customerId}/payment-methods/setups/{setupId}/cancel',
  summary: 'Abandon the setup: its SetupIntent is cancelled, unless it succeeded meanwhile',
  security,
  request: { params: SetupParamsSchema },
  responses: {
    200: setupResponse('The setup once it has ended (`canceled`, or `succeeded` if the customer finished first)'),
    404: unknownSetup,
    ...commonErrors,
  },
});

/** The `/v1/customers/{customerId}/payment-methods` setup routes. */
export function createPaymentMethodSetupRoutes({ temporal, config, gateway }: PaymentMethodSetupRoutesDeps) {
  const policy = setupPolicyFromConfig(config);
  const rpcDeadline = () => Date.now() + config.TEMPORAL_RPC_TIMEOUT_MS;
  const updateDeadline = () => Date.now() + config.BOOKING_UPDATE_TIMEOUT_MS;
  const handleOf = (setupId: string) => temporal.workflow.getHandle(paymentMethodSetupWorkflowId(setupId));
  const notFound = (setupId: string, cause?: unknown) =>
    new ApiError('setup_not_found', `No setup ${setupId} for this customer`, { cause });

  /** The setup's state, also once its workflow has finished (queries replay it); null when it never existed. */
  const querySetup = async (setupId: string): Promise<PaymentMethodSetupState | null> => {
    try {
      return await temporal.withDeadline(rpcDeadline(), () => handleOf(setupId).query(setupStateQuery));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  };

  /** The setup's state, refused as unknown when it belongs to another customer. */
  const setupOfCustomer = async (customerId: string, setupId: string): Promise<PaymentMethodSetupState> => {
    const state = await querySetup(setupId);
    if (state?.customerId !== customerId) throw notFound(setupId);
    return state;
  };

  /** The memo fingerprint of an existing setup; null when the setup id is new. */
  const existingFingerprint = async (setupId: string): Promise<string | null> => {
    try {
      const description = await temporal.withDeadline(rpcDeadline(), () => handleOf(setupId).describe());
      const fingerprint = description.memo?.[SETUP_FINGERPRINT_MEMO_KEY];
      return typeof fingerprint === 'string' ? fingerprint : '';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  };

  /**
   * Starts the setup's workflow, or finds the running one (update-with-start, USE_EXISTING), and
   * waits until Stripe has its SetupIntent. A setup that has finished is never started again
   * (REJECT_DUPLICATE): its final state answers.
   */
  const startOrFindSetup = async (input: PaymentMethodSetupInput, fingerprint: string): Promise<PaymentMethodSetupState> => {
    const startWorkflowOperation = new WithStartWorkflowOperation(PAYMENT_METHOD_SETUP_WORKFLOW_TYPE, {
      workflowId: paymentMethodSetupWorkflowId(input.setupId),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { [SETUP_FINGERPRINT_MEMO_KEY]: fingerprint },
      // Findable (CustomerId, SetupStatus) and readable in the Web UI from its first moment.
      typedSearchAttributes: startSearchAttributes(setupSearchAttributes(initialSetupState(input, new Date()))),
      ...setupStartMetadata(input),
    });
    try {
      return await temporal.withDeadline(updateDeadline(), () =>
        temporal.workflow.executeUpdateWithStart(setupIntentReadyUpdate, { startWorkflowOperation }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const finished = await querySetup(input.setupId);
      if (!finished) throw error;
      return finished;
    }
  };

  /**
   * Sends an update to the customer's setup; 'closed' when its workflow has finished (Temporal
   * reports an update on a closed workflow as not found, so only the ownership query, which
   * succeeded, tells it from a setup that never existed).
   */
  const updateSetup = async <Answer>(
    customerId: string,
    setupId: string,
    send: (handle: WorkflowHandle) => Promise<Answer>,
  ): Promise<Answer | 'closed'> => {
    const before = await setupOfCustomer(customerId, setupId);
    if (before.done) return 'closed';
    try {
      return await temporal.withDeadline(updateDeadline(), () => send(handleOf(setupId)));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'closed';
      throw error;
    }
  };

  const router = createRouter();
  router.use('*', requireBearerToken(config.API_TOKEN));

  router.openapi(startSetupRoute, async (c) => {
    const { customerId } = c.req.valid('param');
    const body = c.req.valid('json');
    const input = toSetupInput(customerId, body.setupId ?? newSetupId(), body, policy);
    const fingerprint = setupFingerprint(input);
    const existing = await existingFingerprint(input.setupId);
    if (existing !== null && existing !== fingerprint) {
      throw new ApiError('setup_conflict', `Setup ${input.setupId} already exists for another customer or request`);
    }
    const state = await startOrFindSetup(input, fingerprint);
    // A concurrent request may have started the same setup id with another body first.
    if (state.customerId !== customerId || state.type !== input.type) {
      throw new ApiError('setup_conflict', `Setup ${input.setupId} already exists for another customer or request`);
    }
    if (!state.setupIntentId) {
      throw new ApiError(
        'setup_intent_not_created',
        `Stripe did not create the SetupIntent (${state.failureCode ?? 'refused'}); the setup has ended, start another with a new setupId`,
      );
    }
    if (!gateway) throw new ApiError('stripe_unavailable', 'Stripe is not configured for this API; retry later');
    const clientSecret = state.done ? null : await readClientSecret(gateway, state.setupIntentId);
    return c.json({ ...toSetupView(state), clientSecret }, existing === null ? 201 : 200);
  });

  router.openapi(getSetupRoute, async (c) => {
    const { customerId, setupId } = c.req.valid('param');
    return c.json(toSetupView(await setupOfCustomer(customerId, setupId)), 200);
  });

  router.openapi(verifySetupMicrodepositsRoute, async (c) => {
    const { customerId, setupId } = c.req.valid('param');
    const request = c.req.valid('json');
    const outcome = await updateSetup(customerId, setupId, (handle) =>
      handle.executeUpdate(verifySetupMicrodepositsUpdate, {
        args: [microdepositValues(request)],
      }),
    );
    if (outcome === 'closed') {
      throw new ApiError('not_awaiting_verification', `Setup ${setupId} has finished; it awaits no microdeposits`);
    }
    return c.json(
      { result: outcome.result, attemptsRemaining: outcome.attemptsRemaining, setup: toSetupView(outcome.setup) },
      200,
    );
  });

  router.openapi(cancelSetupRoute, async (c) => {
    const { customerId, setupId } = c.req.valid('param');
    const state = await updateSetup(customerId, setupId, (handle) => handle.executeUpdate(cancelSetupUpdate));
    // A finished setup has nothing left to cancel: it answers with how it ended.
    if (state === 'closed') return c.json(toSetupView(await setupOfCustomer(customerId, setupId)), 200);
    return c.json(toSetupView(state), 200);
  });

  return router;
}
