/**
 * One workflow per booking (`booking-<bookingId>`): places the $1 card hold, follows Stripe's
 * events, sleeps until the release deadline and releases the hold, or releases at once when the
 * booking is cancelled. Deterministic: every side effect is an activity.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { BookingActivities } from '../activities/create-activities.js';
import type { PaymentIntentSnapshot } from '../activities/payment-intent-snapshot.js';
import type { CardDeclineDetails } from '../activities/classify-stripe-error.js';
import * as activityOptions from './activity-options.js';
import {
  FailureTypes,
  MAX_REMEMBERED_EVENT_IDS,
  bookingStateQuery,
  cancelBookingUpdate,
  initialBookingState,
  stripeEventSignal,
  supplyPaymentMethodUpdate,
  type BookingInput,
  type BookingNotification,
  type BookingState,
  type HoldStatus,
  type NotificationType,
  type StripeEventSignal,
} from './contract.js';
import { computeReleaseDeadline } from './release-deadline.js';
import { validateCancelRequest, validatePaymentMethodRequest } from './update-validators.js';

const stripeWrites = proxyActivities<BookingActivities>(activityOptions.stripeWrites);
const stripeReads = proxyActivities<BookingActivities>(activityOptions.stripeReads);
const notifier = proxyActivities<BookingActivities>(activityOptions.notifications);

/** Rounds of release attempts (each one the activity's full retry window) before giving up. */
const RELEASE_ROUNDS = 3;
const RELEASE_ROUND_GAP = '1 hour';

