/**
 * Open bookings compared with Stripe, one visibility page at a time: each booking's state read with
 * its query, its PaymentIntents read from Stripe, the drift rules applied.
 */
import { heartbeat } from '@temporalio/activity';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { bookingStateQuery } from '../../workflows/booking/contract.js';
import { OPEN_BOOKINGS_QUERY, type UnreadableBooking } from '../../workflows/reconciliation/contract.js';
import { classifyStripeError, isResourceMissingError } from '../common/classify-stripe-error.js';
import { findBookingDrift, MISSING_PAYMENT_INTENT, type BookingDrift } from './booking-drift.js';
import type { ReconciliationClients } from './reconciliation-activity-deps.js';

/** Input of compareOpenBookings: one page of open bookings. */
export interface BookingComparisonInput {
  /** Visibility page token from the previous page (base64), null for the first page. */
  pageToken: string | null;
  pageSize: number;
  driftGraceSeconds: number;
}

/** One page of open bookings compared with Stripe. */
export interface BookingComparisonPage {
  checked: number;
  disagreements: BookingDrift[];
  unreadable: UnreadableBooking[];
  /** Null after the last page. */
  nextPageToken: string | null;
}

/** How long one booking's query may take before the booking counts as unreadable. */
const QUERY_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 300;
/** gRPC status UNAVAILABLE: Temporal itself cannot be reached, so the whole page is retried. */
const GRPC_UNAVAILABLE = 14;

function isTemporalUnreachable(error: unknown): boolean {
  const grpcError = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(grpcError) && (grpcError.code as number) === GRPC_UNAVAILABLE;
}

function describe(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, MAX_ERROR_LENGTH);
}

/** Stripe's current status of each PaymentIntent, `missing` for one Stripe does not know. */
async function readStatuses(
  gateway: ReconciliationClients['gateway'],
  paymentIntentIds: string[],
): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for (const paymentIntentId of paymentIntentIds) {
    try {
      statuses.set(paymentIntentId, (await gateway.retrievePaymentIntent(paymentIntentId)).status);
    } catch (error) {
      if (!isResourceMissingError(error)) throw classifyStripeError(error);
      statuses.set(paymentIntentId, MISSING_PAYMENT_INTENT);
    }
  }
  return statuses;
}

/** Builds the booking comparison activity over Temporal visibility, booking queries and Stripe. */
export function createBookingComparisonActivities({
  gateway,
  temporal,
  now,
}: Pick<ReconciliationClients, 'gateway' | 'temporal' | 'now'>) {
  return {
    /**
     * Compares one page of open bookings with Stripe: reads each booking's state with its query and
     * its PaymentIntents from Stripe, and applies the drift rules. A booking whose query fails is
     * reported as unreadable; Temporal or Stripe being unreachable fails the page, to be retried.
     */
    async compareOpenBookings(input: BookingComparisonInput): Promise<BookingComparisonPage> {
      const response = await temporal.workflowService.listWorkflowExecutions({
        namespace: temporal.options.namespace,
        query: OPEN_BOOKINGS_QUERY,
        pageSize: input.pageSize,
        nextPageToken: input.pageToken ? Buffer.from(input.pageToken, 'base64') : undefined,
      });
      const result: BookingComparisonPage = { checked: 0, disagreements: [], unreadable: [], nextPageToken: null };
      for (const execution of response.executions ?? []) {
        const workflowId = execution.execution?.workflowId;
        if (!workflowId) continue;
        let state;
        try {
          state = await temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
            temporal.workflow.getHandle(workflowId).query(bookingStateQuery),
          );
        } catch (error) {
          // Gone since the listing: nothing left to compare.
          if (error instanceof WorkflowNotFoundError) continue;
          if (isTemporalUnreachable(error)) throw error;
          result.unreadable.push({ workflowId, error: describe(error) });
          heartbeat({ checked: result.checked });
          continue;
        }
        const paymentIntentIds = [state.hold.paymentIntentId, state.payment?.paymentIntentId].filter(
          (id): id is string => typeof id === 'string' && id.length > 0,
        );
        const statuses = await readStatuses(gateway, paymentIntentIds);
        result.disagreements.push(...findBookingDrift(state, statuses, now(), input.driftGraceSeconds * 1000));
        result.checked += 1;
        heartbeat({ checked: result.checked });
      }
      const token = response.nextPageToken;
      result.nextPageToken = token && token.length > 0 ? Buffer.from(token).toString('base64') : null;
      return result;
    },
  };
}
