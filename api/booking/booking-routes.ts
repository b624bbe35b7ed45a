/**
 * Booking routes for the booking service (Bearer API_TOKEN): start a booking's workflow,
 * read its state, cancel it, supply a new payment method, verify its bank account's microdeposits.
 * A payment method the customer saved is used off-session (a card) or with its mandate (a bank account).
 */
import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type pg from 'pg';
import type { ApiConfig } from '../../config/env.js';
import {
  BOOKING_WORKFLOW_TYPE,
  bookingStateQuery,
  bookingWorkflowId,
  cancelBookingUpdate,
  initialBookingState,
  supplyPaymentMethodUpdate,
  verifyMicrodepositsUpdate,
  type BookingInput,
  type BookingState,
  type SupplyPaymentMethodRequest,
} from '../../workflows/booking/contract.js';
import { bookingStartMetadata } from '../../workflows/booking/booking-story.js';
import { bookingSearchAttributes, startSearchAttributes } from '../../workflows/booking/search-attribute-sync.js';
import { findSavedPaymentMethod } from '../../db/saved-payment-methods.js';
import { createBankPaymentMethod, type PaymentMethodCreator } from './bank-payment-method.js';
import { requireBearerToken } from '../http/bearer-auth.js';
import { holdPolicyFromConfig, paymentPolicyFromConfig, requestFingerprint, toBookingInput } from './booking-input.js';
import { initialBookingView, toBookingView } from './booking-view.js';
import { ApiError } from '../http/errors.js';
import { createRouter } from '../http/router.js';
import {
  checkSavedPaymentMethod,
  savedPaymentMethodsOfBooking,
  type PaymentMethodUse,
  type SavedPaymentMethodsOfBooking,
} from '../saved-payment-methods/saved-payment-method-use.js';
import {
  BEARER_SECURITY_SCHEME,
  BookingIdParamsSchema,
  type BookingView,
  BookingViewSchema,
  CancelBookingBodySchema,
  CreateBookingBodySchema,
  errorResponseSpec,
  MicrodepositOutcomeSchema,
  microdepositValues,
  type SupplyPaymentMethodBody,
  SupplyPaymentMethodBodySchema,
  unavailableResponseSpec,
  VerifyMicrodepositsBodySchema,
} from '../schemas.js';

/** What the booking routes need. */
export interface BookingRoutesDeps {
  temporal: Client;
  /** Where the customers' saved payment methods are recorded. */
  db: pg.Pool;
  config: ApiConfig;
  /** Creates PaymentMethods from bank account details; without it `payment.bankAccount` is refused. */
  stripe?: PaymentMethodCreator;
}

/** Memo key holding the fingerprint of the request that started a booking's workflow. */
export const REQUEST_FINGERPRINT_MEMO_KEY = 'requestFingerprint';

const security = [{ [BEARER_SECURITY_SCHEME]: [] }];
const bookingResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: BookingViewSchema } },
});

/** The operations a created booking's id leads to, as OpenAPI links (clients and fuzzers follow them). */
const bookingLinks = Object.fromEntries(
  (['getBooking', 'cancelBooking', 'supplyPaymentMethod', 'verifyMicrodeposits', 'getHoldNextAction'] as const).map(
    (operationId) => [
      operationId,
      { operationId, parameters: { bookingId: '$response.body#/bookingId' }, description: `${operationId} on the booking just created` },
    ],
  ),
);
const commonErrors = {
  401: errorResponseSpec('Missing or wrong bearer token (`unauthorized`)'),
  413: errorResponseSpec('Body larger than MAX_BODY_BYTES (`payload_too_large`)'),
  422: errorResponseSpec('Body or path violates the schema (`validation_failed`)'),
  500: errorResponseSpec('Unexpected failure (`internal_error`)'),
  503: unavailableResponseSpec('Temporal unreachable (`temporal_unavailable`)'),
};

