/**
 * The $1 card hold of a booking: place it (create, then confirm), follow 3-D Secure and declines,
 * keep it until the release deadline and release it, or release at once when the booking is
 * cancelled. A step-by-step state machine driven by the booking workflow's main loop: each status
 * has its named step (`placeHold`, `waitForAuthentication`, `awaitPaymentMethod`, `holdUntilRelease`).
 */
import { ActivityFailure, ApplicationFailure, log, sleep } from '@temporalio/workflow';
import type { PlacedHold } from '../../activities/booking/hold-activities.js';
import type { CardDeclineDetails } from '../../activities/common/classify-stripe-error.js';
import type { PaymentIntentSnapshot } from '../../activities/common/payment-intent-snapshot.js';
import { stripeReads, stripeReleases, stripeWrites } from '../common/activity-stubs.js';
import type { BookingContext } from './booking-context.js';
import {
  FOLLOW_UNRELEASED_HOLD_PATCH,
  HOLD_PLANS_PATCH,
  HOLD_TIMED_FROM_AUTHORIZATION_PATCH,
  REASK_REFUSED_PAYMENT_METHOD_PATCH,
} from './booking-patches.js';
import { BookingPart, at, due, inSeconds } from './booking-part.js';
import { usd } from './booking-story.js';
import {
  FailureTypes,
  HOLD_AMOUNT_CENTS,
  type AuthorizationOutcome,
  type BookingInput,
  type BookingState,
  type HoldAuthorization,
  type HoldPlan,
  type HoldState,
  type HoldStatus,
  type UnreleasedHold,
} from './contract.js';
import { deferredPlacementTime, nextAuthorizationTime, releaseTarget, savesCardForLater } from './hold-plan.js';
import { computeReleaseDeadline } from './release-deadline.js';
import { cancelledByStripe } from './stripe-cancellation.js';
import {
  ONE_CALL_STRIPE_WRITES_PATCH,
  confirmationOutcome,
  ensureStripeCustomer,
  outcomeUnknown,
  refusedPaymentIntent,
} from '../common/stripe-write.js';

/** Rounds of release attempts (each one the activity's full retry window) before giving up. */
const RELEASE_ROUNDS = 3;
const RELEASE_ROUND_GAP = '1 hour';
/** How often a hold Stripe refused to release is asked about again, until it is cancelled or lapses. */
const UNRELEASED_RECHECK_MS = 6 * 60 * 60 * 1000;
/** PaymentIntent statuses in which an authorization is, or may still become, held. */
const MAY_STILL_HOLD = ['requires_capture', 'requires_action', 'requires_confirmation', 'processing'];

const HOLD = usd(HOLD_AMOUNT_CENTS);

/** What a later authorization (a renewal, a deferred hold, a renewal on a new card) came to. */
type LaterAuthorization =
  | { kind: 'held'; snapshot: PaymentIntentSnapshot }
  | { kind: 'requires_action'; paymentIntentId: string }
  | { kind: 'declined'; paymentIntentId: string; declineCode: string | null };

/** A later authorization to place: which renewal (none for a new card's first), on what, whether off-session, for which attempt. */
interface PlannedAuthorization {
  renewal: number | undefined;
  paymentMethod: string;
  offSession: boolean;
  attempt: number;
}

/** A later authorization as activity summaries name it: `attempt 1, renewal 2`. */
const laterName = ({ attempt, renewal }: PlannedAuthorization): string =>
  `attempt ${attempt}${renewal ? `, renewal ${renewal}` : ''}`;

/** A later authorization's part of its write operations: `1:renewal:2`. */
const laterSuffix = ({ attempt, renewal }: PlannedAuthorization): string =>
  `${attempt}${renewal ? `:renewal:${renewal}` : ''}`;

/** Why a hold is being released, and what its end is called once Stripe has cancelled it. */
type ReleasePlan = Omit<UnreleasedHold, 'since'>;

/** Builds the hold's lifecycle over the booking's context. */
export const createHoldLifecycle = (ctx: BookingContext): HoldLifecycle => new HoldLifecycle(ctx);

/** The hold's lifecycle, plus what the update handlers need to know of it. */
export class HoldLifecycle extends BookingPart<HoldStatus, HoldState> {
  /** A payment method the customer offered for the next attempt, not yet used. */
  private offeredPaymentMethod: string | null = null;
  private offeredOffSession = false;
  /** Whether this booking follows a hold plan (started with one, on code that knows plans). */
  private readonly plansOn: boolean;

  constructor(ctx: BookingContext) {
    super(ctx, 'hold');
    this.plansOn = ctx.input.holdPlan !== undefined && ctx.patches.has(HOLD_PLANS_PATCH);
  }

  /** The plan this booking follows; `single` for runs without one. */
  private get plan(): HoldPlan {
    return this.plansOn ? (this.hold.plan ?? this.input.holdPlan ?? 'single') : 'single';
  }

  protected get part(): HoldState {
    return this.ctx.state.hold;
  }

  private get hold(): HoldState {
    return this.ctx.state.hold;
  }

  private get state(): BookingState {
    return this.ctx.state;
  }

  private get input(): BookingInput {
    return this.ctx.input;
  }

  // ---- What the main loop and the update handlers ask -------------------------------------------

  ready(): boolean {
    const { hold, state, ctx } = this;
    if (hold.done) return false;
    const retry = this.guard.retryReady();
    if (retry !== undefined) return retry;
    switch (hold.status) {
      case 'placing':
        return true;
      case 'scheduled':
        return state.cancelRequested || due(this.deadline());
      case 'requires_action':
      case 'held':
        // A hold Stripe refused to release is asked about again at its own pace, cancelled or not.
        return (
          (state.cancelRequested && !hold.unreleased) ||
          ctx.hasEventsFor(hold.paymentIntentId) ||
          due(this.deadline()) ||
          this.renewalReady()
        );
      case 'declined':
      case 'expired':
        return (
          state.cancelRequested ||
          this.offeredPaymentMethod !== null ||
          due(hold.actionDeadline) ||
          ctx.hasEventsFor(hold.paymentIntentId)
        );
      default:
        return false;
    }
  }

  wakeAt(): { at: number; summary: string } | null {
    const { hold } = this;
    const retry = hold.done ? null : this.guard.retryWake();
    if (retry) return retry;
    const iso = hold.done ? null : this.deadline();
    if (!iso) return null;
    const renewing = hold.status === 'held' && iso === (hold.nextAuthorizationAt ?? null);
    const summaries: Partial<Record<HoldStatus, string>> = {
      scheduled: 'place the deferred hold',
      requires_action: '3-D Secure deadline',
      held: hold.unreleased
        ? 'ask Stripe again about the unreleased hold'
        : renewing
          ? 'place the next authorization'
          : 'hold-release deadline',
      declined: 'new payment method deadline',
      expired: 'new payment method deadline',
    };
    return { at: at(iso)!, summary: summaries[hold.status] ?? 'hold deadline' };
  }

