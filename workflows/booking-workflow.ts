/**
 * One workflow per booking (`booking-<bookingId>`): owns the booking's money from the $1 card hold
 * to the last webhook. Each part (the hold; later the payment) is a step-by-step lifecycle; this
 * loop wakes them on events, requests and deadlines, and continues as new before history grows
 * large. Deterministic: every side effect is an activity.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
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
  type BookingInput,
  type BookingState,
} from './contract.js';
import { createHoldLifecycle } from './hold-lifecycle.js';
import { validateCancelRequest, validatePaymentMethodRequest } from './update-validators.js';

/** Continue-as-new well before Temporal's history limits (51,200 events / 50 MB). */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/** The booking workflow; returns the booking's final state. */
export async function bookingWorkflow(input: BookingInput): Promise<BookingState> {
  const ctx = new BookingContext(input, input.carriedState ?? initialBookingState(input, new Date()));
  const { state } = ctx;
  const hold = createHoldLifecycle(ctx);
  const parts: Lifecycle[] = [hold];
  const allDone = () => parts.every((part) => part.done());

  setHandler(stripeEventSignal, (event) => {
    ctx.receiveEvent(event);
  });

  setHandler(bookingStateQuery, () => state);

  setHandler(
    cancelBookingUpdate,
    async (request) => {
      if (!state.cancelRequested) {
        state.cancelRequested = true;
        state.cancelReason = request.reason ?? null;
        ctx.touch();
      }
      await condition(allDone);
      return state;
    },
    { validator: validateCancelRequest },
  );

  setHandler(
    supplyPaymentMethodUpdate,
    async (request) => {
      const attemptBefore = state.hold.attempt;
      hold.offerPaymentMethod(request.paymentMethod);
      await condition(() => hold.done() || (state.hold.attempt > attemptBefore && state.hold.status !== 'placing'));
      return state;
    },
    {
      validator: (request) => {
        validatePaymentMethodRequest(request);
        if (!hold.awaitingPaymentMethod() || hold.paymentMethodOffered()) {
          throw ApplicationFailure.nonRetryable(
            `booking is not waiting for a payment method (hold is ${state.hold.status})`,
            FailureTypes.NotAwaitingPaymentMethod,
          );
        }
      },
    },
  );

  const continueAsNewDue = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS;
  const canContinueAsNew = () =>
    continueAsNewDue() && allHandlersFinished() && parts.every((part) => part.safeToContinueAsNew());
  const anyReady = () => parts.some((part) => part.ready()) || canContinueAsNew();

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
      const wake = parts
        .map((part) => part.wakeAt())
        .filter((deadline) => deadline !== null)
        .sort((a, b) => a.at - b.at)[0];
      if (wake) {
        await condition(anyReady, Math.max(wake.at - Date.now(), 1), { summary: wake.summary });
      } else {
        await condition(anyReady);
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
