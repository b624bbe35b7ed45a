/**
 * The booking workflow's message handlers: the Stripe event signal, the state query, and the
 * cancel, supply-payment-method and verify-microdeposits updates. Deterministic: workflow code only.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { BookingContext } from './booking-context.js';
import {
  FailureTypes,
  bookingStateQuery,
  cancelBookingUpdate,
  stripeEventSignal,
  supplyPaymentMethodUpdate,
  verifyMicrodepositsUpdate,
  type SupplyPaymentMethodRequest,
} from './contract.js';
import type { HoldLifecycle } from './hold-lifecycle.js';
import type { createPaymentLifecycle } from './payment-lifecycle.js';
import {
  validateCancelRequest,
  validateMicrodepositsRequest,
  validatePaymentMethodRequest,
} from './update-validators.js';

/** The bank payment's lifecycle as the handlers use it. */
type PaymentLifecycle = ReturnType<typeof createPaymentLifecycle>;

/** Registers every handler of the booking workflow, in the order they have always been registered. */
export function registerBookingHandlers(ctx: BookingContext, hold: HoldLifecycle, payment: PaymentLifecycle): void {
  const { state } = ctx;
  // Descriptions show in the Web UI and `temporal workflow metadata` next to each handler.
  setHandler(
    stripeEventSignal,
    (event) => {
      ctx.receiveEvent(event);
    },
    { description: 'A Stripe event about this booking, relayed from the webhook inbox (ids and status only)' },
  );

  setHandler(bookingStateQuery, () => state, {
    description: "The booking's state: hold and bank payment status, Stripe ids, deadlines, dispute, refund, reasons",
  });

  registerCancelBooking(ctx, hold, payment);
  registerSupplyPaymentMethod(ctx, hold, payment);

  setHandler(
    verifyMicrodepositsUpdate,
    async (request) => ({ ...(await payment.verifyMicrodeposits(request)), booking: state }),
    {
      description: "The customer's microdeposit values (descriptor code or two amounts); answers with Stripe's verdict",
      validator: (request) => {
        validateMicrodepositsRequest(request);
        payment.checkMicrodepositAttempt(request);
      },
    },
  );
}

/** The cancel update: records the request, and answers once it has been carried out. */
function registerCancelBooking(ctx: BookingContext, hold: HoldLifecycle, payment: PaymentLifecycle): void {
  const { state } = ctx;
  setHandler(
    cancelBookingUpdate,
    async (request) => {
      if (!state.cancelRequested) {
        state.cancelRequested = true;
        state.cancelReason = request.reason ?? null;
        ctx.touch();
      }
      // Answers once the cancellation has been carried out: the hold released, the payment
      // cancelled, refused by Stripe, or its refund requested (a refund may take days to land).
      // A hold Stripe refuses to release is followed for days: the answer says so rather than wait.
      await condition(() => (hold.done() || hold.releaseRefused()) && payment.cancellationSettled());
      return state;
    },
    {
      validator: validateCancelRequest,
      description: 'Cancel the booking: release the hold, cancel or refund the payment; answers with the state after',
    },
  );
}

/** The supply-payment-method update: offers the new method to the hold or the payment, answers once it was tried. */
function registerSupplyPaymentMethod(ctx: BookingContext, hold: HoldLifecycle, payment: PaymentLifecycle): void {
  const { state } = ctx;
  setHandler(
    supplyPaymentMethodUpdate,
    async (request) => {
      if (request.for === 'payment') {
        const attemptBefore = state.payment!.attempt;
        payment.offerPaymentMethod(request.paymentMethod, {
          ...(request.savedMandateId && { savedMandateId: request.savedMandateId }),
          ...(request.mandate && { mandate: request.mandate }),
        });
        await condition(
          () => payment.done() || (state.payment!.attempt > attemptBefore && state.payment!.status !== 'pending'),
        );
        return state;
      }
      const attemptBefore = state.hold.attempt;
      hold.offerPaymentMethod(request.paymentMethod, request.offSession === true);
      await condition(() => hold.done() || (state.hold.attempt > attemptBefore && state.hold.status !== 'placing'));
      return state;
    },
    {
      description:
        'A new payment method after a decline or expiry (for the hold) or a failed bank payment (for the payment)',
      validator: (request) => checkPaymentMethodOffer(ctx, hold, payment, request),
    },
  );
}

/** Throws a typed failure when the booking cannot take this payment method now. */
function checkPaymentMethodOffer(
  ctx: BookingContext,
  hold: HoldLifecycle,
  payment: PaymentLifecycle,
  request: SupplyPaymentMethodRequest,
): void {
  const { state } = ctx;
  validatePaymentMethodRequest(request);
  const part = request.for === 'payment' ? payment : hold;
  if (!part.awaitingPaymentMethod() || part.paymentMethodOffered()) {
    const status = request.for === 'payment' ? (state.payment?.status ?? 'absent') : state.hold.status;
    throw ApplicationFailure.nonRetryable(
      `booking is not waiting for a payment method (${request.for ?? 'hold'} is ${status})`,
      FailureTypes.NotAwaitingPaymentMethod,
    );
  }
  if (
    request.for === 'payment' &&
    !request.savedMandateId &&
    !request.mandate &&
    !payment.hasMandateAcceptance(request.paymentMethod)
  ) {
    // A mandate authorizes one account: an acceptance given for another is never reused.
    throw ApplicationFailure.nonRetryable(
      "a new bank account needs its own mandate acceptance: give the customer's acceptance (mandate) with it",
      FailureTypes.MandateRequired,
    );
  }
}