const createBookingRoute = createRoute({
  operationId: 'createBooking',
  method: 'post',
  path: '/',
  summary: 'Start the payment workflow for a booking (idempotent per bookingId and body)',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: CreateBookingBodySchema } } } },
  responses: {
    201: {
      ...bookingResponse('Workflow started; the hold is being placed and the bank payment, if any, is pending'),
      links: bookingLinks,
    },
    200: { ...bookingResponse('Same request repeated; the booking as it is now'), links: bookingLinks },
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    409: errorResponseSpec('Booking id already used with a different body (`booking_conflict`)'),
    ...commonErrors,
    422: errorResponseSpec(
      'Body violates the schema (`validation_failed`: a currency other than usd, a target date outside 3 to 15 ' +
        'days ahead, both or neither of paymentMethod and bankAccount, no mandate for a bank account that is not ' +
        'saved, …), Stripe refused the bank account (`invalid_bank_account`, with Stripe\'s message), a saved ' +
        'payment method of another customer, detached or unusable (`payment_method_unusable`), or a saved bank ' +
        'account for the hold or a saved card for the payment (`payment_method_type_mismatch`)',
    ),
    503: unavailableResponseSpec(
      'Temporal, PostgreSQL (read for saved payment methods before anything is started) or Stripe unreachable ' +
        '(`temporal_unavailable`, `database_unavailable`, `stripe_unavailable`); the same request can be sent again',
    ),
  },
});

const getBookingRoute = createRoute({
  operationId: 'getBooking',
  method: 'get',
  path: '/{bookingId}',
  summary: "The booking's current state, from its workflow",
  security,
  request: { params: BookingIdParamsSchema },
  responses: {
    200: bookingResponse('The booking'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    ...commonErrors,
  },
});

const cancelBookingRoute = createRoute({
  operationId: 'cancelBooking',
  method: 'post',
  path: '/{bookingId}/cancel',
  summary: 'Cancel the booking; the hold is released at once',
  security,
  request: {
    params: BookingIdParamsSchema,
    body: { required: false, content: { 'application/json': { schema: CancelBookingBodySchema } } },
  },
  responses: {
    200: bookingResponse('The booking after the cancellation, or its final state if its workflow has finished'),
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    409: errorResponseSpec('The booking has finished and its final state cannot be read right now (`booking_closed`)'),
    504: errorResponseSpec('The workflow did not answer in time (`temporal_timeout`)'),
    ...commonErrors,
    422: errorResponseSpec('Schema violation (`validation_failed`) or rejected by the workflow (`invalid_request`)'),
  },
});

const supplyPaymentMethodRoute = createRoute({
  operationId: 'supplyPaymentMethod',
  method: 'post',
  path: '/{bookingId}/payment-method',
  summary:
    'Supply a new payment method after a decline or an expired authorization (`for: hold`, the default), ' +
    'or a new bank account after a failed bank payment (`for: payment`)',
  security,
  request: {
    params: BookingIdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: SupplyPaymentMethodBodySchema } } },
  },
  responses: {
    200: bookingResponse('The booking with a new hold or payment attempt under way'),
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    409: errorResponseSpec(
      'The booking is not waiting for a payment method, or has finished (`not_awaiting_payment_method`)',
    ),
    504: errorResponseSpec('The workflow did not answer in time (`temporal_timeout`)'),
    ...commonErrors,
    422: errorResponseSpec(
      'Schema violation (`validation_failed`), rejected by the workflow (`invalid_request`), a new bank account ' +
        'without its own acceptance of the mandate (`mandate_required`), a saved ' +
        'payment method that cannot be used (`payment_method_unusable`, `payment_method_type_mismatch`)',
    ),
  },
});

const verifyMicrodepositsRoute = createRoute({
  operationId: 'verifyMicrodeposits',
  method: 'post',
  path: '/{bookingId}/microdeposits',
  summary: "Verify the bank account with the microdeposits' descriptor code or their two amounts",
  security,
  request: {
    params: BookingIdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: VerifyMicrodepositsBodySchema } } },
  },
  responses: {
    200: {
      description:
        "Stripe's answer: `verified`, `mismatch` (with the attempts remaining), `attempts_exceeded` or `expired`; " +
        'the last two ask the customer for a new bank account',
      content: { 'application/json': { schema: MicrodepositOutcomeSchema } },
    },
    400: errorResponseSpec('Malformed JSON (`invalid_json`)'),
    404: errorResponseSpec('No workflow for this booking (`booking_not_found`)'),
    409: errorResponseSpec(
      'The booking is not waiting for microdeposits, has no attempts left, or has finished (`not_awaiting_verification`)',
    ),
    504: errorResponseSpec('The workflow did not answer in time (`temporal_timeout`)'),
    ...commonErrors,
    422: errorResponseSpec(
      'Schema violation (`validation_failed`) or rejected by the workflow (`invalid_request`, e.g. amounts sent ' +
        'for a descriptor code)',
    ),
  },
});

