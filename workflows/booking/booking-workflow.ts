/**
 * One workflow per booking (`booking-<bookingId>`): owns the booking's money from the $1 card hold
 * to the last webhook. Each part (the hold, the bank payment) is a step-by-step lifecycle; this
 * loop wakes them on events, requests and deadlines, and continues as new before history grows
 * large. Deterministic: every side effect is an activity.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { BookingContext, type Lifecycle } from './booking-context.js';
import {
  FailureTypes,
  bookingStateQuery,
  cancelBookingUpdate,
  initialBookingState,
  stripeEventSignal,
  supplyPaymentMethodUpdate,
  verifyMicrodepositsUpdate,
  type BookingInput,
  type BookingState,
} from './contract.js';
import { createHoldLifecycle } from './hold-lifecycle.js';
import { createPaymentLifecycle } from './payment-lifecycle.js';
import {
  validateCancelRequest,
  validateMicrodepositsRequest,
  validatePaymentMethodRequest,
} from './update-validators.js';

/** Continue-as-new well before Temporal's history limits (51,200 events / 50 MB). */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/** Patch: the main loop re-arms its timer when an update moves a deadline; older histories slept on. */
const WAKE_ON_MOVED_DEADLINE_PATCH = 'wake-on-moved-deadline';

/** The booking workflow; returns the booking's final state. */
export async function bookingWorkflow(input: BookingInput): Promise<BookingState> {
  const ctx = new BookingContext(input, input.carriedState ?? initialBookingState(input, new Date()));
  const { state } = ctx;
  const hold = createHoldLifecycle(ctx);
  const payment = createPaymentLifecycle(ctx);
  const parts: Lifecycle[] = [hold, payment];
  const allDone = () => parts.every((part) => part.done());
  ctx.publish();

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
      description: 'A new payment method after a decline or expiry (for the hold) or a failed bank payment (for the payment)',
      validator: (request) => {
        validatePaymentMethodRequest(request);
        const part = request.for === 'payment' ? payment : hold;
        if (!part.awaitingPaymentMethod() || part.paymentMethodOffered()) {
          const status = request.for === 'payment' ? (state.payment?.status ?? 'absent') : state.hold.status;
          throw ApplicationFailure.nonRetryable(
            `booking is not waiting for a payment method (${request.for ?? 'hold'} is ${status})`,
            FailureTypes.NotAwaitingPaymentMethod,
          );
        }
        if (request.for === 'payment' && !request.savedMandateId && !request.mandate && !payment.hasMandateAcceptance(request.paymentMethod)) {
          // A mandate authorizes one account: an acceptance given for another is never reused.
          throw ApplicationFailure.nonRetryable(
            'a new bank account needs its own mandate acceptance: give the customer\'s acceptance (mandate) with it',
            FailureTypes.MandateRequired,
          );
        }
      },
    },
  );

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

  const continueAsNewDue = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS;
  const canContinueAsNew = () =>
    continueAsNewDue() && allHandlersFinished() && parts.every((part) => part.safeToContinueAsNew());
  const anyReady = () => parts.some((part) => part.ready()) || canContinueAsNew();
  const nextWake = () =>
    parts
      .map((part) => part.wakeAt())
      .filter((deadline) => deadline !== null)
      .sort((a, b) => a.at - b.at)[0];
  // An update may move a deadline earlier (a new bank account within 24 hours after failed
  // microdeposits, the processing alert after a verification): wake up to re-arm the timer.
  const wakeOnMovedDeadline = patched(WAKE_ON_MOVED_DEADLINE_PATCH);

  while (!allDone()) {
    if (canContinueAsNew()) {
      await continueAsNew<typeof bookingWorkflow>({
        ...input,
        carriedState: state,
        carriedEvents: ctx.waitingEvents(),
        carriedNotifications: ctx.undeliveredNotifications(),
      });
    }
    if (!anyReady()) {
      const wake = nextWake();
      const moved = () => wakeOnMovedDeadline && nextWake()?.at !== wake?.at;
      if (wake) {
        await condition(() => anyReady() || moved(), Math.max(wake.at - Date.now(), 1), { summary: wake.summary });
      } else {
        await condition(() => anyReady() || moved());
      }
    }
    for (const part of parts) {
      if (part.ready()) await part.step();
    }
    ctx.dropStaleEvents(parts);
  }

  await ctx.notificationsSettled();
  await condition(allHandlersFinished);
  return state;
}
