/**
 * `POST /v1/bookings`: starts a booking's workflow once per booking id. The same request again answers
 * the booking as it is now; another request with the same booking id is a conflict. A bank account
 * given by its details becomes a Stripe PaymentMethod first, and only for a booking id not used yet.
 */
import { createRoute, type RouteHandler } from '@hono/zod-openapi';
import {
  BOOKING_WORKFLOW_TYPE,
  bookingWorkflowId,
  initialBookingState,
  type BookingInput,
} from '../../workflows/booking/contract.js';
import type { bookingWorkflow } from '../../workflows/booking/booking-workflow.js';
import { bookingStartMetadata } from '../../workflows/booking/booking-story.js';
import { bookingSearchAttributes, startSearchAttributes } from '../../workflows/booking/search-attribute-sync.js';
import { ApiError } from '../http/errors.js';
import type { AppEnv } from '../http/router.js';
import { orNullWhenNotFound, type WorkflowCalls } from '../temporal/workflow-calls.js';
import {
  savedPaymentMethodsOfBooking,
  type SavedPaymentMethodsOfBooking,
} from '../saved-payment-methods/saved-payment-method-use.js';
import { CreateBookingBodySchema, type BookingView, type CreateBookingBody } from './schemas.js';
import { bearerSecurity, errorResponseSpec, unavailableResponseSpec } from '../http/schemas.js';
import { createBankPaymentMethod } from './bank-payment-method.js';
import { queryBookingView, type BookingContext } from './booking-context.js';
import { holdPolicyFromConfig, paymentPolicyFromConfig, requestFingerprint, toBookingInput } from './booking-input.js';
import { bookingResponse, commonBookingErrors } from './booking-responses.js';
import { initialBookingView } from './booking-view.js';

/** Memo key holding the fingerprint of the request that started a booking's workflow. */
export const REQUEST_FINGERPRINT_MEMO_KEY = 'requestFingerprint';

/** The operations a created booking's id leads to, as OpenAPI links (clients and fuzzers follow them). */
const bookingLinks = Object.fromEntries(
  (['getBooking', 'cancelBooking', 'supplyPaymentMethod', 'verifyMicrodeposits', 'getHoldNextAction'] as const).map(
    (operationId) => [
      operationId,
      {
        operationId,
        parameters: { bookingId: '$response.body#/bookingId' },
        description: `${operationId} on the booking just created`,
      },
    ],
  ),
);

export const createBookingRoute = createRoute({
  operationId: 'createBooking',
  method: 'post',
  path: '/',
  summary: 'Start the payment workflow for a booking (idempotent per bookingId and body)',
  security: bearerSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: CreateBookingBodySchema } } } },
  responses: {
    201: {
      ...bookingResponse('Workflow started; the hold is being placed and the bank payment, if any, is pending'),
      links: bookingLinks,
    },
    200: { ...bookingResponse('Same request repeated; the booking as it is now'), links: bookingLinks },
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    409: errorResponseSpec('Booking id already used with a different body (`booking_conflict`)'),
    ...commonBookingErrors,
    422: errorResponseSpec(
      'Body violates the schema (`validation_failed`: a currency other than usd, a target date outside 3 to 15 ' +
        'days ahead, both or neither of paymentMethod and bankAccount, no mandate for a bank account that is not ' +
        "saved, …), Stripe refused the bank account (`invalid_bank_account`, with Stripe's message), a saved " +
        'payment method of another customer, detached or unusable (`payment_method_unusable`), or a saved bank ' +
        'account for the hold or a saved card for the payment (`payment_method_type_mismatch`)',
    ),
    503: unavailableResponseSpec(
      'Temporal, PostgreSQL (read for saved payment methods before anything is started) or Stripe unreachable ' +
        '(`temporal_unavailable`, `database_unavailable`, `stripe_unavailable`); the same request can be sent again',
    ),
  },
});