/** Continue-as-new well before Temporal's history limits (51,200 events / 50 MB). */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/** The booking workflow; returns the booking's final state. */
export async function bookingWorkflow(input: BookingInput): Promise<BookingState> {
  const state: BookingState = input.carriedState ?? initialBookingState(input, new Date());
  const pendingEvents: StripeEventSignal[] = [...(input.carriedEvents ?? [])];
  const seenEventIds = new Set(state.seenEventIds);
  const pendingNotifications: Promise<void>[] = [];
  const unsettledNotifications = new Map<string, BookingNotification>();
  let offeredPaymentMethod: string | null = null;
  let finished = false;

  const touch = () => {
    state.updatedAt = new Date().toISOString();
  };
  const setStatus = (status: HoldStatus, reason: string | null = state.hold.reason) => {
    state.hold.status = status;
    state.hold.reason = reason;
    touch();
  };
  const awaitingPaymentMethod = () =>
    !finished && !state.cancelRequested && (state.hold.status === 'declined' || state.hold.status === 'expired');

  setHandler(stripeEventSignal, (event) => {
    if (seenEventIds.has(event.eventId)) return;
    seenEventIds.add(event.eventId);
    state.seenEventIds.push(event.eventId);
    if (state.seenEventIds.length > MAX_REMEMBERED_EVENT_IDS) {
      seenEventIds.delete(state.seenEventIds.shift()!);
    }
    pendingEvents.push(event);
  });

  setHandler(bookingStateQuery, () => state);

  setHandler(
    cancelBookingUpdate,
    async (request) => {
      if (!state.cancelRequested) {
        state.cancelRequested = true;
        state.cancelReason = request.reason ?? null;
        touch();
      }
      await condition(() => finished);
      return state;
    },
    { validator: validateCancelRequest },
  );

  setHandler(
    supplyPaymentMethodUpdate,
    async (request) => {
      const attemptBefore = state.hold.attempt;
      offeredPaymentMethod = request.paymentMethod;
      await condition(() => finished || (state.hold.attempt > attemptBefore && state.hold.status !== 'placing'));
      return state;
    },
    {
      validator: (request) => {
        validatePaymentMethodRequest(request);
        if (!awaitingPaymentMethod() || offeredPaymentMethod !== null) {
          throw ApplicationFailure.nonRetryable(
            `booking is not waiting for a payment method (hold is ${state.hold.status})`,
            FailureTypes.NotAwaitingPaymentMethod,
          );
        }
      },
    },
  );

  const sendNotification = (notification: BookingNotification) => {
    unsettledNotifications.set(notification.id, notification);
    pendingNotifications.push(
      notifier.notifyBookingService(notification).then(
        () => {
          state.notificationsSent += 1;
          unsettledNotifications.delete(notification.id);
        },
        (error) => {
          // A notification that exhausted its retries must not fail the booking; it stays recorded.
          unsettledNotifications.delete(notification.id);
          log.warn('notification not delivered', { notificationId: notification.id, error: String(error) });
        },
      ),
    );
  };

  const notify = (type: NotificationType, data: BookingNotification['data'] = {}) => {
    sendNotification({
      id: `${state.bookingId}:${type}:${state.hold.attempt}`,
      bookingId: state.bookingId,
      type,
      occurredAt: new Date().toISOString(),
      data: { paymentIntentId: state.hold.paymentIntentId, attempt: state.hold.attempt, ...data },
    });
  };
  // Notifications still retrying when the previous run continued as new; ids make resending safe.
  for (const notification of input.carriedNotifications ?? []) sendNotification(notification);

  /** Next event that concerns the current PaymentIntent; others are counted and dropped. */
  const nextRelevantEvent = (): StripeEventSignal | null => {
    while (pendingEvents.length > 0) {
      const event = pendingEvents.shift()!;
      state.processedEventCount += 1;
      if (event.paymentIntentId && event.paymentIntentId === state.hold.paymentIntentId) return event;
    }
    return null;
  };

  /** Waits until the predicate holds, an event arrives, or the deadline passes; true if not timed out. */
  const waitFor = async (until: () => boolean, deadline: Date | null, summary: string): Promise<boolean> => {
    const wake = () => until() || pendingEvents.length > 0 || (continueAsNewDue() && allHandlersFinished());
    if (!deadline) {
      await condition(wake);
      return true;
    }
    const remaining = deadline.getTime() - Date.now();
    if (remaining <= 0) return wake();
    return condition(wake, remaining, { summary });
  };

  const continueAsNewDue = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS;

  const markHeld = (snapshot: PaymentIntentSnapshot) => {
    const authorizedAt = new Date(snapshot.createdAt);
    const deadline = computeReleaseDeadline({
      endsAt: new Date(state.endsAt),
      authorizedAt,
      captureBefore: snapshot.captureBefore ? new Date(snapshot.captureBefore) : null,
      policy: input.policy,
    });
    state.hold.authorizedAt = authorizedAt.toISOString();
    state.hold.releaseAt = deadline.releaseAt.toISOString();
    state.hold.actionDeadline = null;
    state.hold.declineCode = null;
    setStatus(
      'held',
      deadline.boundBy === 'authorization_validity'
        ? 'release moved before the booking end: the authorization would lapse first'
        : null,
    );
    notify('hold.held', { releaseAt: state.hold.releaseAt });
  };

  const markDeclined = (declineCode: string | null, reason: string) => {
    state.hold.declineCode = declineCode;
    state.hold.actionDeadline = new Date(Date.now() + input.policy.newPaymentMethodTimeoutSeconds * 1000).toISOString();
    setStatus('declined', reason);
    notify('hold.declined', { declineCode });
  };

  const markExpired = () => {
    state.hold.releasedAt = new Date().toISOString();
    state.hold.actionDeadline = null;
    setStatus('expired', 'Stripe expired the authorization before it was released');
    notify('hold.expired');
    if (state.cancelRequested || Date.now() >= new Date(state.endsAt).getTime()) {
      finished = true;
    } else {
      state.hold.actionDeadline = new Date(
        Date.now() + input.policy.newPaymentMethodTimeoutSeconds * 1000,
      ).toISOString();
    }
  };

  const markFailed = (reason: string) => {
    state.hold.actionDeadline = null;
    setStatus('failed', reason);
    notify('hold.failed', { reason });
    finished = true;
  };

  /** Applies Stripe's word on a PaymentIntent that was cancelled, by us or by Stripe. */
  const applyCancelled = (
    snapshot: PaymentIntentSnapshot,
    why: string,
    outcome: 'released' | 'failed' = 'released',
  ) => {
    if (snapshot.cancellationReason === 'automatic') {
      markExpired();
      return;
    }
    if (outcome === 'failed') {
      markFailed(why);
      return;
    }
    state.hold.releasedAt = new Date().toISOString();
    state.hold.actionDeadline = null;
    setStatus('released', why);
    notify('hold.released', { reason: why });
    finished = true;
  };

  /** Cancels the current PaymentIntent and records the outcome. */
  const release = async (
    cancellationReason: 'requested_by_customer' | 'abandoned',
    why: string,
    outcome: 'released' | 'failed' = 'released',
  ): Promise<void> => {
    let snapshot: PaymentIntentSnapshot | null = null;
    for (let round = 1; snapshot === null; round += 1) {
      try {
        snapshot = await stripeWrites.releaseHold({
          bookingId: state.bookingId,
          paymentIntentId: state.hold.paymentIntentId!,
          reason: cancellationReason,
        });
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        log.error('hold release failed', { paymentIntentId: state.hold.paymentIntentId, round, error: String(error.cause ?? error) });
        if (round === 1) notify('hold.release_failed');
        if (round >= RELEASE_ROUNDS) {
          markFailed(`the hold could not be released: cancel PaymentIntent ${state.hold.paymentIntentId} in Stripe`);
          return;
        }
        state.hold.reason = 'Stripe refused the release; retrying';
        touch();
        await sleep(RELEASE_ROUND_GAP, { summary: 'retry the hold release' });
      }
    }
    if (snapshot.status === 'canceled') {
      applyCancelled(snapshot, why, outcome);
    } else {
      markFailed(`hold could not be released: PaymentIntent is ${snapshot.status}`);
    }
  };

  /** Applies a fresh read of the PaymentIntent while the hold is placed or waiting on 3-D Secure. */
  const applySnapshot = (snapshot: PaymentIntentSnapshot) => {
    switch (snapshot.status) {
      case 'requires_capture':
        if (state.hold.status !== 'held') markHeld(snapshot);
        return;
      case 'requires_action':
        if (state.hold.status === 'placing') {
          state.hold.actionDeadline = new Date(
            Date.now() + input.policy.customerActionTimeoutSeconds * 1000,
          ).toISOString();
          setStatus('requires_action', 'waiting for the customer to complete 3-D Secure');
          notify('hold.requires_action');
        }
        return;
      case 'requires_payment_method':
        markDeclined(snapshot.lastErrorCode, 'the card issuer declined the authorization');
        return;
      case 'canceled':
        applyCancelled(snapshot, 'cancelled outside the booking workflow');
        return;
      default:
        markFailed(`unexpected PaymentIntent status ${snapshot.status} for a manual-capture hold`);
    }
  };

  /**
   * Creates the attempt's PaymentIntent (nothing held yet), then confirms it. Knowing the id before
   * confirming means a hold whose outcome is unknown can always be cancelled.
   */
  const placeCurrentAttempt = async () => {
    try {
      if (!state.stripeCustomerId) {
        state.stripeCustomerId = await stripeWrites.ensureStripeCustomer(input.customer);
      }
      if (!state.hold.paymentIntentId) {
        const created = await stripeWrites.createHold({
          bookingId: state.bookingId,
          attempt: state.hold.attempt,
          paymentMethod: state.hold.paymentMethod,
          stripeCustomerId: state.stripeCustomerId,
        });
        state.hold.paymentIntentId = created.paymentIntentId;
        touch();
      }
      if (state.cancelRequested) {
        await release('requested_by_customer', 'booking cancelled before the hold was placed');
        return;
      }
      applySnapshot(
        await stripeWrites.confirmHold({
          bookingId: state.bookingId,
          attempt: state.hold.attempt,
          paymentIntentId: state.hold.paymentIntentId,
          paymentMethod: state.hold.paymentMethod,
        }),
      );
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const failure = error.cause;
      if (failure instanceof ApplicationFailure && failure.type === FailureTypes.CardDeclined) {
        const details = (failure.details?.[0] ?? {}) as Partial<CardDeclineDetails>;
        markDeclined(details.declineCode ?? null, 'the card issuer declined the authorization');
        return;
      }
      log.error('hold placement failed', { error: String(failure ?? error) });
      const why = 'the hold could not be placed';
      if (state.hold.paymentIntentId) {
        // The confirmation may have reached the issuer: cancel whatever it left behind.
        await release('abandoned', why, 'failed');
      } else {
        markFailed(why);
      }
      return;
    }
    if (state.cancelRequested && (state.hold.status === 'held' || state.hold.status === 'requires_action')) {
      await release('requested_by_customer', 'booking cancelled');
    }
  };

  const awaitCustomerAction = async () => {
    const deadline = new Date(state.hold.actionDeadline!);
    const inTime = await waitFor(() => state.cancelRequested, deadline, '3-D Secure deadline');
    if (state.cancelRequested) {
      await release('requested_by_customer', 'booking cancelled during 3-D Secure');
      return;
    }
    const event = nextRelevantEvent();
    if (event) {
      applySnapshot(await stripeReads.readPaymentIntent(state.hold.paymentIntentId!));
      return;
    }
    if (!inTime) {
      // The customer may have authenticated while the webhook is still on its way: ask Stripe.
      const snapshot = await stripeReads.readPaymentIntent(state.hold.paymentIntentId!);
      if (snapshot.status !== 'requires_action') {
        applySnapshot(snapshot);
        return;
      }
      await release('abandoned', 'customer did not complete 3-D Secure before the deadline', 'failed');
    }
  };

  const awaitNewPaymentMethod = async () => {
    const deadline = state.hold.actionDeadline ? new Date(state.hold.actionDeadline) : null;
    const inTime = await waitFor(() => state.cancelRequested || offeredPaymentMethod !== null, deadline, 'new payment method deadline');
    // Events about a declined or expired PaymentIntent change nothing; they are only counted.
    while (nextRelevantEvent()) continue;
    // A declined PaymentIntent holds nothing but stays confirmable: cancel it when giving up.
    const declinedIntentOpen = state.hold.status === 'declined' && state.hold.paymentIntentId !== null;
    if (state.cancelRequested) {
      if (declinedIntentOpen) {
        await release('requested_by_customer', 'booking cancelled after the decline; nothing was held');
      } else {
        finished = true;
        touch();
      }
      return;
    }
    if (offeredPaymentMethod !== null) {
      state.hold.attempt += 1;
      state.hold.paymentMethod = offeredPaymentMethod;
      // A declined PaymentIntent is back in requires_payment_method and is confirmed again with
      // the new method (seed 004); an expired one is cancelled for good and a new one is needed.
      if (state.hold.status === 'expired') state.hold.paymentIntentId = null;
      state.hold.declineCode = null;
      state.hold.actionDeadline = null;
      state.hold.authorizedAt = null;
      state.hold.releaseAt = null;
      state.hold.releasedAt = null;
      offeredPaymentMethod = null;
      setStatus('placing', null);
      return;
    }
    if (inTime) return;
    if (declinedIntentOpen) {
      await release('abandoned', 'no new payment method before the deadline', 'failed');
    } else {
      markFailed('no new payment method before the deadline');
    }
  };

  const holdUntilRelease = async () => {
    const releaseAt = new Date(state.hold.releaseAt!);
    const inTime = await waitFor(() => state.cancelRequested, releaseAt, 'hold-release deadline');
    if (state.cancelRequested) {
      await release('requested_by_customer', 'booking cancelled');
      return;
    }
    const event = nextRelevantEvent();
    if (event) {
      // Only a cancellation or expiry can move a held authorization; anything else is stale.
      if (event.objectStatus !== 'requires_capture') {
        const snapshot = await stripeReads.readPaymentIntent(state.hold.paymentIntentId!);
        if (snapshot.status !== 'requires_capture') applySnapshot(snapshot);
      }
      return;
    }
    if (!inTime) await release('abandoned', 'released at the hold-release deadline');
  };

  while (!finished) {
    if (continueAsNewDue() && allHandlersFinished() && state.hold.status !== 'placing') {
      await continueAsNew<typeof bookingWorkflow>({
        ...input,
        carriedState: state,
        carriedEvents: pendingEvents,
        carriedNotifications: [...unsettledNotifications.values()],
      });
    }
    switch (state.hold.status) {
      case 'placing':
        await placeCurrentAttempt();
        break;
      case 'requires_action':
        await awaitCustomerAction();
        break;
      case 'declined':
      case 'expired':
        await awaitNewPaymentMethod();
        break;
      case 'held':
        await holdUntilRelease();
        break;
      default:
        finished = true;
    }
  }

  await Promise.all(pendingNotifications);
  await condition(allHandlersFinished);
  return state;
}
