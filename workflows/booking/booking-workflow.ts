/**
 * One workflow per booking (`booking-<bookingId>`): owns the booking's money from the $1 card hold
 * to the last webhook. Each part (the hold, the bank payment) is a step-by-step lifecycle; this
 * loop wakes them on events, requests and deadlines, and continues as new before history grows
 * large. Deterministic: every side effect is an activity.
 */
import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { DeadlineTimer } from '../common/deadline-timer.js';
import { BookingContext, type Lifecycle } from './booking-context.js';
import { registerBookingHandlers } from './booking-handlers.js';
import { KEEP_DEADLINE_TIMER_PATCH, WAKE_ON_MOVED_DEADLINE_PATCH } from './booking-patches.js';
import { initialBookingState, type BookingInput, type BookingState } from './contract.js';
import { createHoldLifecycle } from './hold-lifecycle.js';
import { createPaymentLifecycle } from './payment-lifecycle.js';

/** Continue-as-new well before Temporal's history limits (51,200 events / 50 MB). */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/** The booking workflow; returns the booking's final state. */
export async function bookingWorkflow(input: BookingInput): Promise<BookingState> {
  const ctx = new BookingContext(input, input.carriedState ?? initialBookingState(input, new Date()));
  const hold = createHoldLifecycle(ctx);
  const payment = createPaymentLifecycle(ctx);
  ctx.publish();
  registerBookingHandlers(ctx, hold, payment);
  await runParts(ctx, [hold, payment]);
  await ctx.notificationsSettled();
  await condition(allHandlersFinished);
  return ctx.state;
}

/**
 * The main loop: until every part is done, wakes the parts on events, requests and deadlines, lets
 * each ready one take its step, and continues as new when history grows large.
 */
async function runParts(ctx: BookingContext, parts: Lifecycle[]): Promise<void> {
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
  const wakeOnMovedDeadline = ctx.patches.has(WAKE_ON_MOVED_DEADLINE_PATCH);
  // A wake-up that leaves the next deadline where it was keeps its timer (older histories re-armed).
  const timer = ctx.patches.has(KEEP_DEADLINE_TIMER_PATCH) ? new DeadlineTimer() : null;

  while (!parts.every((part) => part.done())) {
    if (canContinueAsNew()) await continueWithCarriedState(ctx);
    if (!anyReady()) {
      const wake = nextWake();
      const moved = () => wakeOnMovedDeadline && nextWake()?.at !== wake?.at;
      if (timer) {
        const fired = wake ? timer.arm(wake) : timer.disarm();
        await condition(() => anyReady() || moved() || fired());
      } else if (wake) {
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
}

/** Whether history is long enough (or Temporal suggests it) to continue as new. */
function continueAsNewDue(): boolean {
  return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS;
}

/** Continues as new, carrying the state, the events not yet applied and the notifications not yet delivered. */
async function continueWithCarriedState(ctx: BookingContext): Promise<never> {
  return continueAsNew<typeof bookingWorkflow>({
    ...ctx.input,
    carriedState: ctx.state,
    carriedEvents: ctx.waitingEvents(),
    carriedNotifications: ctx.undeliveredNotifications(),
  });
}