  step(): Promise<void> {
    return this.guard.run(this.hold.status, async () => {
      switch (this.hold.status) {
        case 'scheduled':
          return this.placeScheduledHold();
        case 'placing':
          return this.placeHold();
        case 'requires_action':
          return this.waitForAuthentication();
        case 'declined':
        case 'expired':
          return this.awaitPaymentMethod();
        case 'held':
          return this.holdUntilRelease();
        default:
          this.finish();
      }
    });
  }

  done(): boolean {
    return this.hold.done;
  }

  followedPaymentIntent(): string | null | undefined {
    return this.hold.status === 'placing' && !this.hold.done ? undefined : this.hold.paymentIntentId;
  }

  /** A renewal waiting for the customer: its events are kept for the hold too. */
  alsoFollowedPaymentIntents(): string[] {
    const pending = this.hold.pendingRenewal;
    return pending ? [pending.paymentIntentId] : [];
  }

  safeToContinueAsNew(): boolean {
    return !this.guard.inFlight && this.hold.status !== 'placing';
  }

  /** Whether the customer may supply a new payment method now (not once its deadline is reached). */
  awaitingPaymentMethod(): boolean {
    const { hold } = this;
    if (hold.done || this.state.cancelRequested) return false;
    // A failed renewal: the previous authorization still holds until it lapses, a new card may take over.
    if (hold.status === 'held' && hold.pendingRenewal) return true;
    // Once the deadline is reached the hold is being given up: a late payment method is refused, not dropped.
    return (hold.status === 'declined' || hold.status === 'expired') && !due(hold.actionDeadline);
  }

  /** Takes a new payment method for the next attempt (validated by the update's validator); saved ones go off-session. */
  offerPaymentMethod(paymentMethod: string, offSession: boolean): void {
    this.offeredPaymentMethod = paymentMethod;
    this.offeredOffSession = offSession;
  }

  /** Whether a new payment method was offered and not yet used. */
  paymentMethodOffered(): boolean {
    return this.offeredPaymentMethod !== null;
  }

  /** Whether Stripe refused to release the hold and the workflow keeps asking it. */
  releaseRefused(): boolean {
    return !!this.hold.unreleased;
  }

  /** The deadline of the current status: the next authorization or the release while held, else the customer's. */
  private deadline(): string | null {
    const { hold } = this;
    if (hold.status === 'scheduled') return hold.nextAuthorizationAt ?? null;
    if (hold.status === 'held') {
      const next = hold.pendingRenewal || hold.unreleased ? null : (hold.nextAuthorizationAt ?? null);
      return next !== null && hold.releaseAt !== null && at(next)! < at(hold.releaseAt)! ? next : hold.releaseAt;
    }
    if (hold.status === 'requires_action' || hold.status === 'declined' || hold.status === 'expired')
      return hold.actionDeadline;
    return null;
  }

  protected clearWhenFinished(): void {
    if (this.hold.unreleased) this.hold.unreleased = null;
    this.hold.actionDeadline = null;
  }

  // ---- placing: create the PaymentIntent, then confirm it ------------------------------------------

  /**
   * Places the attempt's hold: in one Stripe call when it needs a new PaymentIntent; otherwise (a
   * declined PaymentIntent confirmed again, or a history from before one-call placement) creates
   * the PaymentIntent (nothing held yet), then confirms it.
   */
  private async placeHold(): Promise<void> {
    const { hold, state } = this;
    if (!hold.paymentIntentId && this.ctx.patches.has(ONE_CALL_STRIPE_WRITES_PATCH)) return this.placeHoldInOneCall();
    try {
      if (!state.stripeCustomerId)
        state.stripeCustomerId = await ensureStripeCustomer(this.ctx.writes, this.input.customer);
      if (!hold.paymentIntentId) await this.createPaymentIntent();
      if (state.cancelRequested) {
        await this.releaseHold('requested_by_customer', 'booking cancelled before the hold was placed');
        return;
      }
      this.applySnapshot(await this.confirmHold());
      if (hold.status === 'held' && this.verifying() && !state.cancelRequested) await this.finishVerification();
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      await this.placementFailed(error);
      return;
    }
    if (state.cancelRequested && (hold.status === 'held' || hold.status === 'requires_action')) {
      await this.releaseHold('requested_by_customer', 'booking cancelled');
    }
  }

  /**
   * One activity, one Stripe request: the customer's Stripe Customer ensured, the PaymentIntent
   * created and confirmed at once. A lost answer is asked again under the same key (Stripe replays
   * it, a decline included) or, once Stripe's answer is unknown, found by its metadata; a decline
   * names its PaymentIntent, so a cancellation or the next attempt knows what to cancel or confirm.
   */
  private async placeHoldInOneCall(): Promise<void> {
    const { hold, state } = this;
    if (state.cancelRequested) {
      this.markReleased('booking cancelled before the hold was placed');
      return;
    }
    try {
      const placed = await this.sendPlacement();
      state.stripeCustomerId = placed.stripeCustomerId;
      hold.paymentIntentId = placed.paymentIntent.paymentIntentId;
      this.ctx.touch();
      // Found by its metadata after a lost answer but never confirmed: confirmed as older runs do.
      const confirmed =
        placed.paymentIntent.status === 'requires_confirmation' ? await this.confirmHold() : placed.paymentIntent;
      this.applySnapshot(confirmed);
      if (hold.status === 'held' && this.verifying() && !state.cancelRequested) await this.finishVerification();
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      this.learnFromFailedPlacement(error);
      if (!hold.paymentIntentId && outcomeUnknown(error)) await this.findUnansweredPlacement();
      else await this.placementFailed(error);
      return;
    }
    if (state.cancelRequested && (hold.status === 'held' || hold.status === 'requires_action')) {
      await this.releaseHold('requested_by_customer', 'booking cancelled');
    }
  }

  /** Sends the attempt's one-call placement, or finds what an unanswered one placed. */
  private sendPlacement(): Promise<PlacedHold> {
    const { hold, state } = this;
    const { attempt, paymentMethod } = hold;
    const offSession = hold.offSession === true;
    const whose = { bookingId: state.bookingId, attempt, customer: this.input.customer };
    const known = state.stripeCustomerId ? { stripeCustomerId: state.stripeCustomerId } : {};
    return this.ctx.writes.run({
      operation: `hold-place:${attempt}`,
      send: (writeAttempt) =>
        stripeWrites(
          `place ${HOLD} hold on ${paymentMethod}${offSession ? ' off-session' : ''} in one call (attempt ${attempt})`,
        ).placeHold({
          ...whose,
          ...known,
          paymentMethod,
          ...(offSession && { offSession }),
          ...this.planArgs(offSession),
          ...(writeAttempt !== undefined && { writeAttempt }),
        }),
      resolve: () => stripeReads(`find the hold of attempt ${attempt}`).findPlacedHold({ ...whose, ...known }),
    });
  }

  /** What Stripe's refusal of a placement names: the Stripe Customer ensured, and the PaymentIntent a decline left. */
  private learnFromFailedPlacement(error: ActivityFailure): void {
    const failure = error.cause;
    if (!(failure instanceof ApplicationFailure)) return;
    const { stripeCustomerId } = (failure.details?.[0] ?? {}) as { stripeCustomerId?: string };
    if (stripeCustomerId) this.state.stripeCustomerId = stripeCustomerId;
    this.hold.paymentIntentId ??= refusedPaymentIntent(error);
    this.ctx.touch();
  }