/** The `/v1/bookings` sub-app. */
export function createBookingRoutes({ temporal, db, config, stripe }: BookingRoutesDeps) {
  const policy = holdPolicyFromConfig(config);
  const paymentPolicy = paymentPolicyFromConfig(config);
  const rpcDeadline = () => Date.now() + config.TEMPORAL_RPC_TIMEOUT_MS;
  const updateDeadline = () => Date.now() + config.BOOKING_UPDATE_TIMEOUT_MS;

  const queryBookingState = async (bookingId: string): Promise<BookingState> => {
    const handle = temporal.workflow.getHandle(bookingWorkflowId(bookingId));
    return temporal.withDeadline(rpcDeadline(), () => handle.query(bookingStateQuery));
  };

  const queryBookingView = async (bookingId: string): Promise<BookingView> => toBookingView(await queryBookingState(bookingId));

  /** The booking id already has a workflow: the same request again is fine, a different one is a conflict. */
  const viewOfRepeatedStart = async (bookingId: string, fingerprint: string): Promise<BookingView> => {
    const handle = temporal.workflow.getHandle(bookingWorkflowId(bookingId));
    const description = await temporal.withDeadline(rpcDeadline(), () => handle.describe());
    if (description.memo?.[REQUEST_FINGERPRINT_MEMO_KEY] !== fingerprint) {
      throw new ApiError('booking_conflict', `Booking ${bookingId} already exists with a different request`);
    }
    return queryBookingView(bookingId);
  };

  /** Like viewOfRepeatedStart before anything is created; null when the booking id is new. */
  const viewOfExistingBooking = async (bookingId: string, fingerprint: string): Promise<BookingView | null> => {
    try {
      return await viewOfRepeatedStart(bookingId, fingerprint);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  };

  /**
   * Sends an update; 'closed' when the booking's workflow has finished. Temporal reports an update
   * on a closed workflow as WorkflowNotFoundError, so only describing it tells "finished" from
   * "never existed" (which stays a 404).
   */
  const updateBooking = async <Answer = BookingState>(
    bookingId: string,
    send: (handle: WorkflowHandle) => Promise<Answer>,
  ): Promise<Answer | 'closed'> => {
    const handle = temporal.workflow.getHandle(bookingWorkflowId(bookingId));
    try {
      return await temporal.withDeadline(updateDeadline(), () => send(handle));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      const description = await temporal.withDeadline(rpcDeadline(), () => handle.describe());
      if (description.status.name !== 'RUNNING') return 'closed';
      // The workflow was between runs (continue-as-new) when the update arrived: its next run takes it.
      return await temporal.withDeadline(updateDeadline(), () => send(handle));
    }
  };

  /** A finished booking's final state; queries replay the closed workflow on a worker. */
  const finalBookingView = async (bookingId: string): Promise<BookingView> => {
    try {
      return await queryBookingView(bookingId);
    } catch (error) {
      throw new ApiError('booking_closed', `Booking ${bookingId} has finished; its final state cannot be read right now`, {
        cause: error,
      });
    }
  };

  const router = createRouter();
  router.use('*', requireBearerToken(config.API_TOKEN));

  /**
   * The update that offers a new payment method: a saved card goes off-session, a saved bank
   * account brings its mandate. Only a saved method needs the booking's customer, so only then is
   * the booking read first.
   */
  const paymentMethodOffer = async (
    bookingId: string,
    request: SupplyPaymentMethodBody,
  ): Promise<SupplyPaymentMethodRequest> => {
    const use = request.for ?? 'hold';
    const saved = await findSavedPaymentMethodOfBooking(bookingId, request.paymentMethod, use);
    const savedMandateId = use === 'payment' ? saved?.mandate?.id : undefined;
    return {
      paymentMethod: request.paymentMethod,
      ...(request.for && { for: request.for }),
      ...(saved && use === 'hold' && { offSession: true }),
      ...(savedMandateId && { savedMandateId }),
      ...(request.for === 'payment' &&
        request.mandate && {
        mandate: {
          ipAddress: request.mandate.ipAddress,
          userAgent: request.mandate.userAgent,
          acceptedAt: request.mandate.acceptedAt,
        },
      }),
    };
  };

  /** The saved payment method a request names, checked against the booking's customer; null when it was never saved. */
  const findSavedPaymentMethodOfBooking = async (bookingId: string, paymentMethodId: string, use: PaymentMethodUse) => {
    const saved = await findSavedPaymentMethod(db, paymentMethodId);
    if (!saved) return null;
    const { customerId } = await queryBookingState(bookingId);
    return checkSavedPaymentMethod(saved, { customerId, use, field: 'paymentMethod' });
  };

  router.openapi(createBookingRoute, async (c) => {
    const body = c.req.valid('json');
    c.set('bookingId', body.bookingId);
    const fingerprint = requestFingerprint(body, config.STRIPE_SECRET_KEY);
    let saved: SavedPaymentMethodsOfBooking;
    try {
      saved = await savedPaymentMethodsOfBooking(db, body);
    } catch (error) {
      // A saved method may have become unusable since this booking was created: the same request still answers it.
      if (!(error instanceof ApiError)) throw error;
      const existing = await viewOfExistingBooking(body.bookingId, fingerprint);
      if (existing) return c.json(existing, 200);
      throw error;
    }
    let bankPaymentMethod: string | undefined;
    const bankAccount = body.payment?.bankAccount;
    if (bankAccount) {
      // A repeated request must not create another PaymentMethod: answer it before calling Stripe.
      const existing = await viewOfExistingBooking(body.bookingId, fingerprint);
      if (existing) return c.json(existing, 200);
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
    const input: BookingInput = toBookingInput(body, policy, paymentPolicy, bankPaymentMethod, saved);
    try {
      await temporal.withDeadline(rpcDeadline(), () =>
        temporal.workflow.start(BOOKING_WORKFLOW_TYPE, {
          workflowId: bookingWorkflowId(body.bookingId),
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { [REQUEST_FINGERPRINT_MEMO_KEY]: fingerprint },
          // Findable (BookingId, CustomerId, HoldStatus, …) and readable in the Web UI from its first moment.
          typedSearchAttributes: startSearchAttributes(bookingSearchAttributes(initialBookingState(input, new Date()))),
          ...bookingStartMetadata(input),
        }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return c.json(await viewOfRepeatedStart(body.bookingId, fingerprint), 200);
    }
    return c.json(initialBookingView(input), 201);
  });

  router.openapi(getBookingRoute, async (c) => {
    const { bookingId } = c.req.valid('param');
    return c.json(await queryBookingView(bookingId), 200);
  });

  router.openapi(cancelBookingRoute, async (c) => {
    const { bookingId } = c.req.valid('param');
    const request = c.req.valid('json');
    const state = await updateBooking(bookingId, (handle) =>
      handle.executeUpdate(cancelBookingUpdate, { args: [request.reason ? { reason: request.reason } : {}] }),
    );
    // A finished booking has nothing left to cancel: cancelling it again is answered with how it ended.
    if (state === 'closed') return c.json(await finalBookingView(bookingId), 200);
    return c.json(toBookingView(state), 200);
  });

  router.openapi(supplyPaymentMethodRoute, async (c) => {
    const { bookingId } = c.req.valid('param');
    const offer = await paymentMethodOffer(bookingId, c.req.valid('json'));
    const state = await updateBooking(bookingId, (handle) => handle.executeUpdate(supplyPaymentMethodUpdate, { args: [offer] }));
    if (state === 'closed') {
      throw new ApiError('not_awaiting_payment_method', `Booking ${bookingId} has finished; it awaits no payment method`);
    }
    return c.json(toBookingView(state), 200);
  });

  router.openapi(verifyMicrodepositsRoute, async (c) => {
    const { bookingId } = c.req.valid('param');
    const request = c.req.valid('json');
    const outcome = await updateBooking(bookingId, (handle) =>
      handle.executeUpdate(verifyMicrodepositsUpdate, {
        args: [microdepositValues(request)],
      }),
    );
    if (outcome === 'closed') {
      throw new ApiError('not_awaiting_verification', `Booking ${bookingId} has finished; it awaits no microdeposits`);
    }
    return c.json(
      { result: outcome.result, attemptsRemaining: outcome.attemptsRemaining, booking: toBookingView(outcome.booking) },
      200,
    );
  });

  return router;
}