/** The booking id already has a workflow: the same request again is fine, a different one is a conflict. */
async function viewOfRepeatedStart(calls: WorkflowCalls, bookingId: string, fingerprint: string): Promise<BookingView> {
  const startedBy = await calls.startFingerprint(bookingWorkflowId(bookingId), REQUEST_FINGERPRINT_MEMO_KEY);
  if (startedBy !== fingerprint) {
    throw new ApiError('booking_conflict', `Booking ${bookingId} already exists with a different request`);
  }
  return queryBookingView(calls, bookingId);
}

/** Like viewOfRepeatedStart before anything is created; null when the booking id is new. */
function viewOfExistingBooking(
  calls: WorkflowCalls,
  bookingId: string,
  fingerprint: string,
): Promise<BookingView | null> {
  return orNullWhenNotFound(() => viewOfRepeatedStart(calls, bookingId, fingerprint));
}

/** What a create request leads to before its workflow starts: the workflow's input, or the booking it repeats. */
type PreparedStart = { input: BookingInput } | { existing: BookingView };

/**
 * The workflow's input: the customer's saved payment methods read, a bank account's details turned
 * into a PaymentMethod. A repeated request is answered before anything is created.
 */
async function prepareStart(
  { calls, db, config, stripe }: BookingContext,
  body: CreateBookingBody,
  fingerprint: string,
): Promise<PreparedStart> {
  let saved: SavedPaymentMethodsOfBooking;
  try {
    saved = await savedPaymentMethodsOfBooking(db, body);
  } catch (error) {
    // A saved method may have become unusable since this booking was created: the same request still answers it.
    if (!(error instanceof ApiError)) throw error;
    const existing = await viewOfExistingBooking(calls, body.bookingId, fingerprint);
    if (existing) return { existing };
    throw error;
  }
  let bankPaymentMethod: string | undefined;
  const bankAccount = body.payment?.bankAccount;
  if (bankAccount) {
    // A repeated request must not create another PaymentMethod: answer it before calling Stripe.
    const existing = await viewOfExistingBooking(calls, body.bookingId, fingerprint);
    if (existing) return { existing };
    if (!stripe) {
      throw new ApiError('invalid_request', 'Bank account details are not accepted here; give payment.paymentMethod');
    }
    bankPaymentMethod = await createBankPaymentMethod(stripe, {
      bookingId: body.bookingId,
      requestFingerprint: fingerprint,
      bankAccount,
      customer: body.customer,
    });
  }
  const input = toBookingInput(
    body,
    holdPolicyFromConfig(config),
    paymentPolicyFromConfig(config),
    bankPaymentMethod,
    saved,
    config.HOLD_DEFAULT_PLAN,
  );
  return { input };
}

/** Starts the booking's workflow once; false when its booking id already has one. */
function startBookingWorkflow(calls: WorkflowCalls, input: BookingInput, fingerprint: string): Promise<boolean> {
  return calls.startOnce<typeof bookingWorkflow>({
    workflowType: BOOKING_WORKFLOW_TYPE,
    options: {
      workflowId: bookingWorkflowId(input.bookingId),
      args: [input],
      // Findable (BookingId, CustomerId, HoldStatus, …) and readable in the Web UI from its first moment.
      typedSearchAttributes: startSearchAttributes(bookingSearchAttributes(initialBookingState(input, new Date()))),
      ...bookingStartMetadata(input),
    },
    fingerprint: { memoKey: REQUEST_FINGERPRINT_MEMO_KEY, value: fingerprint },
  });
}

/** Starts a booking: 201 with its first view, 200 with the booking as it is for the same request again. */
export function createBooking(context: BookingContext): RouteHandler<typeof createBookingRoute, AppEnv> {
  return async (c) => {
    const body = c.req.valid('json');
    c.set('bookingId', body.bookingId);
    const fingerprint = requestFingerprint(body, context.config.STRIPE_SECRET_KEY);
    const prepared = await prepareStart(context, body, fingerprint);
    if ('existing' in prepared) return c.json(prepared.existing, 200);
    if (!(await startBookingWorkflow(context.calls, prepared.input, fingerprint))) {
      return c.json(await viewOfRepeatedStart(context.calls, body.bookingId, fingerprint), 200);
    }
    return c.json(initialBookingView(prepared.input), 201);
  };
}
