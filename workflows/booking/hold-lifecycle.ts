/**
 * The $1 card hold of a booking: place it (create, then confirm), follow 3-D Secure and declines,
 * keep it until the release deadline and release it, or release at once when the booking is
 * cancelled. A step-by-step state machine driven by the booking workflow's main loop.
 */
import { ActivityFailure, ApplicationFailure, log, patched, sleep } from '@temporalio/workflow';
import type { CardDeclineDetails } from '../../activities/common/classify-stripe-error.js';
import type { PaymentIntentSnapshot } from '../../activities/common/payment-intent-snapshot.js';
import { stripeReads, stripeReleases, stripeWrites } from '../common/activity-stubs.js';
import type { BookingContext, Lifecycle } from './booking-context.js';
import { usd } from './booking-story.js';
import {
  FailureTypes,
  HOLD_AMOUNT_CENTS,
  type HoldStatus,
  type NotificationType,
  type UnreleasedHold,
} from './contract.js';
import { computeReleaseDeadline } from './release-deadline.js';
import { cancelledByStripe } from './stripe-cancellation.js';
import { StepGuard } from '../common/step-guard.js';
import { confirmationOutcome, ensureStripeCustomer } from '../common/stripe-write.js';

/** Rounds of release attempts (each one the activity's full retry window) before giving up. */
const RELEASE_ROUNDS = 3;
const RELEASE_ROUND_GAP = '1 hour';
/** How often a hold Stripe refused to release is asked about again, until it is cancelled or lapses. */
const UNRELEASED_RECHECK_MS = 6 * 60 * 60 * 1000;
/** PaymentIntent statuses in which an authorization is, or may still become, held. */
const MAY_STILL_HOLD = ['requires_capture', 'requires_action', 'requires_confirmation', 'processing'];

/**
 * Patch: a hold Stripe refuses to release stays `held` and followed until Stripe cancels it or it
 * lapses; older histories marked it `failed` and let the booking finish.
 */
const FOLLOW_UNRELEASED_HOLD_PATCH = 'follow-unreleased-hold';
const HOLD = usd(HOLD_AMOUNT_CENTS);

/**
 * Patch: a payment method Stripe refuses outright (unknown, not a card, another customer's) asks for
 * another one; older histories cancelled the attempt and failed the hold.
 */
const REASK_REFUSED_PAYMENT_METHOD_PATCH = 'reask-refused-payment-method';

/** Patch: a hold is timed from its authorization (the charge); older histories timed it from the PaymentIntent's creation. */
const HOLD_TIMED_FROM_AUTHORIZATION_PATCH = 'hold-timed-from-authorization';

/** The hold's lifecycle, plus what the update handlers need to know of it. */
export interface HoldLifecycle extends Lifecycle {
  /** Whether the customer may supply a new payment method now (not once its deadline is reached). */
  awaitingPaymentMethod(): boolean;
  /** Takes a new payment method for the next attempt (validated by the update's validator); saved ones go off-session. */
  offerPaymentMethod(paymentMethod: string, offSession: boolean): void;
  /** Whether a new payment method was offered and not yet used. */
  paymentMethodOffered(): boolean;
  /** Whether Stripe refused to release the hold and the workflow keeps asking it. */
  releaseRefused(): boolean;
}

