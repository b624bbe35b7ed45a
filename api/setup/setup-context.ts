/** What every setup operation works with, and the reads and updates of a customer's setup they share. */
import type { WorkflowHandle } from '@temporalio/client';
import type { ApiConfig } from '../../config/env.js';
import {
  paymentMethodSetupWorkflowId,
  setupStateQuery,
  type PaymentMethodSetupState,
} from '../../workflows/setup/contract.js';
import { ApiError } from '../http/errors.js';
import { CLOSED, orNullWhenNotFound, type WorkflowCalls } from '../temporal/workflow-calls.js';
import type { SavedPaymentMethodGateway } from '../saved-payment-methods/saved-payment-method-stripe.js';

/** The dependencies of the setup operations. */
export interface SetupContext {
  calls: WorkflowCalls;
  config: ApiConfig;
  /** Reads the SetupIntent's client secret; without it starting a setup answers 503 `stripe_unavailable`. */
  gateway?: SavedPaymentMethodGateway;
}

/** The answer for a setup that does not exist, or not for this customer. */
export function setupNotFound(setupId: string): ApiError {
  return new ApiError('setup_not_found', `No setup ${setupId} for this customer`);
}

/** The setup's state, also once its workflow has finished (queries replay it); null when it never existed. */
export function querySetup(calls: WorkflowCalls, setupId: string): Promise<PaymentMethodSetupState | null> {
  return orNullWhenNotFound(() => calls.query(paymentMethodSetupWorkflowId(setupId), setupStateQuery));
}

/** The setup's state, refused as unknown when it belongs to another customer. */
export async function setupOfCustomer(
  calls: WorkflowCalls,
  customerId: string,
  setupId: string,
): Promise<PaymentMethodSetupState> {
  const state = await querySetup(calls, setupId);
  if (state?.customerId !== customerId) throw setupNotFound(setupId);
  return state;
}

/**
 * Sends an update to the customer's setup; CLOSED when its workflow has finished (Temporal
 * reports an update on a closed workflow as not found, so only the ownership query, which
 * succeeded, tells it from a setup that never existed).
 */
export async function updateSetup<Answer>(
  calls: WorkflowCalls,
  customerId: string,
  setupId: string,
  send: (handle: WorkflowHandle) => Promise<Answer>,
): Promise<Answer | typeof CLOSED> {
  const before = await setupOfCustomer(calls, customerId, setupId);
  if (before.done) return CLOSED;
  return calls.updateFoundWorkflow(paymentMethodSetupWorkflowId(setupId), send);
}