  /**
   * A placement whose outcome stayed unknown: no answer, and Stripe could not be read for the read's
   * whole retry window. The PaymentIntent's id was never learned, so it is looked for again, in
   * rounds; found, it is cancelled (it may hold $1); not found, nothing was placed.
   */
  private async findUnansweredPlacement(): Promise<void> {
    const { hold, state } = this;
    const whose = { bookingId: state.bookingId, attempt: hold.attempt, customer: this.input.customer };
    log.error('hold placement unanswered; looking for its PaymentIntent', {
      bookingId: state.bookingId,
      attempt: hold.attempt,
    });
    for (let round = 1; !hold.paymentIntentId; round += 1) {
      await sleep(RELEASE_ROUND_GAP, { summary: 'look again for the unanswered hold' });
      try {
        const found = await stripeReads(`find the unanswered hold of attempt ${hold.attempt}`).findPlacedHold(whose);
        if (found === null) {
          this.markFailed('the hold could not be placed');
          return;
        }
        state.stripeCustomerId = found.stripeCustomerId;
        hold.paymentIntentId = found.paymentIntent.paymentIntentId;
        this.ctx.touch();
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        if (round >= RELEASE_ROUNDS) {
          this.markFailed(
            `the hold could not be placed, and Stripe could not be asked whether it was: look for the PaymentIntent of booking ${state.bookingId}, attempt ${hold.attempt} in Stripe`,
          );
          return;
        }
      }
    }
    // The placement may have reached the issuer: cancel whatever it left behind.
    await this.releaseHold('abandoned', 'the hold could not be placed', 'failed');
  }

  /** Creates the attempt's PaymentIntent, or finds the one an unanswered create made. */
  private async createPaymentIntent(): Promise<void> {
    const { hold, state } = this;
    const { attempt, paymentMethod } = hold;
    // Ensured by placeHold just before.
    const stripeCustomerId = state.stripeCustomerId!;
    const created = await this.ctx.writes.run({
      operation: `hold-create:${attempt}`,
      send: (writeAttempt) =>
        stripeWrites(`create the ${HOLD} hold's PaymentIntent (attempt ${attempt})`).createHold({
          bookingId: state.bookingId,
          attempt,
          paymentMethod,
          stripeCustomerId,
          ...this.planArgs(hold.offSession === true),
          ...(writeAttempt !== undefined && { writeAttempt }),
        }),
      resolve: () =>
        stripeReads(`find the hold's PaymentIntent of attempt ${attempt}`).findHold({
          bookingId: state.bookingId,
          attempt,
          stripeCustomerId,
        }),
    });
    hold.paymentIntentId = created.paymentIntentId;
    this.ctx.touch();
  }

