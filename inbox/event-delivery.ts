/**
 * The delivery of one claimed Stripe event: the signal to its booking's (or setup's) workflow, and
 * what to record when it cannot be delivered (later, never, or not at all). Touches no database connection.
 */
import { createHash } from 'node:crypto';
import { isGrpcServiceError, type Client, type WorkflowSignalInput } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { composeInterceptors } from '@temporalio/common/lib/interceptors.js';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow/index.js';
import type { ApiConfig } from '../config/env.js';
import { bookingWorkflowId, stripeEventSignal, type StripeEventSignal } from '../workflows/booking/contract.js';
import { paymentMethodSetupWorkflowId } from '../workflows/setup/contract.js';
import { describeError } from '../telemetry/logger.js';
import type { ClaimedStripeEvent } from './inbox-store.js';
import { isStripeEventEnvelope, toStripeEventSignal } from './stripe-event-signal.js';

/** What the delivery needs: Temporal, and how long each of its calls may take. */
export interface EventDeliveryDeps {
  temporal: Client;
  config: Pick<ApiConfig, 'TEMPORAL_RPC_TIMEOUT_MS'>;
}

/** What to record for one claimed event. */
export type DeliveryDecision =
  | { outcome: 'relayed' }
  | { outcome: 'handled' | 'retried' | 'closed' | 'ignored'; reason: string }
  /** Not signalled yet, and not an attempt: claimed again at `until` (relay-pass.ts). */
  | { outcome: 'deferred'; reason: string; until: Date };

const MAX_ERROR_LENGTH = 500;
/** gRPC status NOT_FOUND; @grpc/grpc-js is not a direct dependency. */
const GRPC_NOT_FOUND = 5;

/**
 * The request id of an event's signal: the same for every delivery of one Stripe event, so that
 * Temporal records it once (it keeps a running workflow's signal request ids and drops a repeat).
 * A relay that dies after its signal and before marking the row relayed leaves the row pending;
 * the next relay to claim it (another API's) signals again, and without a fixed id that signal
 * would reach the workflow a second time. UUID-shaped, from a hash of the event id.
 */
export function stripeEventSignalRequestId(eventId: string): string {
  const hex = createHash('sha256').update(`stripe-event-signal:${eventId}`).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join('-');
}

/**
 * Signals `stripeEvent` as `WorkflowHandle.signal()` does (through the client's interceptors, so
 * trace headers travel with it, and with its payload codec), but with the event's own request id.
 */
async function signalStripeEvent(temporal: Client, workflowId: string, eventId: string, signal: StripeEventSignal) {
  const { options } = temporal.workflow;
  const send = async (input: WorkflowSignalInput): Promise<void> => {
    try {
      await temporal.workflowService.signalWorkflowExecution({
        namespace: options.namespace,
        identity: options.identity,
        workflowExecution: input.workflowExecution,
        requestId: stripeEventSignalRequestId(eventId),
        signalName: input.signalName,
        header: { fields: input.headers },
        input: { payloads: await encodeToPayloads(options.loadedDataConverter, ...input.args) },
      });
    } catch (error) {
      if (isGrpcServiceError(error) && Number(error.code) === GRPC_NOT_FOUND) {
        throw new WorkflowNotFoundError(error.details || 'Workflow not found', workflowId, undefined);
      }
      throw error;
    }
  };
  const interceptors = Array.isArray(options.interceptors) ? options.interceptors : [];
  await composeInterceptors(
    interceptors,
    'signal',
    send,
  )({ workflowExecution: { workflowId }, signalName: stripeEventSignal.name, args: [signal], headers: {} });
}

/** The workflow an event goes to: its booking's, else its setup's; null while neither is known. */
export function targetWorkflowId(event: Pick<ClaimedStripeEvent, 'bookingId' | 'setupId'>): string | null {
  if (event.bookingId !== null) return bookingWorkflowId(event.bookingId);
  if (event.setupId !== null) return paymentMethodSetupWorkflowId(event.setupId);
  return null;
}

/** Distinguishes "workflow finished" (its status; nothing will ever take the event) from "not started yet" (null). */
async function closedStatusOf({ temporal, config }: EventDeliveryDeps, workflowId: string): Promise<string | null> {
  try {
    const description = await temporal.withDeadline(Date.now() + config.TEMPORAL_RPC_TIMEOUT_MS, () =>
      temporal.workflow.getHandle(workflowId).describe(),
    );
    return description.status.name === 'RUNNING' ? null : description.status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

/** Why a signal failed: a workflow that has finished closes the event, any other reason retries it. */
async function undeliveredDecision(
  deps: EventDeliveryDeps,
  workflowId: string,
  signalError: unknown,
): Promise<DeliveryDecision> {
  let reason = describeError(signalError);
  if (signalError instanceof WorkflowNotFoundError) {
    try {
      const closedStatus = await closedStatusOf(deps, workflowId);
      if (closedStatus) return { outcome: 'closed', reason: `workflow ${workflowId} is ${closedStatus}` };
      reason = `workflow ${workflowId} not started yet`;
    } catch (describeFailure) {
      reason = describeError(describeFailure);
    }
  }
  return { outcome: 'retried', reason: reason.slice(0, MAX_ERROR_LENGTH) };
}

/** Signals one event and decides what to record; attempts can run in parallel. */
export async function deliverEvent(deps: EventDeliveryDeps, event: ClaimedStripeEvent): Promise<DeliveryDecision> {
  if (!isStripeEventEnvelope(event.payload)) {
    return { outcome: 'ignored', reason: 'stored payload is not a Stripe event' };
  }
  const workflowId = targetWorkflowId(event);
  if (workflowId === null) {
    if (event.paymentIntentId === null)
      return { outcome: 'ignored', reason: 'event names no booking, setup or PaymentIntent' };
    return { outcome: 'retried', reason: `no booking known yet for PaymentIntent ${event.paymentIntentId}` };
  }
  const signal = toStripeEventSignal(event.payload);
  const { temporal, config } = deps;
  try {
    await temporal.withDeadline(Date.now() + config.TEMPORAL_RPC_TIMEOUT_MS, () =>
      signalStripeEvent(temporal, workflowId, event.id, signal),
    );
    return { outcome: 'relayed' };
  } catch (signalError) {
    return undeliveredDecision(deps, workflowId, signalError);
  }
}