/** Builds the hold's lifecycle over the booking's context. */
export function createHoldLifecycle(ctx: BookingContext): HoldLifecycle {
  const { input, state } = ctx;
  const hold = state.hold;
  let offeredPaymentMethod: string | null = null;
  let offeredOffSession = false;
  const guard = new StepGuard('hold', ctx.stepRetries('hold'));

  const at = (iso: string | null) => (iso ? new Date(iso).getTime() : null);
  const due = (iso: string | null) => iso !== null && Date.now() >= at(iso)!;
  const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

  const notify = (type: NotificationType, data: Record<string, string | number | boolean | null> = {}) =>
    ctx.notify(type, { attempt: hold.attempt, paymentIntentId: hold.paymentIntentId }, data);

  const setStatus = (status: HoldStatus, reason: string | null = hold.reason) => {
    hold.status = status;
    hold.reason = reason;
    ctx.touch();
  };

  const finish = () => {
    if (hold.unreleased) hold.unreleased = null;
    hold.done = true;
    hold.actionDeadline = null;
    ctx.touch();
  };

  const markHeld = (snapshot: PaymentIntentSnapshot) => {
    // A PaymentIntent confirmed again later (after a decline) is authorized long after its creation.
    const authorizedAt = new Date(
      snapshot.authorizedAt && patched(HOLD_TIMED_FROM_AUTHORIZATION_PATCH) ? snapshot.authorizedAt : snapshot.createdAt,
    );
    const deadline = computeReleaseDeadline({
      endsAt: new Date(state.endsAt),
      authorizedAt,
      captureBefore: snapshot.captureBefore ? new Date(snapshot.captureBefore) : null,
      policy: input.policy,
    });
    hold.authorizedAt = authorizedAt.toISOString();
    hold.releaseAt = deadline.releaseAt.toISOString();
    hold.actionDeadline = null;
    hold.declineCode = null;
    setStatus(
      'held',
      deadline.boundBy === 'authorization_validity'
        ? 'release moved before the booking end: the authorization would lapse first'
        : null,
    );
    notify('hold.held', { releaseAt: hold.releaseAt });
  };

  const markDeclined = (declineCode: string | null, reason = 'the card issuer declined the authorization') => {
    hold.declineCode = declineCode;
    hold.actionDeadline = inSeconds(input.policy.newPaymentMethodTimeoutSeconds);
    setStatus('declined', reason);
    notify('hold.declined', { declineCode });
  };

  /** A saved card Stripe says has expired is recorded as unusable, so no later booking tries it again. */
  const recordUnusableSavedCard = async (declineCode: string | null) => {
    if (hold.offSession !== true || declineCode !== 'expired_card') return;
    await stripeWrites(`record saved card ${hold.paymentMethod} as unusable: expired`).markPaymentMethodUnusable({
      paymentMethodId: hold.paymentMethod,
      reason: 'card_expired',
    });
    notify('payment_method.unusable', { paymentMethod: hold.paymentMethod, reason: 'card_expired' });
  };

  const markExpired = () => {
    hold.releasedAt = new Date().toISOString();
    setStatus('expired', 'Stripe expired the authorization before it was released');
    notify('hold.expired');
    if (state.cancelRequested || Date.now() >= new Date(state.endsAt).getTime()) {
      finish();
    } else {
      hold.actionDeadline = inSeconds(input.policy.newPaymentMethodTimeoutSeconds);
    }
  };

  const markFailed = (reason: string) => {
    setStatus('failed', reason);
    notify('hold.failed', { reason });
    finish();
  };

  /** Applies Stripe's word on a PaymentIntent that was cancelled, by us or by Stripe. */
  const applyCancelled = (snapshot: PaymentIntentSnapshot, why: string, outcome: 'released' | 'failed') => {
    if (hold.unreleased) hold.unreleased = null;
    if (cancelledByStripe(snapshot.cancellationReason)) {
      markExpired();
      return;
    }
    if (outcome === 'failed') {
      markFailed(why);
      return;
    }
    hold.releasedAt = new Date().toISOString();
    setStatus('released', why);
    notify('hold.released', { reason: why });
    finish();
  };

  /**
   * Stripe would not release the hold: keep it `held`, findable and followed, and alert (a log line,
   * the booking service's notification and its counter) the first time.
   */
  const keepUnreleased = (plan: Omit<UnreleasedHold, 'since'>, detail: string) => {
    const first = !hold.unreleased;
    hold.unreleased = hold.unreleased ?? { since: new Date().toISOString(), ...plan };
    // Asked again in a few hours, or as soon as the authorization should have lapsed if that is sooner.
    const lapseAt = hold.authorizedAt ? at(hold.authorizedAt)! + input.policy.authorizationValiditySeconds * 1000 : Infinity;
    hold.releaseAt = new Date(Math.max(Date.now(), Math.min(Date.now() + UNRELEASED_RECHECK_MS, lapseAt))).toISOString();
    hold.releasedAt = null;
    hold.actionDeadline = null;
    const reason = `the hold could not be released (${detail}); Stripe still holds it, asked again until it is cancelled or lapses: cancel PaymentIntent ${hold.paymentIntentId} in Stripe`;
    setStatus('held', reason);
    log.error('hold left unreleased in Stripe', { paymentIntentId: hold.paymentIntentId, since: hold.unreleased.since, detail });
    if (first) notify('hold.release_failed', { stillHeld: true, reason });
  };

  /** When the current authorization lapses (Stripe's `capture_before`, else authorization plus validity); null if unknown. */
  const lapseOf = (snapshot: PaymentIntentSnapshot): number | null => {
    if (snapshot.captureBefore) return at(snapshot.captureBefore);
    const authorizedAt = snapshot.authorizedAt ?? hold.authorizedAt;
    return authorizedAt ? at(authorizedAt)! + input.policy.authorizationValiditySeconds * 1000 : null;
  };

  /** Asks Stripe about a hold it refused to release: done once cancelled or lapsed, else tries the release again. */
  const followUnreleased = async (plan: UnreleasedHold) => {
    const snapshot = await stripeReads(`check whether Stripe still holds ${HOLD} on ${hold.paymentIntentId}`).readPaymentIntent(
      hold.paymentIntentId!,
    );
    if (snapshot.status === 'canceled') {
      applyCancelled(snapshot, plan.why, plan.outcome);
      return;
    }
    const lapseAt = lapseOf(snapshot);
    if (snapshot.status === 'requires_capture' && lapseAt !== null && Date.now() >= lapseAt) {
      hold.releasedAt = new Date(lapseAt).toISOString();
      setStatus('expired', 'never released: Stripe refused every release until the authorization lapsed at capture_before');
      notify('hold.expired', { lapsedAt: hold.releasedAt });
      finish();
      return;
    }
    if (!MAY_STILL_HOLD.includes(snapshot.status)) {
      markFailed(`hold could not be released: PaymentIntent is ${snapshot.status}`);
      return;
    }
    await release(plan.cancellationReason, plan.why, plan.outcome, 1);
  };

  /** Cancels the current PaymentIntent, retrying in rounds, and records the outcome. */
  const release = async (
    cancellationReason: 'requested_by_customer' | 'abandoned',
    why: string,
    outcome: 'released' | 'failed' = 'released',
    rounds = RELEASE_ROUNDS,
  ): Promise<void> => {
    const plan = { cancellationReason, why, outcome };
    let snapshot: PaymentIntentSnapshot | null = null;
    for (let round = 1; snapshot === null; round += 1) {
      try {
        const summary = `release ${HOLD} hold ${hold.paymentIntentId} (${why}${round > 1 ? `, round ${round}` : ''})`;
        const paymentIntentId = hold.paymentIntentId!;
        snapshot = await ctx.writes.run({
          operation: `release:${paymentIntentId}`,
          send: (writeAttempt) =>
            stripeReleases(summary).releaseHold({
              bookingId: state.bookingId,
              paymentIntentId,
              reason: cancellationReason,
              ...(writeAttempt !== undefined && { writeAttempt }),
            }),
          resolve: async () => {
            const current = await stripeReads(`read ${paymentIntentId}: was the release answered?`).readPaymentIntent(paymentIntentId);
            return current.status === 'canceled' ? current : null;
          },
        });
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        log.error('hold release failed', { paymentIntentId: hold.paymentIntentId, round, error: String(error.cause ?? error) });
        if (round === 1 && !hold.unreleased) notify('hold.release_failed');
        if (round >= rounds) {
          if (patched(FOLLOW_UNRELEASED_HOLD_PATCH)) {
            keepUnreleased(plan, 'Stripe refused every attempt');
          } else {
            markFailed(`the hold could not be released: cancel PaymentIntent ${hold.paymentIntentId} in Stripe`);
          }
          return;
        }
        hold.reason = 'Stripe refused the release; retrying';
        ctx.touch();
        await sleep(RELEASE_ROUND_GAP, { summary: 'retry the hold release' });
      }
    }
    if (snapshot.status === 'canceled') {
      applyCancelled(snapshot, why, outcome);
    } else if (MAY_STILL_HOLD.includes(snapshot.status) && patched(FOLLOW_UNRELEASED_HOLD_PATCH)) {
      keepUnreleased(plan, `PaymentIntent is ${snapshot.status}`);
    } else {
      markFailed(`hold could not be released: PaymentIntent is ${snapshot.status}`);
    }
  };

  /** Applies a fresh read of the PaymentIntent; never moves a held authorization backwards. */
  const applySnapshot = (snapshot: PaymentIntentSnapshot) => {
    switch (snapshot.status) {
      case 'requires_capture':
        if (hold.status !== 'held') markHeld(snapshot);
        return;
      case 'requires_action':
        if (hold.status === 'placing') {
          hold.actionDeadline = inSeconds(input.policy.customerActionTimeoutSeconds);
          setStatus('requires_action', 'waiting for the customer to complete 3-D Secure');
          notify('hold.requires_action');
        }
        return;
      case 'requires_payment_method':
        if (hold.status !== 'held') markDeclined(snapshot.lastErrorCode);
        return;
      case 'canceled':
        applyCancelled(snapshot, 'cancelled outside the booking workflow', 'released');
        return;
      default:
        markFailed(`unexpected PaymentIntent status ${snapshot.status} for a manual-capture hold`);
    }
  };

  /**
   * Creates the attempt's PaymentIntent (nothing held yet), then confirms it. Knowing the id before
   * confirming means a hold whose outcome is unknown can always be cancelled.
   */
  const place = async () => {
    try {
      if (!state.stripeCustomerId) state.stripeCustomerId = await ensureStripeCustomer(ctx.writes, input.customer);
      if (!hold.paymentIntentId) {
        const { attempt, paymentMethod } = hold;
        const stripeCustomerId = state.stripeCustomerId;
        const created = await ctx.writes.run({
          operation: `hold-create:${attempt}`,
          send: (writeAttempt) =>
            stripeWrites(`create the ${HOLD} hold's PaymentIntent (attempt ${attempt})`).createHold({
              bookingId: state.bookingId,
              attempt,
              paymentMethod,
              stripeCustomerId,
              ...(writeAttempt !== undefined && { writeAttempt }),
            }),
          resolve: () =>
            stripeReads(`find the hold's PaymentIntent of attempt ${attempt}`).findHold({ bookingId: state.bookingId, attempt, stripeCustomerId }),
        });
        hold.paymentIntentId = created.paymentIntentId;
        ctx.touch();
      }
      if (state.cancelRequested) {
        await release('requested_by_customer', 'booking cancelled before the hold was placed');
        return;
      }
      const { attempt, paymentMethod, paymentIntentId } = hold;
      const offSession = hold.offSession === true;
      applySnapshot(
        await ctx.writes.run({
          operation: `hold-confirm:${attempt}`,
          send: (writeAttempt) =>
            stripeWrites(`place ${HOLD} hold on ${paymentMethod}${offSession ? ' off-session' : ''} (attempt ${attempt})`).confirmHold({
              bookingId: state.bookingId,
              attempt,
              paymentIntentId,
              paymentMethod,
              offSession,
              ...(writeAttempt !== undefined && { writeAttempt }),
            }),
          resolve: async () =>
            confirmationOutcome(
              await stripeReads(`read ${paymentIntentId}: was the hold confirmed?`).readPaymentIntent(paymentIntentId),
              paymentMethod,
            ),
        }),
      );
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const failure = error.cause;
      if (failure instanceof ApplicationFailure && failure.type === FailureTypes.CardDeclined) {
        const details = (failure.details?.[0] ?? {}) as Partial<CardDeclineDetails>;
        const declineCode = details.declineCode ?? null;
        await recordUnusableSavedCard(declineCode);
        if (details.paymentIntentStatus === 'canceled') {
          // Seed 004: after too many failed confirmations Stripe cancels the PaymentIntent itself.
          hold.paymentIntentCanceled = true;
          markDeclined(declineCode, 'declined; Stripe cancelled the PaymentIntent after too many failed confirmations');
        } else if (hold.offSession === true && declineCode === 'expired_card') {
          markDeclined(declineCode, 'the saved card has expired; a new payment method is needed');
        } else if (hold.offSession === true && declineCode === 'authentication_required') {
          markDeclined(
            declineCode,
            'the issuer wants the customer to authenticate: supply the card again from the customer\'s session (3-D Secure)',
          );
        } else {
          markDeclined(declineCode);
        }
        return;
      }
      const refusal = failure instanceof ApplicationFailure && failure.type === FailureTypes.StripeInvalidRequest
        ? ((failure.details?.[0] ?? {}) as { code?: string | null; param?: string | null })
        : null;
      if (refusal?.param === 'payment_method' && patched(REASK_REFUSED_PAYMENT_METHOD_PATCH)) {
        // Not a decline: Stripe would not use this payment method at all (unknown, not a card, another
        // customer's). Nothing was held; the PaymentIntent, if any, waits for another one.
        markDeclined(
          refusal.code ?? null,
          `Stripe refused the payment method (${refusal.code ?? 'not usable by this customer'}); another one is needed`,
        );
        return;
      }
      log.error('hold placement failed', { error: String(failure ?? error) });
      if (hold.paymentIntentId) {
        // The confirmation may have reached the issuer: cancel whatever it left behind.
        await release('abandoned', 'the hold could not be placed', 'failed');
      } else {
        markFailed('the hold could not be placed');
      }
      return;
    }
    if (state.cancelRequested && (hold.status === 'held' || hold.status === 'requires_action')) {
      await release('requested_by_customer', 'booking cancelled');
    }
  };

  const whileCustomerActs = async () => {
    if (state.cancelRequested) {
      await release('requested_by_customer', 'booking cancelled during 3-D Secure');
      return;
    }
    ctx.takeEventsFor(hold.paymentIntentId);
    // On an event, or at the deadline (the customer may have authenticated while the webhook is
    // still on its way), ask Stripe rather than trust the event.
    const snapshot = await stripeReads(`check the 3-D Secure outcome of ${hold.paymentIntentId}`).readPaymentIntent(
      hold.paymentIntentId!,
    );
    if (snapshot.status !== 'requires_action') {
      applySnapshot(snapshot);
    } else if (due(hold.actionDeadline)) {
      await release('abandoned', 'customer did not complete 3-D Secure before the deadline', 'failed');
    }
  };

  const whileAwaitingPaymentMethod = async () => {
    // Events about a declined or expired PaymentIntent change nothing; they are only counted.
    ctx.takeEventsFor(hold.paymentIntentId);
    // A declined PaymentIntent holds nothing but stays confirmable: cancel it when giving up.
    const declinedIntentOpen =
      hold.status === 'declined' && hold.paymentIntentId !== null && hold.paymentIntentCanceled !== true;
    if (state.cancelRequested) {
      if (declinedIntentOpen) await release('requested_by_customer', 'booking cancelled after the decline; nothing was held');
      else finish();
      return;
    }
    if (offeredPaymentMethod !== null) {
      hold.attempt += 1;
      hold.paymentMethod = offeredPaymentMethod;
      hold.offSession = offeredOffSession;
      // A declined PaymentIntent is back in requires_payment_method and is confirmed again with
      // the new method (seed 004); an expired one, or one Stripe cancelled after too many failed
      // confirmations, is cancelled for good and a new one is needed.
      if (hold.status === 'expired' || hold.paymentIntentCanceled === true) hold.paymentIntentId = null;
      hold.paymentIntentCanceled = false;
      hold.declineCode = null;
      hold.actionDeadline = null;
      hold.authorizedAt = null;
      hold.releaseAt = null;
      hold.releasedAt = null;
      offeredPaymentMethod = null;
      setStatus('placing', null);
      return;
    }
    if (!due(hold.actionDeadline)) return;
    if (declinedIntentOpen) await release('abandoned', 'no new payment method before the deadline', 'failed');
    else markFailed('no new payment method before the deadline');
  };

  const whileHeld = async () => {
    if (state.cancelRequested && !hold.unreleased) {
      await release('requested_by_customer', 'booking cancelled');
      return;
    }
    const events = ctx.takeEventsFor(hold.paymentIntentId);
    if (events.length > 0 || guard.recheck) {
      // Only a cancellation or expiry can move a held authorization; anything else is stale.
      if (guard.recheck || events.some((event) => event.objectStatus !== 'requires_capture')) {
        const snapshot = await stripeReads(`check the held authorization ${hold.paymentIntentId}`).readPaymentIntent(
          hold.paymentIntentId!,
        );
        if (snapshot.status !== 'requires_capture') applySnapshot(snapshot);
      }
      return;
    }
    if (!due(hold.releaseAt)) return;
    if (hold.unreleased) await followUnreleased(hold.unreleased);
    else await release('abandoned', 'released at the hold-release deadline');
  };

  const lifecycle: HoldLifecycle = {
    ready() {
      if (hold.done) return false;
      const retry = guard.retryReady();
      if (retry !== undefined) return retry;
      switch (hold.status) {
        case 'placing':
          return true;
        case 'requires_action':
        case 'held':
          // A hold Stripe refused to release is asked about again at its own pace, cancelled or not.
          return (state.cancelRequested && !hold.unreleased) || ctx.hasEventsFor(hold.paymentIntentId) || due(wakeIso());
        case 'declined':
        case 'expired':
          return state.cancelRequested || offeredPaymentMethod !== null || due(hold.actionDeadline) || ctx.hasEventsFor(hold.paymentIntentId);
        default:
          return false;
      }
    },
    wakeAt() {
      const retry = hold.done ? null : guard.retryWake();
      if (retry) return retry;
      const iso = hold.done ? null : wakeIso();
      if (!iso) return null;
      const summaries: Partial<Record<HoldStatus, string>> = {
        requires_action: '3-D Secure deadline',
        held: hold.unreleased ? 'ask Stripe again about the unreleased hold' : 'hold-release deadline',
        declined: 'new payment method deadline',
        expired: 'new payment method deadline',
      };
      return { at: at(iso)!, summary: summaries[hold.status] ?? 'hold deadline' };
    },
    step: () =>
      guard.run(hold.status, async () => {
        switch (hold.status) {
          case 'placing':
            return place();
          case 'requires_action':
            return whileCustomerActs();
          case 'declined':
          case 'expired':
            return whileAwaitingPaymentMethod();
          case 'held':
            return whileHeld();
          default:
            finish();
        }
      }),
    done: () => hold.done,
    followedPaymentIntent: () => (hold.status === 'placing' && !hold.done ? undefined : hold.paymentIntentId),
    safeToContinueAsNew: () => !guard.inFlight && hold.status !== 'placing',
    // Once the deadline is reached the hold is being given up: a late payment method is refused, not dropped.
    awaitingPaymentMethod: () =>
      !hold.done &&
      !state.cancelRequested &&
      (hold.status === 'declined' || hold.status === 'expired') &&
      !due(hold.actionDeadline),
    offerPaymentMethod(paymentMethod, offSession) {
      offeredPaymentMethod = paymentMethod;
      offeredOffSession = offSession;
    },
    paymentMethodOffered: () => offeredPaymentMethod !== null,
    releaseRefused: () => !!hold.unreleased,
  };

  function wakeIso(): string | null {
    if (hold.status === 'held') return hold.releaseAt;
    if (hold.status === 'requires_action' || hold.status === 'declined' || hold.status === 'expired') return hold.actionDeadline;
    return null;
  }

  return lifecycle;
}