  /** Confirms the attempt's PaymentIntent with its payment method; answers with Stripe's word on it. */
  private confirmHold(): Promise<PaymentIntentSnapshot> {
    const { attempt, paymentMethod } = this.hold;
    // Created (or found) by placeHold just before.
    const paymentIntentId = this.hold.paymentIntentId!;
    const offSession = this.hold.offSession === true;
    return this.ctx.writes.run({
      operation: `hold-confirm:${attempt}`,
      send: (writeAttempt) =>
        stripeWrites(
          `place ${HOLD} hold on ${paymentMethod}${offSession ? ' off-session' : ''} (attempt ${attempt})`,
        ).confirmHold({
          bookingId: this.state.bookingId,
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
    });
  }

  /** A placement Stripe answered with a failure: a decline, a refused payment method, or an error. */
  private async placementFailed(error: ActivityFailure): Promise<void> {
    const failure = error.cause;
    if (failure instanceof ApplicationFailure && failure.type === FailureTypes.CardDeclined) {
      const details = (failure.details?.[0] ?? {}) as Partial<CardDeclineDetails>;
      await this.applyDecline(details);
      return;
    }
    const refusal =
      failure instanceof ApplicationFailure && failure.type === FailureTypes.StripeInvalidRequest
        ? ((failure.details?.[0] ?? {}) as { code?: string | null; param?: string | null })
        : null;
    if (refusal?.param === 'payment_method' && this.ctx.patches.has(REASK_REFUSED_PAYMENT_METHOD_PATCH)) {
      // Not a decline: Stripe would not use this payment method at all (unknown, not a card, another
      // customer's). Nothing was held; the PaymentIntent, if any, waits for another one.
      this.markDeclined(
        refusal.code ?? null,
        `Stripe refused the payment method (${refusal.code ?? 'not usable by this customer'}); another one is needed`,
      );
      return;
    }
    log.error('hold placement failed', { error: String(failure ?? error) });
    if (this.hold.paymentIntentId) {
      // The confirmation may have reached the issuer: cancel whatever it left behind.
      await this.releaseHold('abandoned', 'the hold could not be placed', 'failed');
    } else {
      this.markFailed('the hold could not be placed');
    }
  }

  /** The issuer declined the authorization: wait for another payment method, saying why. */
  private async applyDecline(details: Partial<CardDeclineDetails>): Promise<void> {
    const { hold } = this;
    const declineCode = details.declineCode ?? null;
    if (this.plansOn && hold.paymentIntentId)
      this.recordAuthorization(hold.paymentIntentId, { outcome: 'declined', declineCode });
    await this.recordUnusableSavedCard(declineCode);
    if (details.paymentIntentStatus === 'canceled') {
      // After too many failed confirmations Stripe cancels the PaymentIntent itself: the next
      // attempt needs a new one.
      hold.paymentIntentCanceled = true;
      this.markDeclined(
        declineCode,
        'declined; Stripe cancelled the PaymentIntent after too many failed confirmations',
      );
    } else if (hold.offSession === true && declineCode === 'expired_card') {
      this.markDeclined(declineCode, 'the saved card has expired; a new payment method is needed');
    } else if (hold.offSession === true && declineCode === 'authentication_required') {
      this.markDeclined(
        declineCode,
        "the issuer wants the customer to authenticate: supply the card again from the customer's session (3-D Secure)",
      );
    } else {
      this.markDeclined(declineCode);
    }
  }

  /** A saved card Stripe says has expired is recorded as unusable, so no later booking tries it again. */
  private async recordUnusableSavedCard(declineCode: string | null): Promise<void> {
    const { hold } = this;
    if (hold.offSession !== true || declineCode !== 'expired_card') return;
    await stripeWrites(`record saved card ${hold.paymentMethod} as unusable: expired`).markPaymentMethodUnusable({
      paymentMethodId: hold.paymentMethod,
      reason: 'card_expired',
    });
    this.notify('payment_method.unusable', { paymentMethod: hold.paymentMethod, reason: 'card_expired' });
  }

  // ---- requires_action: the customer's 3-D Secure ---------------------------------------------------

  /** Follows the customer's 3-D Secure: Stripe's word on an event or at the deadline; released when it lapses. */
  private async waitForAuthentication(): Promise<void> {
    const { hold } = this;
    if (this.state.cancelRequested) {
      await this.releaseHold('requested_by_customer', 'booking cancelled during 3-D Secure');
      return;
    }
    this.ctx.takeEventsFor(hold.paymentIntentId);
    // On an event, or at the deadline (the customer may have authenticated while the webhook is
    // still on its way), ask Stripe rather than trust the event.
    const snapshot = await stripeReads(`check the 3-D Secure outcome of ${hold.paymentIntentId}`).readPaymentIntent(
      hold.paymentIntentId!,
    );
    if (snapshot.status !== 'requires_action') {
      this.applySnapshot(snapshot);
      if (hold.status === 'held' && this.verifying() && !this.state.cancelRequested) await this.finishVerification();
    } else if (due(hold.actionDeadline)) {
      await this.releaseHold('abandoned', 'customer did not complete 3-D Secure before the deadline', 'failed');
    }
  }

  // ---- declined / expired: waiting for a new payment method ----------------------------------------

  /** Waits for the customer's new payment method; gives up at the deadline or on cancellation. */
  private async awaitPaymentMethod(): Promise<void> {
    const { hold } = this;
    // Events about a declined or expired PaymentIntent change nothing; they are only counted.
    this.ctx.takeEventsFor(hold.paymentIntentId);
    // A declined PaymentIntent holds nothing but stays confirmable: cancel it when giving up.
    const declinedIntentOpen =
      hold.status === 'declined' && hold.paymentIntentId !== null && hold.paymentIntentCanceled !== true;
    if (this.state.cancelRequested) {
      if (declinedIntentOpen)
        await this.releaseHold('requested_by_customer', 'booking cancelled after the decline; nothing was held');
      else this.finish();
      return;
    }
    if (this.offeredPaymentMethod !== null) {
      this.startNextAttempt(this.offeredPaymentMethod);
      return;
    }
    if (!due(hold.actionDeadline)) return;
    if (declinedIntentOpen) await this.releaseHold('abandoned', 'no new payment method before the deadline', 'failed');
    else this.markFailed('no new payment method before the deadline');
  }

  /** Starts the next attempt with the offered payment method: back to placing. */
  private startNextAttempt(paymentMethod: string): void {
    const { hold } = this;
    hold.attempt += 1;
    hold.paymentMethod = paymentMethod;
    hold.offSession = this.offeredOffSession;
    // Stripe puts a declined PaymentIntent back in requires_payment_method, where it can be confirmed
    // again with another payment method; an expired one, or one Stripe cancelled after too many
    // failed confirmations, is cancelled for good and a new one is needed.
    if (hold.status === 'expired' || hold.paymentIntentCanceled === true) hold.paymentIntentId = null;
    hold.paymentIntentCanceled = false;
    hold.declineCode = null;
    hold.actionDeadline = null;
    hold.authorizedAt = null;
    hold.releaseAt = null;
    hold.releasedAt = null;
    if (this.plansOn) {
      hold.validUntil = null;
      hold.nextAuthorizationAt = null;
      hold.pendingRenewal = null;
      hold.renewalPaymentMethod = null;
    }
    this.offeredPaymentMethod = null;
    this.setStatus('placing', null);
  }

  // ---- held: until the release deadline ------------------------------------------------------------

  /** Keeps the hold until its release deadline (or the booking's cancellation), then releases it. */
  private async holdUntilRelease(): Promise<void> {
    const { hold } = this;
    if (this.state.cancelRequested && !hold.unreleased) {
      await this.releaseHold('requested_by_customer', 'booking cancelled');
      return;
    }
    const events = this.ctx.takeEventsFor(hold.paymentIntentId);
    if (events.length > 0 || this.guard.recheck) {
      // Only a cancellation or expiry can move a held authorization; anything else is stale.
      if (this.guard.recheck || events.some((event) => event.objectStatus !== 'requires_capture')) {
        const snapshot = await stripeReads(`check the held authorization ${hold.paymentIntentId}`).readPaymentIntent(
          hold.paymentIntentId!,
        );
        if (snapshot.status !== 'requires_capture') this.applySnapshot(snapshot);
      }
      return;
    }
    if (this.plansOn && !hold.unreleased && (await this.stepRenewal())) return;
    if (!due(hold.releaseAt)) return;
    if (hold.unreleased) await this.followUnreleasedHold(hold.unreleased);
    else await this.releaseHold('abandoned', 'released at the hold-release deadline');
  }

  // ---- hold plans: renewals, deferred placement, the authorizations placed --------------------------

  /** The hold-plan arguments of an attempt's first authorization: save the card for later, ask for extension. */
  private planArgs(offSession: boolean): { setupFutureUsage?: boolean; extendedAuthorization?: boolean } {
    if (!this.plansOn) return {};
    const target = releaseTarget(this.state.endsAt, this.input.policy);
    return {
      ...(savesCardForLater(this.plan, offSession, target, this.input.policy, Date.now()) && {
        setupFutureUsage: true,
      }),
      ...(this.input.policy.extendedAuthorization && { extendedAuthorization: true }),
    };
  }

  /** Whether the authorization being placed is a deferred hold's card check (released at once). */
  private verifying(): boolean {
    return this.plansOn && this.plan === 'defer' && (this.hold.renewals ?? 0) === 0;
  }

  /** Whether a renewal step is due: the next authorization's time, or news about a renewal that failed. */
  private renewalReady(): boolean {
    const { hold } = this;
    if (!this.plansOn || hold.status !== 'held' || hold.unreleased) return false;
    const pending = hold.pendingRenewal;
    if (!pending) return due(hold.nextAuthorizationAt ?? null);
    return this.offeredPaymentMethod !== null || this.ctx.hasEventsFor(pending.paymentIntentId);
  }

  /** Adds or updates the authorization `id` in the hold's list. */
  private recordAuthorization(id: string, fields: Partial<HoldAuthorization>): void {
    const { hold } = this;
    const list = (hold.authorizations ??= []);
    const existing = list.find((authorization) => authorization.id === id);
    if (existing) {
      Object.assign(existing, fields);
    } else {
      list.push({
        id,
        renewal: hold.renewals ?? 0,
        attempt: hold.attempt,
        purpose: 'hold',
        offSession: hold.offSession === true,
        authorizedAt: null,
        validUntil: null,
        extended: false,
        outcome: 'held',
        declineCode: null,
        endedAt: null,
        ...fields,
      });
    }
    this.ctx.touch();
  }

  /** Records how an authorization of the list ended; the current one leaves nothing valid behind. */
  private endAuthorization(id: string | null, outcome: AuthorizationOutcome): void {
    if (!this.plansOn || !id) return;
    const existing = this.hold.authorizations?.find((authorization) => authorization.id === id);
    if (existing && (existing.outcome === 'held' || existing.outcome === 'requires_action'))
      this.recordAuthorization(id, { outcome, endedAt: new Date().toISOString() });
    if (id === this.hold.paymentIntentId) {
      this.hold.validUntil = null;
      this.hold.nextAuthorizationAt = null;
    }
  }

  /** An authorization is held: record it, its validity (Stripe's `capture_before`) and when the plan places the next. */
  private planFromAuthorization(snapshot: PaymentIntentSnapshot, purpose: HoldAuthorization['purpose']): void {
    const { hold } = this;
    const validUntil = snapshot.captureBefore ?? new Date(this.lapseOf(snapshot) ?? Date.now()).toISOString();
    hold.plan = this.plan;
    hold.validUntil = validUntil;
    hold.renewalPaymentMethod = snapshot.paymentMethodId ?? hold.paymentMethod;
    this.recordAuthorization(snapshot.paymentIntentId, {
      purpose,
      authorizedAt: snapshot.authorizedAt ?? hold.authorizedAt,
      validUntil,
      extended: snapshot.extendedAuthorization === true,
      outcome: 'held',
      declineCode: null,
    });
    const next = nextAuthorizationTime(
      this.plan,
      at(validUntil),
      releaseTarget(this.state.endsAt, this.input.policy),
      this.input.policy,
      Date.now(),
    );
    hold.nextAuthorizationAt = purpose === 'verification' || next === null ? null : new Date(next).toISOString();
  }

  /** A deferred hold's card check is held: release it at once and schedule the covering hold. */
  private async finishVerification(): Promise<void> {
    const { hold } = this;
    const verification = hold.paymentIntentId!;
    await this.cancelQuietly(verification, 'requested_by_customer', 'release the card check of the deferred hold');
    this.recordAuthorization(verification, { outcome: 'verified', endedAt: new Date().toISOString() });
    const target = releaseTarget(this.state.endsAt, this.input.policy);
    hold.paymentIntentId = null;
    hold.validUntil = null;
    hold.releaseAt = null;
    hold.authorizedAt = null;
    hold.nextAuthorizationAt = new Date(deferredPlacementTime(target, this.input.policy, Date.now())).toISOString();
    this.setStatus('scheduled', 'card verified; the covering hold is placed off-session later');
    this.notify('hold.scheduled', { nextAuthorizationAt: hold.nextAuthorizationAt });
  }

  /** Cancels a PaymentIntent that holds nothing the booking still needs; an unanswered cancel is only logged. */
  private async cancelQuietly(
    paymentIntentId: string,
    reason: ReleasePlan['cancellationReason'],
    summary: string,
  ): Promise<PaymentIntentSnapshot | null> {
    try {
      return await this.ctx.writes.run({
        operation: `release:${paymentIntentId}`,
        send: (writeAttempt) =>
          stripeReleases(`${summary} (${paymentIntentId})`).releaseHold({
            bookingId: this.state.bookingId,
            paymentIntentId,
            reason,
            ...(writeAttempt !== undefined && { writeAttempt }),
          }),
        resolve: async () => {
          const current = await stripeReads(`read ${paymentIntentId}: was it cancelled?`).readPaymentIntent(
            paymentIntentId,
          );
          return current.status === 'canceled' ? current : null;
        },
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.error('could not cancel a PaymentIntent of the hold plan; it lapses on its own', {
        paymentIntentId,
        error: String(error.cause ?? error),
      });
      return null;
    }
  }

  /** The deferred hold's time has come: place the covering authorization off-session (or end, if cancelled). */
  private async placeScheduledHold(): Promise<void> {
    const { hold } = this;
    if (this.state.cancelRequested) {
      this.markReleased('booking cancelled before the deferred hold was placed');
      return;
    }
    const renewal = (hold.renewals ?? 0) + 1;
    const outcome = await this.placeLaterAuthorization(renewal, hold.renewalPaymentMethod ?? hold.paymentMethod, true);
    hold.renewals = renewal;
    hold.paymentIntentId = outcome.kind === 'held' ? outcome.snapshot.paymentIntentId : outcome.paymentIntentId;
    hold.nextAuthorizationAt = null;
    if (outcome.kind === 'held') this.markHeld(outcome.snapshot);
    else if (outcome.kind === 'requires_action') this.markAwaitingAuthentication();
    else
      this.markDeclined(
        outcome.declineCode,
        'the deferred hold was declined off-session; a new payment method is needed',
      );
  }

  /**
   * One renewal step while held: a renewal the customer finished (or a new card for it), or the next
   * authorization when its time has come. Answers whether it did something.
   */
  private async stepRenewal(): Promise<boolean> {
    const { hold } = this;
    const pending = hold.pendingRenewal;
    if (pending) {
      if (this.offeredPaymentMethod !== null) {
        await this.renewOnNewPaymentMethod(this.offeredPaymentMethod, this.offeredOffSession);
        return true;
      }
      // The customer may have authenticated (an event, or the lapse is near and the webhook is late).
      const events = this.ctx.takeEventsFor(pending.paymentIntentId);
      if (pending.status === 'requires_action' && (events.length > 0 || due(hold.releaseAt))) {
        const snapshot = await stripeReads(`check the renewal ${pending.paymentIntentId}`).readPaymentIntent(
          pending.paymentIntentId,
        );
        if (snapshot.status === 'requires_capture') {
          await this.completeRenewal(pending.renewal, snapshot);
          return true;
        }
      }
      return events.length > 0;
    }
    if (!due(hold.nextAuthorizationAt ?? null)) return false;
    const renewal = (hold.renewals ?? 0) + 1;
    const outcome = await this.placeLaterAuthorization(renewal, hold.renewalPaymentMethod ?? hold.paymentMethod, true);
    hold.renewals = renewal;
    await this.applyRenewalOutcome(renewal, outcome);
    return true;
  }

  /** The customer gave a new card while the previous authorization still holds: authorize it (a new attempt). */
  private async renewOnNewPaymentMethod(paymentMethod: string, offSession: boolean): Promise<void> {
    const { hold } = this;
    this.offeredPaymentMethod = null;
    const stale = hold.pendingRenewal;
    if (stale) await this.cancelQuietly(stale.paymentIntentId, 'abandoned', 'cancel the renewal the new card replaces');
    if (stale) this.recordAuthorization(stale.paymentIntentId, { endedAt: new Date().toISOString() });
    hold.pendingRenewal = null;
    const attempt = hold.attempt + 1;
    const outcome = await this.placeLaterAuthorization(undefined, paymentMethod, offSession, attempt);
    hold.paymentMethod = paymentMethod;
    hold.offSession = offSession;
    await this.applyRenewalOutcome(hold.renewals ?? 0, outcome);
    // Last: the update that offered the card answers once the attempt moved on.
    hold.attempt = attempt;
    this.ctx.touch();
  }

  /** Applies a renewal's outcome: held takes over; otherwise the previous authorization stays, the customer is told. */
  private async applyRenewalOutcome(renewal: number, outcome: LaterAuthorization): Promise<void> {
    const { hold } = this;
    if (outcome.kind === 'held') {
      await this.completeRenewal(renewal, outcome.snapshot);
      return;
    }
    hold.nextAuthorizationAt = null;
    if (outcome.kind === 'requires_action') {
      hold.pendingRenewal = {
        renewal,
        paymentIntentId: outcome.paymentIntentId,
        status: 'requires_action',
        declineCode: null,
      };
      this.recordAuthorization(outcome.paymentIntentId, { renewal, outcome: 'requires_action' });
      hold.reason =
        'the issuer wants the customer to authenticate the next authorization (next-action route); the current one holds until it lapses';
      this.ctx.touch();
      this.notify('hold.requires_action', { renewal, paymentIntentForAction: outcome.paymentIntentId });
      return;
    }
    hold.pendingRenewal = {
      renewal,
      paymentIntentId: outcome.paymentIntentId,
      status: 'declined',
      declineCode: outcome.declineCode,
    };
    this.recordAuthorization(outcome.paymentIntentId, {
      renewal,
      outcome: 'declined',
      declineCode: outcome.declineCode,
    });
    hold.reason =
      'the next authorization was declined; the current one holds until it lapses, a new payment method may replace it';
    this.ctx.touch();
    this.notify('hold.renewal_failed', {
      renewal,
      declineCode: outcome.declineCode,
      validUntil: hold.validUntil ?? null,
    });
  }

  /** The next authorization is held: only now release the previous one, and plan the one after. */
  private async completeRenewal(renewal: number, snapshot: PaymentIntentSnapshot): Promise<void> {
    const { hold } = this;
    const previous = hold.paymentIntentId;
    hold.pendingRenewal = null;
    if (previous && previous !== snapshot.paymentIntentId) {
      const released = await this.cancelQuietly(
        previous,
        'abandoned',
        'release the authorization the renewal replaces',
      );
      const lapsed = released !== null && cancelledByStripe(released.cancellationReason, this.ctx.patches);
      this.endAuthorization(previous, lapsed ? 'expired' : 'released');
    }
    hold.paymentIntentId = snapshot.paymentIntentId;
    const wasHeld = hold.status === 'held';
    hold.renewals = Math.max(hold.renewals ?? 0, renewal);
    // markHeld plans from the new authorization; a renewal is announced as `hold.renewed`.
    this.markHeld(snapshot, false);
    if (wasHeld)
      this.notify('hold.renewed', { renewal, validUntil: hold.validUntil ?? null, releaseAt: hold.releaseAt });
    else this.notify('hold.held', { releaseAt: hold.releaseAt });
  }

  /**
   * Places a later authorization (a renewal, a deferred hold, a new card while the previous one holds):
   * in one Stripe call, or (histories from before it) created, then confirmed, under keys from the
   * booking, the attempt and the renewal number. Off-session, `authentication_required` brings the
   * customer back: confirmed on-session, it waits for 3-D Secure.
   */
  private async placeLaterAuthorization(
    renewal: number | undefined,
    paymentMethod: string,
    offSession: boolean,
    attempt = this.hold.attempt,
  ): Promise<LaterAuthorization> {
    const later: PlannedAuthorization = { renewal, paymentMethod, offSession, attempt };
    if (this.ctx.patches.has(ONE_CALL_STRIPE_WRITES_PATCH)) return this.placeLaterInOneCall(later);
    const paymentIntentId = (await this.createLaterAuthorization(later)).paymentIntentId;
    this.recordLaterAuthorization(later, paymentIntentId);
    try {
      return this.laterOutcome(await this.confirmLaterAuthorization(later, paymentIntentId, false));
    } catch (error) {
      return this.afterLaterDecline(later, paymentIntentId, error);
    }
  }

  /** A later authorization in one call; a decline names its PaymentIntent, which the customer may authenticate. */
  private async placeLaterInOneCall(later: PlannedAuthorization): Promise<LaterAuthorization> {
    const { state } = this;
    const whose = {
      bookingId: state.bookingId,
      attempt: later.attempt,
      customer: this.input.customer,
      stripeCustomerId: state.stripeCustomerId!,
      ...(later.renewal && { renewal: later.renewal }),
    };
    let placed: PlacedHold;
    try {
      placed = await this.ctx.writes.run({
        operation: `hold-place:${laterSuffix(later)}`,
        send: (writeAttempt) =>
          stripeWrites(
            `authorize ${HOLD} on ${later.paymentMethod}${later.offSession ? ' off-session' : ''} in one call (${laterName(later)})`,
          ).placeHold({
            ...whose,
            paymentMethod: later.paymentMethod,
            ...(later.offSession ? { offSession: true } : { setupFutureUsage: true }),
            ...(this.input.policy.extendedAuthorization && { extendedAuthorization: true }),
            ...(writeAttempt !== undefined && { writeAttempt }),
          }),
        resolve: () => stripeReads(`find the authorization of ${laterName(later)}`).findPlacedHold(whose),
      });
    } catch (error) {
      const paymentIntentId = refusedPaymentIntent(error);
      if (!paymentIntentId) throw error;
      this.recordLaterAuthorization(later, paymentIntentId);
      return this.afterLaterDecline(later, paymentIntentId, error);
    }
    const { paymentIntentId } = placed.paymentIntent;
    this.recordLaterAuthorization(later, paymentIntentId);
    // Found by its metadata after a lost answer but never confirmed: confirmed as older runs do.
    if (placed.paymentIntent.status !== 'requires_confirmation') return this.laterOutcome(placed.paymentIntent);
    try {
      return this.laterOutcome(await this.confirmLaterAuthorization(later, paymentIntentId, false));
    } catch (error) {
      return this.afterLaterDecline(later, paymentIntentId, error);
    }
  }

  /** Creates a later authorization's PaymentIntent, unconfirmed (histories from before one-call placement). */
  private createLaterAuthorization(later: PlannedAuthorization): Promise<PaymentIntentSnapshot> {
    const { state } = this;
    const { renewal, paymentMethod, offSession, attempt } = later;
    const stripeCustomerId = state.stripeCustomerId!;
    const which = laterName(later);
    return this.ctx.writes.run({
      operation: `hold-create:${laterSuffix(later)}`,
      send: (writeAttempt) =>
        stripeWrites(`create the next ${HOLD} authorization (${which})`).createHold({
          bookingId: state.bookingId,
          attempt,
          paymentMethod,
          stripeCustomerId,
          ...(renewal && { renewal }),
          ...(!offSession && { setupFutureUsage: true }),
          ...(this.input.policy.extendedAuthorization && { extendedAuthorization: true }),
          ...(writeAttempt !== undefined && { writeAttempt }),
        }),
      resolve: () =>
        stripeReads(`find the authorization of ${which}`).findHold({
          bookingId: state.bookingId,
          attempt,
          stripeCustomerId,
          ...(renewal && { renewal }),
        }),
    });
  }

  /** Lists a later authorization among the hold's, waiting on its outcome. */
  private recordLaterAuthorization(later: PlannedAuthorization, paymentIntentId: string): void {
    this.recordAuthorization(paymentIntentId, {
      renewal: later.renewal ?? 0,
      attempt: later.attempt,
      offSession: later.offSession,
      outcome: 'requires_action',
    });
  }

  /** Confirms a later authorization's PaymentIntent, off-session or (bringing the customer back) on-session. */
  private confirmLaterAuthorization(
    later: PlannedAuthorization,
    paymentIntentId: string,
    onSession: boolean,
  ): Promise<PaymentIntentSnapshot> {
    const { renewal, paymentMethod, offSession, attempt } = later;
    return this.ctx.writes.run({
      operation: `hold-confirm:${laterSuffix(later)}${onSession ? ':on-session' : ''}`,
      send: (writeAttempt) =>
        stripeWrites(
          `authorize ${HOLD} on ${paymentMethod}${onSession ? '' : ' off-session'} (${laterName(later)})`,
        ).confirmHold({
          bookingId: this.state.bookingId,
          attempt,
          paymentIntentId,
          paymentMethod,
          offSession: offSession && !onSession,
          ...(renewal && { renewal }),
          ...(onSession && offSession && { bringBackCustomer: true }),
          ...(writeAttempt !== undefined && { writeAttempt }),
        }),
      resolve: async () =>
        confirmationOutcome(
          await stripeReads(`read ${paymentIntentId}: was it confirmed?`).readPaymentIntent(paymentIntentId),
          paymentMethod,
        ),
    });
  }

  /**
   * A later authorization Stripe declined: off-session `authentication_required` is confirmed again
   * on-session (the customer is brought back for 3-D Secure); any other decline is the outcome.
   */
  private async afterLaterDecline(
    later: PlannedAuthorization,
    paymentIntentId: string,
    error: unknown,
  ): Promise<LaterAuthorization> {
    const declined = declineOf(error);
    if (declined === undefined) throw error;
    if (declined !== 'authentication_required' || !later.offSession)
      return { kind: 'declined', paymentIntentId, declineCode: declined };
    try {
      return this.laterOutcome(await this.confirmLaterAuthorization(later, paymentIntentId, true));
    } catch (again) {
      const code = declineOf(again);
      if (code === undefined) throw again;
      return { kind: 'declined', paymentIntentId, declineCode: code };
    }
  }

  /** What a confirmed later authorization's PaymentIntent says. */
  private laterOutcome(snapshot: PaymentIntentSnapshot): LaterAuthorization {
    if (snapshot.status === 'requires_capture') return { kind: 'held', snapshot };
    if (snapshot.status === 'requires_action')
      return { kind: 'requires_action', paymentIntentId: snapshot.paymentIntentId };
    return { kind: 'declined', paymentIntentId: snapshot.paymentIntentId, declineCode: snapshot.lastErrorCode };
  }

  /** Drops a renewal that never held (the booking ends): cancels its PaymentIntent, which holds nothing. */
  private async dropPendingRenewal(reason: ReleasePlan['cancellationReason']): Promise<void> {
    const pending = this.hold.pendingRenewal!;
    await this.cancelQuietly(pending.paymentIntentId, reason, 'cancel the renewal that did not go through');
    this.recordAuthorization(pending.paymentIntentId, { endedAt: new Date().toISOString() });
    this.hold.pendingRenewal = null;
  }

  // ---- releasing: cancel the PaymentIntent, in rounds ----------------------------------------------

  /** Cancels the current PaymentIntent, retrying in rounds, and records the outcome. */
  private async releaseHold(
    cancellationReason: ReleasePlan['cancellationReason'],
    why: string,
    outcome: ReleasePlan['outcome'] = 'released',
    rounds = RELEASE_ROUNDS,
  ): Promise<void> {
    const { hold } = this;
    const plan = { cancellationReason, why, outcome };
    if (this.plansOn && hold.pendingRenewal) await this.dropPendingRenewal(cancellationReason);
    let snapshot: PaymentIntentSnapshot | null = null;
    for (let round = 1; snapshot === null; round += 1) {
      try {
        snapshot = await this.cancelPaymentIntent(plan, round);
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        log.error('hold release failed', {
          paymentIntentId: hold.paymentIntentId,
          round,
          error: String(error.cause ?? error),
        });
        if (round === 1 && !hold.unreleased) this.notify('hold.release_failed');
        if (round >= rounds) {
          this.giveUpRelease(plan);
          return;
        }
        hold.reason = 'Stripe refused the release; retrying';
        this.ctx.touch();
        await sleep(RELEASE_ROUND_GAP, { summary: 'retry the hold release' });
      }
    }
    if (snapshot.status === 'canceled') {
      this.applyCancelled(snapshot, why, outcome);
    } else if (MAY_STILL_HOLD.includes(snapshot.status) && this.ctx.patches.has(FOLLOW_UNRELEASED_HOLD_PATCH)) {
      this.keepUnreleased(plan, `PaymentIntent is ${snapshot.status}`);
    } else {
      this.markFailed(`hold could not be released: PaymentIntent is ${snapshot.status}`);
    }
  }

  /** One round of the release: cancels the PaymentIntent, or finds out whether an unanswered cancel did. */
  private cancelPaymentIntent({ cancellationReason, why }: ReleasePlan, round: number): Promise<PaymentIntentSnapshot> {
    const summary = `release ${HOLD} hold ${this.hold.paymentIntentId} (${why}${round > 1 ? `, round ${round}` : ''})`;
    const paymentIntentId = this.hold.paymentIntentId!;
    return this.ctx.writes.run({
      operation: `release:${paymentIntentId}`,
      send: (writeAttempt) =>
        stripeReleases(summary).releaseHold({
          bookingId: this.state.bookingId,
          paymentIntentId,
          reason: cancellationReason,
          ...(writeAttempt !== undefined && { writeAttempt }),
        }),
      resolve: async () => {
        const current = await stripeReads(`read ${paymentIntentId}: was the release answered?`).readPaymentIntent(
          paymentIntentId,
        );
        return current.status === 'canceled' ? current : null;
      },
    });
  }

  /** Stripe refused every round of the release: follow the hold still held (or, in older histories, fail it). */
  private giveUpRelease(plan: ReleasePlan): void {
    if (this.ctx.patches.has(FOLLOW_UNRELEASED_HOLD_PATCH)) {
      this.keepUnreleased(plan, 'Stripe refused every attempt');
    } else {
      this.markFailed(`the hold could not be released: cancel PaymentIntent ${this.hold.paymentIntentId} in Stripe`);
    }
  }

  /**
   * Stripe would not release the hold: keep it `held`, findable and followed, and alert (a log line,
   * the booking service's notification and its counter) the first time.
   */
  private keepUnreleased(plan: ReleasePlan, detail: string): void {
    const { hold } = this;
    const first = !hold.unreleased;
    hold.unreleased = hold.unreleased ?? { since: new Date().toISOString(), ...plan };
    // Asked again in a few hours, or as soon as the authorization should have lapsed if that is sooner.
    const lapseAt = hold.authorizedAt
      ? at(hold.authorizedAt)! + this.input.policy.authorizationValiditySeconds * 1000
      : Infinity;
    hold.releaseAt = new Date(
      Math.max(Date.now(), Math.min(Date.now() + UNRELEASED_RECHECK_MS, lapseAt)),
    ).toISOString();
    hold.releasedAt = null;
    hold.actionDeadline = null;
    const reason = `the hold could not be released (${detail}); Stripe still holds it, asked again until it is cancelled or lapses: cancel PaymentIntent ${hold.paymentIntentId} in Stripe`;
    this.setStatus('held', reason);
    log.error('hold left unreleased in Stripe', {
      paymentIntentId: hold.paymentIntentId,
      since: hold.unreleased.since,
      detail,
    });
    if (first) this.notify('hold.release_failed', { stillHeld: true, reason });
  }

  /** Asks Stripe about a hold it refused to release: done once cancelled or lapsed, else tries the release again. */
  private async followUnreleasedHold(plan: UnreleasedHold): Promise<void> {
    const { hold } = this;
    const snapshot = await stripeReads(
      `check whether Stripe still holds ${HOLD} on ${hold.paymentIntentId}`,
    ).readPaymentIntent(hold.paymentIntentId!);
    if (snapshot.status === 'canceled') {
      this.applyCancelled(snapshot, plan.why, plan.outcome);
      return;
    }
    const lapseAt = this.lapseOf(snapshot);
    if (snapshot.status === 'requires_capture' && lapseAt !== null && Date.now() >= lapseAt) {
      hold.releasedAt = new Date(lapseAt).toISOString();
      this.setStatus(
        'expired',
        'never released: Stripe refused every release until the authorization lapsed at capture_before',
      );
      this.notify('hold.expired', { lapsedAt: hold.releasedAt });
      this.finish();
      return;
    }
    if (!MAY_STILL_HOLD.includes(snapshot.status)) {
      this.markFailed(`hold could not be released: PaymentIntent is ${snapshot.status}`);
      return;
    }
    await this.releaseHold(plan.cancellationReason, plan.why, plan.outcome, 1);
  }

  /** When the current authorization lapses (Stripe's `capture_before`, else authorization plus validity); null if unknown. */
  private lapseOf(snapshot: PaymentIntentSnapshot): number | null {
    if (snapshot.captureBefore) return at(snapshot.captureBefore);
    const authorizedAt = snapshot.authorizedAt ?? this.hold.authorizedAt;
    return authorizedAt ? at(authorizedAt)! + this.input.policy.authorizationValiditySeconds * 1000 : null;
  }

  // ---- Stripe's word on the PaymentIntent, and the statuses it leads to -----------------------------

  /** Applies a fresh read of the PaymentIntent; never moves a held authorization backwards. */
  private applySnapshot(snapshot: PaymentIntentSnapshot): void {
    const { hold } = this;
    switch (snapshot.status) {
      case 'requires_capture':
        if (hold.status !== 'held') this.markHeld(snapshot);
        return;
      case 'requires_action':
        if (hold.status === 'placing') this.markAwaitingAuthentication();
        return;
      case 'requires_payment_method':
        if (hold.status !== 'held') this.markDeclined(snapshot.lastErrorCode);
        return;
      case 'canceled':
        this.applyCancelled(snapshot, 'cancelled outside the booking workflow', 'released');
        return;
      default:
        this.markFailed(`unexpected PaymentIntent status ${snapshot.status} for a manual-capture hold`);
    }
  }

  /** The authorization is held: timed from its authorization, released before it would lapse. */
  private markHeld(snapshot: PaymentIntentSnapshot, announce = true): void {
    const { hold } = this;
    // A PaymentIntent confirmed again later (after a decline) is authorized long after its creation.
    const authorizedAt = new Date(
      snapshot.authorizedAt && this.ctx.patches.has(HOLD_TIMED_FROM_AUTHORIZATION_PATCH)
        ? snapshot.authorizedAt
        : snapshot.createdAt,
    );
    // With a plan, Stripe's capture_before is the authorization's validity (an extended one lasts up to 30 days).
    const trustCaptureBefore = this.plansOn && snapshot.captureBefore !== null;
    const deadline = computeReleaseDeadline({
      endsAt: new Date(this.state.endsAt),
      authorizedAt,
      captureBefore: snapshot.captureBefore ? new Date(snapshot.captureBefore) : null,
      policy: trustCaptureBefore
        ? { ...this.input.policy, authorizationValiditySeconds: Number.POSITIVE_INFINITY }
        : this.input.policy,
    });
    hold.authorizedAt = authorizedAt.toISOString();
    hold.releaseAt = deadline.releaseAt.toISOString();
    hold.actionDeadline = null;
    hold.declineCode = null;
    if (this.plansOn) this.planFromAuthorization(snapshot, this.verifying() ? 'verification' : 'hold');
    const renewing = this.plansOn && hold.nextAuthorizationAt;
    this.setStatus(
      'held',
      deadline.boundBy === 'authorization_validity' && !renewing
        ? 'release moved before the booking end: the authorization would lapse first'
        : null,
    );
    // A deferred hold's card check is released at once; the booking service hears `hold.scheduled`.
    if (announce && !(this.plansOn && this.verifying())) this.notify('hold.held', { releaseAt: hold.releaseAt });
  }

  /** The issuer wants the customer to authenticate (3-D Secure) before its deadline. */
  private markAwaitingAuthentication(): void {
    this.hold.actionDeadline = inSeconds(this.input.policy.customerActionTimeoutSeconds);
    this.setStatus('requires_action', 'waiting for the customer to complete 3-D Secure');
    this.notify('hold.requires_action');
  }

  /** Declined: the customer may supply another payment method before its deadline. */
  private markDeclined(declineCode: string | null, reason = 'the card issuer declined the authorization'): void {
    this.hold.declineCode = declineCode;
    this.hold.actionDeadline = inSeconds(this.input.policy.newPaymentMethodTimeoutSeconds);
    this.setStatus('declined', reason);
    this.notify('hold.declined', { declineCode });
  }

  /** Stripe expired the authorization: over if the booking is cancelled or ended, else a new payment method may come. */
  private markExpired(): void {
    this.endAuthorization(this.hold.paymentIntentId, 'expired');
    this.hold.releasedAt = new Date().toISOString();
    this.setStatus('expired', 'Stripe expired the authorization before it was released');
    this.notify('hold.expired');
    if (this.state.cancelRequested || Date.now() >= new Date(this.state.endsAt).getTime()) {
      this.finish();
    } else {
      this.hold.actionDeadline = inSeconds(this.input.policy.newPaymentMethodTimeoutSeconds);
    }
  }

  private markFailed(reason: string): void {
    this.endAuthorization(this.hold.paymentIntentId, 'failed');
    this.setStatus('failed', reason);
    this.notify('hold.failed', { reason });
    this.finish();
  }

  /** Applies Stripe's word on a PaymentIntent that was cancelled, by us or by Stripe. */
  private applyCancelled(snapshot: PaymentIntentSnapshot, why: string, outcome: ReleasePlan['outcome']): void {
    if (this.hold.unreleased) this.hold.unreleased = null;
    if (cancelledByStripe(snapshot.cancellationReason, this.ctx.patches)) {
      this.markExpired();
      return;
    }
    if (outcome === 'failed') {
      this.markFailed(why);
      return;
    }
    this.markReleased(why);
  }

  private markReleased(why: string): void {
    this.endAuthorization(this.hold.paymentIntentId, 'released');
    // A released hold plans nothing, whether or not it ever held one (a deferred hold cancelled before
    // its placement). State only: the search attribute already drops it once the hold is done.
    this.hold.nextAuthorizationAt = null;
    this.hold.releasedAt = new Date().toISOString();
    this.setStatus('released', why);
    this.notify('hold.released', { reason: why });
    this.finish();
  }
}

/** The decline code of a card decline an activity reported (null when none was given); undefined for any other failure. */
function declineOf(error: unknown): string | null | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const failure = error.cause;
  if (!(failure instanceof ApplicationFailure) || failure.type !== FailureTypes.CardDeclined) return undefined;
  return ((failure.details?.[0] ?? {}) as Partial<CardDeclineDetails>).declineCode ?? null;
}
