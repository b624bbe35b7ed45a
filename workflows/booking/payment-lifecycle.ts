/**
 * The booking's amount paid by US bank account (ACH direct debit): create and confirm the
 * PaymentIntent under the customer's mandate, verify the account by microdeposits when Stripe asks,
 * wait through processing, then listen for disputes; cancel or refund when the booking is
 * cancelled. A step-by-step state machine driven by the booking workflow's main loop.
 */
import { ActivityFailure, ApplicationFailure, log, patched } from '@temporalio/workflow';
import type { PaymentIntentSnapshot } from '../../activities/common/payment-intent-snapshot.js';
import type { RefundSnapshot } from '../../activities/create-activities.js';
import type { BankBalanceSnapshot } from '../../activities/booking/bank-balance-snapshot.js';
import { stripeReads, stripeWrites } from '../common/activity-stubs.js';
import type { BookingContext, Lifecycle } from './booking-context.js';
import { usd } from './booking-story.js';
import { StepGuard } from '../common/step-guard.js';
import { cancelledByStripe } from './stripe-cancellation.js';
import { confirmationOutcome, ensureStripeCustomer, microdepositOutcome } from '../common/stripe-write.js';
import { checkMicrodepositsFit } from './update-validators.js';
import { earliestTargetDate, isTargetDateInRange } from './ach-target-date.js';
import {
  DEFAULT_BALANCE_REFRESH_TIMEOUT_SECONDS,
  DEFAULT_PAYMENT_POLICY,
  FailureTypes,
  type BalanceCheckState,
  MICRODEPOSIT_ATTEMPTS,
  MICRODEPOSIT_VALIDITY_SECONDS,
  type MandateAcceptance,
  type MicrodepositOutcome,
  type NotificationType,
  type PaymentStatus,
  type VerifyMicrodepositsRequest,
} from './contract.js';

/** Patch: a new bank account is debited only under an acceptance given for it; older histories reused the booking's. */
export const MANDATE_PER_ACCOUNT_PATCH = 'mandate-per-bank-account';

/** Patch: the target date is checked again when the debit is created; older histories sent it as requested. */
export const RECHECK_TARGET_DATE_PATCH = 'recheck-ach-target-date';

/** Patch: the balance is refreshed and its asynchronous answer awaited; older histories read the account once. */
export const AWAIT_BALANCE_REFRESH_PATCH = 'await-balance-refresh';

/** How often the account is read while the bank's answer to a balance refresh is awaited. */
const BALANCE_READ_SECONDS = 30;

/** How often a refund still pending, or a debit overdue, is re-read from Stripe. */
const REFUND_POLL_SECONDS = 24 * 60 * 60;
const OVERDUE_POLL_SECONDS = 24 * 60 * 60;
/** How long an open dispute keeps the workflow listening past the dispute window. */
const OPEN_DISPUTE_EXTENSION_SECONDS = 30 * 24 * 60 * 60;
/** Dispute statuses after which a dispute is over. */
const CLOSED_DISPUTE_STATUSES = ['won', 'lost', 'warning_closed', 'closed'];

/** The payment's lifecycle, plus what the update handlers need of it. */
export interface PaymentLifecycle extends Lifecycle {
  awaitingPaymentMethod(): boolean;
  /** Takes a new bank account; a saved one brings its mandate, a new one may bring the customer's acceptance. */
  offerPaymentMethod(paymentMethod: string, authority: { savedMandateId?: string; mandate?: MandateAcceptance }): void;
  /** Whether a debit on this new, unsaved bank account would have an acceptance given for it to send. */
  hasMandateAcceptance(paymentMethod: string): boolean;
  paymentMethodOffered(): boolean;
  /** Throws a typed failure when a microdeposit attempt cannot be taken now. */
  checkMicrodepositAttempt(request: VerifyMicrodepositsRequest): void;
  /** Submits one microdeposit attempt to Stripe and applies the answer. */
  verifyMicrodeposits(request: VerifyMicrodepositsRequest): Promise<Omit<MicrodepositOutcome, 'booking'>>;
  /** Whether a cancellation has been carried as far as it goes (cancelled, refused or refund asked). */
  cancellationSettled(): boolean;
}

/** Builds the payment's lifecycle; null payment state means a hold-only booking. */
export function createPaymentLifecycle(ctx: BookingContext): PaymentLifecycle {
  const { input, state } = ctx;
  const payment = state.payment;
  const bank = input.payment;
  const policy = input.paymentPolicy ?? DEFAULT_PAYMENT_POLICY;
  let offeredPaymentMethod: string | null = null;
  let offeredAuthority: { savedMandateId?: string; mandate?: MandateAcceptance } = {};
  let verificationInFlight = false;
  const guard = new StepGuard('payment', ctx.stepRetries('payment'));

  const at = (iso: string | null) => (iso ? new Date(iso).getTime() : null);
  const due = (iso: string | null) => iso !== null && Date.now() >= at(iso)!;
  const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

  const notify = (type: NotificationType, data: Record<string, string | number | boolean | null> = {}) =>
    ctx.notify(type, { attempt: payment!.attempt, paymentIntentId: payment!.paymentIntentId }, data);
  /** The debit as activity summaries name it: `$125 bank debit pi_…`. */
  const debit = () => `${usd(payment!.amount)} bank debit ${payment!.paymentIntentId}`;

  const setStatus = (status: PaymentStatus, reason: string | null = payment!.reason) => {
    payment!.status = status;
    payment!.reason = reason;
    ctx.touch();
  };

  const finish = () => {
    payment!.done = true;
    payment!.deadline = null;
    ctx.touch();
  };

  const askForNewPaymentMethod = (failureCode: string | null, reason: string, type: NotificationType) => {
    payment!.failureCode = failureCode;
    payment!.microdeposits = null;
    payment!.deadline = inSeconds(input.policy.newPaymentMethodTimeoutSeconds);
    setStatus('requires_payment_method', reason);
    notify(type, { failureCode });
  };

  const markFailed = (failureCode: string | null, reason: string) => {
    payment!.failureCode = failureCode;
    setStatus('failed', reason);
    notify('payment.failed', { failureCode, reason });
    finish();
  };

  /** Applies a fresh read of the PaymentIntent; never moves the payment backwards. */
  const applySnapshot = (snapshot: PaymentIntentSnapshot) => {
    const p = payment!;
    switch (snapshot.status) {
      case 'requires_action':
        if (snapshot.microdeposits && (p.status === 'pending' || p.status === 'requires_payment_method')) {
          const type = snapshot.microdeposits.type;
          p.microdeposits = {
            type,
            arrivalDate: snapshot.microdeposits.arrivalDate,
            hostedVerificationUrl: snapshot.microdeposits.hostedVerificationUrl,
            attemptsRemaining: MICRODEPOSIT_ATTEMPTS[type],
            expiresAt: inSeconds(MICRODEPOSIT_VALIDITY_SECONDS),
          };
          p.deadline = p.microdeposits.expiresAt;
          setStatus('awaiting_verification', 'waiting for the customer to confirm the microdeposits');
          notify('payment.awaiting_verification', { microdepositType: type, arrivalDate: p.microdeposits.arrivalDate });
        }
        return;
      case 'processing':
        if (p.status === 'pending' || p.status === 'awaiting_verification' || p.status === 'requires_payment_method') {
          p.microdeposits = null;
          p.processingSince = new Date().toISOString();
          p.deadline = inSeconds(policy.processingAlertSeconds);
          setStatus('processing', 'the bank debit is on its way (about 4 business days)');
          notify('payment.processing');
        }
        return;
      case 'succeeded':
        if (p.status !== 'succeeded' && p.status !== 'disputed' && p.status !== 'refunded') {
          p.microdeposits = null;
          p.paymentReference = snapshot.paymentReference;
          p.succeededAt = new Date().toISOString();
          p.deadline = inSeconds(policy.disputeWindowSeconds);
          setStatus('succeeded', null);
          notify('payment.succeeded', { paymentReference: p.paymentReference });
        }
        return;
      case 'requires_payment_method':
        if (p.status === 'processing') {
          markFailed(snapshot.lastErrorCode, 'the bank debit failed');
        } else if (p.status !== 'requires_payment_method') {
          askForNewPaymentMethod(snapshot.lastErrorCode, 'the bank account could not be verified or debited', 'payment.verification_failed');
        }
        return;
      case 'canceled':
        if (p.status !== 'canceled') {
          p.cancellation = p.cancellation ? 'canceled' : null;
          setStatus(
            'canceled',
            state.cancelRequested
              ? 'booking cancelled'
              : snapshot.cancellationReason === 'automatic'
                ? 'Stripe cancelled the PaymentIntent after too many failed confirmations (seed 004)'
                : cancelledByStripe(snapshot.cancellationReason)
                  ? `Stripe cancelled the PaymentIntent itself (${snapshot.cancellationReason})`
                  : 'cancelled outside the booking workflow',
          );
          notify('payment.canceled');
          finish();
        }
        return;
      default:
        return;
    }
  };

  /** What authorizes the current attempt's debit: the saved mandate, or the customer's acceptance. */
  const debitAuthority = (): MandateAcceptance | { mandateId: string } | null => {
    const p = payment!;
    if (p.savedMandateId) return { mandateId: p.savedMandateId };
    // Recorded with the account it was given for: never another account's acceptance.
    if (p.mandateAcceptanceFor !== undefined) return p.mandateAcceptanceFor === p.paymentMethod ? (p.mandateAcceptance ?? null) : null;
    return p.mandateAcceptance ?? bank!.mandate ?? null;
  };

  /** The acceptance the customer gave for this bank account, if any (with the booking, or with a later attempt). */
  const acceptanceGivenFor = (paymentMethod: string): MandateAcceptance | null => {
    const p = payment!;
    if (p.mandateAcceptance && (p.mandateAcceptanceFor ?? p.paymentMethod) === paymentMethod) return p.mandateAcceptance;
    if (bank!.mandate && bank!.paymentMethod === paymentMethod) return bank!.mandate;
    return null;
  };

  /**
   * Stripe refused a saved bank account's mandate (revoked after a dispute, seed 001): record the
   * account as unusable and tell the booking service, then ask for another one rather than retry.
   */
  const recordInvalidSavedMandate = async (code: string | null): Promise<boolean> => {
    const p = payment!;
    if (!p.savedMandateId || code !== 'payment_intent_mandate_invalid') return false;
    await stripeWrites(`record saved bank account ${p.paymentMethod} as unusable: mandate inactive`).markPaymentMethodUnusable({
      paymentMethodId: p.paymentMethod,
      reason: 'mandate_inactive',
    });
    notify('payment_method.unusable', { paymentMethod: p.paymentMethod, reason: 'mandate_inactive' });
    askForNewPaymentMethod(code, 'the saved bank account\'s mandate is no longer valid; another payment method is needed', 'payment.requires_payment_method');
    return true;
  };

  /**
   * The target date to create the debit with. Checked when the API received it, but the debit may be
   * created days later (a balance too low, then a new account; an outage): Stripe refuses a date less
   * than 3 days ahead, whatever the account, so it moves to the earliest valid date and says so.
   */
  const debitTargetDate = (): string | null => {
    const p = payment!;
    const requested = bank!.targetDate;
    if (!requested || !patched(RECHECK_TARGET_DATE_PATCH)) return requested;
    const now = new Date();
    const used = isTargetDateInRange(requested, now) ? requested : earliestTargetDate(now);
    if (used !== requested && p.targetDate !== used) {
      p.targetDateMovedFrom = requested;
      notify('payment.target_date_moved', { requestedTargetDate: requested, targetDate: used });
    }
    p.targetDate = used;
    ctx.touch();
    return used;
  };

  /** The current bank account's balance check while the bank's answer is awaited, else null. */
  const balanceAwaited = (): BalanceCheckState | null => {
    const check = payment?.balanceCheck;
    return payment?.status === 'pending' && check?.attempt === payment.attempt && check.status === 'refreshing' ? check : null;
  };

  /**
   * The balance check before a debit. A Financial Connections balance is null until a refresh
   * completes, and a refresh is asynchronous (docs.stripe.com/financial-connections/balances): ask
   * for one, then wait for `financial_connections.account.refreshed_balance` (relayed by the inbox)
   * or read the account, until the policy's deadline. Returns whether the debit may go ahead now:
   * false while waiting, or when the balance is too low (another bank account is asked for).
   */
  const balanceAllowsDebit = async (): Promise<boolean> => {
    const p = payment!;
    const current = p.balanceCheck?.attempt === p.attempt ? p.balanceCheck : null;
    if (current && current.status !== 'refreshing') return current.status !== 'insufficient';
    const { attempt, paymentMethod } = p;
    let snapshot: BankBalanceSnapshot;
    let check: BalanceCheckState;
    if (!current) {
      snapshot = await ctx.writes.run({
        operation: `balance-refresh:${attempt}`,
        send: (writeAttempt) =>
          stripeWrites(`ask the bank for the balance of ${paymentMethod} before debiting ${usd(p.amount)}`).requestBalanceRefresh({
            bookingId: state.bookingId,
            paymentMethodId: paymentMethod,
            attempt,
            ...(writeAttempt !== undefined && { writeAttempt }),
          }),
        resolve: async () => {
          const read = await stripeReads(`read the balance refresh of ${paymentMethod}: was it asked?`).readBalanceRefresh(paymentMethod);
          return read.refreshStatus !== null || !read.permitted ? read : null;
        },
      });
      const timeout = policy.balanceRefreshTimeoutSeconds ?? DEFAULT_BALANCE_REFRESH_TIMEOUT_SECONDS;
      check = {
        attempt,
        status: 'refreshing',
        accountId: snapshot.accountId,
        available: null,
        asOf: null,
        deadline: inSeconds(timeout),
        nextReadAt: null,
        reason: null,
      };
      p.balanceCheck = check;
    } else {
      check = current;
      ctx.takeEventsAbout(check.accountId);
      snapshot = await stripeReads(`read the balance of ${paymentMethod}: has the bank answered?`).readBalanceRefresh(paymentMethod);
    }
    const unreadable = (reason: string) => {
      Object.assign(check, { status: 'unavailable', reason, deadline: null, nextReadAt: null });
      ctx.touch();
      return true;
    };
    if (!snapshot.accountId) return unreadable('the bank account was not linked through Financial Connections: no balance to read');
    if (!snapshot.permitted) return unreadable('the customer did not share the balance of this account (no balances permission)');
    if (snapshot.refreshStatus === 'succeeded' && snapshot.available !== null) {
      Object.assign(check, {
        available: snapshot.available,
        asOf: snapshot.asOf !== null ? new Date(snapshot.asOf * 1000).toISOString() : null,
        deadline: null,
        nextReadAt: null,
      });
      if (snapshot.available < p.amount) {
        check.status = 'insufficient';
        askForNewPaymentMethod(
          FailureTypes.InsufficientBalance,
          'the bank balance is lower than the amount: no debit was sent',
          'payment.requires_payment_method',
        );
        return false;
      }
      check.status = 'sufficient';
      ctx.touch();
      return true;
    }
    if (snapshot.refreshStatus === 'failed') return unreadable('the bank did not report the balance (the refresh failed)');
    if (due(check.deadline)) return unreadable('the bank did not report the balance before the deadline');
    check.nextReadAt = new Date(Math.min(Date.now() + BALANCE_READ_SECONDS * 1000, at(check.deadline)!)).toISOString();
    ctx.touch();
    return false;
  };

  /** Creates (if needed) and confirms the PaymentIntent of the current attempt. */
  const submit = async () => {
    const p = payment!;
    try {
      if (balanceAwaited() && cancelPending()) {
        await cancel();
        return;
      }
      if (!state.stripeCustomerId) state.stripeCustomerId = await ensureStripeCustomer(ctx.writes, input.customer);
      if (bank!.checkBalance && bank!.verification !== 'microdeposits' && patched(AWAIT_BALANCE_REFRESH_PATCH)) {
        if (!(await balanceAllowsDebit())) return;
      } else if (bank!.checkBalance && bank!.verification !== 'microdeposits') {
        const available = await stripeReads(`read the balance of ${p.paymentMethod} before debiting ${usd(p.amount)}`).readBankBalance(
          p.paymentMethod,
        );
        if (available !== null && available < p.amount) {
          askForNewPaymentMethod(
            FailureTypes.InsufficientBalance,
            'the bank balance is lower than the amount: no debit was sent',
            'payment.requires_payment_method',
          );
          return;
        }
      }
      if (!p.paymentIntentId) {
        const { attempt } = p;
        const stripeCustomerId = state.stripeCustomerId;
        const targetDate = debitTargetDate();
        const created = await ctx.writes.run({
          operation: `payment-create:${attempt}`,
          send: (writeAttempt) =>
            stripeWrites(`create the ${usd(p.amount)} bank debit's PaymentIntent (attempt ${attempt})`).createBankPayment({
              bookingId: state.bookingId,
              attempt,
              amount: p.amount,
              stripeCustomerId,
              paymentMethod: p.paymentMethod,
              verification: bank!.verification,
              targetDate,
              ...(writeAttempt !== undefined && { writeAttempt }),
            }),
          resolve: () =>
            stripeReads(`find the bank debit's PaymentIntent of attempt ${attempt}`).findBankPayment({
              bookingId: state.bookingId,
              attempt,
              stripeCustomerId,
            }),
        });
        p.paymentIntentId = created.paymentIntentId;
        ctx.touch();
      }
      if (state.cancelRequested) {
        await cancel();
        return;
      }
      const authority = debitAuthority();
      if (!authority) {
        askForNewPaymentMethod(
          FailureTypes.MandateRequired,
          'no mandate for this bank account: supply it again with the customer\'s acceptance',
          'payment.requires_payment_method',
        );
        return;
      }
      const { attempt, paymentIntentId, paymentMethod } = p;
      applySnapshot(
        await ctx.writes.run({
          operation: `payment-confirm:${attempt}`,
          send: (writeAttempt) =>
            stripeWrites(`debit ${usd(p.amount)} from ${paymentMethod} (attempt ${attempt})`).confirmBankPayment({
              bookingId: state.bookingId,
              attempt,
              paymentIntentId,
              paymentMethod,
              mandate: authority,
              ...(writeAttempt !== undefined && { writeAttempt }),
            }),
          resolve: async () =>
            confirmationOutcome(
              await stripeReads(`read ${debit()}: was the debit submitted?`).readPaymentIntent(paymentIntentId),
              paymentMethod,
            ),
        }),
      );
      if (p.status === 'pending') {
        // Stripe answered without a state we wait on: ask again, and never loop on it.
        const snapshot = await stripeReads(`read ${debit()} after its confirmation`).readPaymentIntent(p.paymentIntentId);
        applySnapshot(snapshot);
        if (p.status === 'pending') {
          askForNewPaymentMethod(
            snapshot.lastErrorCode,
            `Stripe left the payment in ${snapshot.status}; another bank account is needed`,
            'payment.requires_payment_method',
          );
        }
      }
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const failure = error.cause;
      log.error('bank payment submission failed', { error: String(failure ?? error) });
      // Stripe's own code (decline or error code) when the failure carries it, else our failure type.
      const details =
        failure instanceof ApplicationFailure
          ? (failure.details?.[0] as { code?: string; declineCode?: string; paymentIntentStatus?: string | null } | undefined)
          : undefined;
      const code = details?.declineCode ?? details?.code ?? (failure instanceof ApplicationFailure ? (failure.type ?? null) : null);
      if (failure instanceof ApplicationFailure && failure.nonRetryable && details?.paymentIntentStatus === 'canceled' && p.paymentIntentId) {
        // Seed 004: this refusal reached Stripe's confirmation limit and Stripe cancelled the PaymentIntent.
        applySnapshot(await stripeReads(`read ${debit()} after Stripe refused it`).readPaymentIntent(p.paymentIntentId));
      } else if (failure instanceof ApplicationFailure && failure.nonRetryable && (await recordInvalidSavedMandate(code))) {
        if (p.cancellation === 'requested') p.cancellation = null;
      } else if (failure instanceof ApplicationFailure && failure.nonRetryable) {
        // Stripe refused the account or the debit (closed account, blocked, limit): ask for another one.
        if (p.cancellation === 'requested') p.cancellation = null;
        askForNewPaymentMethod(code, 'Stripe refused the bank account or the debit', 'payment.requires_payment_method');
      } else {
        throw error;
      }
    }
  };

  /** Cancels the PaymentIntent, or records that Stripe refused (bank debits past their window). */
  const cancel = async () => {
    const p = payment!;
    p.cancellation = 'requested';
    if (!p.paymentIntentId) {
      setStatus('canceled', 'booking cancelled before the payment was submitted');
      p.cancellation = 'canceled';
      finish();
      return;
    }
    const snapshot = await cancelDebit('booking cancelled');
    if (snapshot.status === 'canceled') {
      p.cancellation = 'canceled';
      applySnapshot(snapshot);
      return;
    }
    p.cancellation = 'refused';
    notify('payment.cancel_refused', { status: snapshot.status });
    applySnapshot(snapshot);
    ctx.touch();
  };

  /** Cancels the debit's PaymentIntent; Stripe's refusal comes back as its current state. */
  const cancelDebit = (why: string): Promise<PaymentIntentSnapshot> => {
    const paymentIntentId = payment!.paymentIntentId!;
    return ctx.writes.run({
      operation: `payment-cancel:${paymentIntentId}`,
      send: (writeAttempt) =>
        stripeWrites(`cancel ${debit()}: ${why}`).cancelBankPayment({
          bookingId: state.bookingId,
          paymentIntentId,
          ...(writeAttempt !== undefined && { writeAttempt }),
        }),
      resolve: async () => {
        const current = await stripeReads(`read ${debit()}: was it cancelled?`).readPaymentIntent(paymentIntentId);
        return current.status === 'canceled' ? current : null;
      },
    });
  };

  /** Refunds a paid booking per policy and follows the refund. */
  const refund = async () => {
    const p = payment!;
    const amount = Math.round((p.amount * policy.refundPercent) / 100);
    if (amount <= 0) {
      p.cancellation = 'refund_requested';
      setStatus(p.status, 'booking cancelled; the policy refunds nothing');
      finish();
      return;
    }
    let snapshot: RefundSnapshot;
    try {
      const paymentIntentId = p.paymentIntentId!;
      snapshot = await ctx.writes.run({
        operation: `refund:${paymentIntentId}`,
        send: (writeAttempt) =>
          stripeWrites(`refund ${usd(amount)} of ${debit()}`).refundPayment({
            bookingId: state.bookingId,
            paymentIntentId,
            amount,
            ...(writeAttempt !== undefined && { writeAttempt }),
          }),
        resolve: () => stripeReads(`find the refund of ${debit()}`).findRefund(paymentIntentId),
      });
    } catch (error) {
      const failure = error instanceof ActivityFailure ? error.cause : undefined;
      // Only Stripe's refusal (e.g. a charge already taken back by a dispute) is final; an outage is retried.
      if (!(failure instanceof ApplicationFailure && failure.nonRetryable)) throw error;
      log.warn('refund refused', { paymentIntentId: p.paymentIntentId, error: String(failure) });
      p.cancellation = 'refund_refused';
      p.reason = 'Stripe refused the refund (the debit may have been disputed)';
      notify('payment.cancel_refused', { reason: p.reason });
      ctx.touch();
      return;
    }
    p.cancellation = 'refund_requested';
    applyRefund(snapshot);
    notify('payment.refund_requested', { amount });
    // Follow the refund by its webhooks, and by asking Stripe daily in case one is missed.
    if (!p.done) {
      p.deadline = inSeconds(REFUND_POLL_SECONDS);
      ctx.touch();
    }
  };

  const applyRefund = (snapshot: RefundSnapshot) => {
    const p = payment!;
    p.refund = { id: snapshot.refundId, status: snapshot.status, amount: snapshot.amount, reference: snapshot.reference };
    if (snapshot.status === 'succeeded') {
      setStatus('refunded', 'booking cancelled; refunded');
      notify('payment.refunded', { amount: snapshot.amount, reference: snapshot.reference });
      finish();
    } else if (snapshot.status === 'failed' || snapshot.status === 'canceled') {
      p.reason = `the refund ${snapshot.status}`;
      notify('payment.failed', { reason: p.reason });
      finish();
    }
    ctx.touch();
  };

  const whileAwaitingVerification = async () => {
    const p = payment!;
    if (cancelPending()) return cancel();
    const events = ctx.takeEventsFor(p.paymentIntentId);
    if (events.length === 0 && !guard.recheck && !due(p.deadline)) return;
    // On an event or at the 10-day deadline, ask Stripe: the customer may have verified on the
    // hosted page while the webhook is still on its way.
    const snapshot = await stripeReads(`check whether ${debit()} was verified`).readPaymentIntent(p.paymentIntentId!);
    applySnapshot(snapshot);
    if (p.status === 'awaiting_verification' && due(p.deadline)) {
      askForNewPaymentMethod(
        'payment_method_microdeposit_verification_timeout',
        'the microdeposits were not verified within 10 days',
        'payment.verification_failed',
      );
    }
  };

  const whileAwaitingPaymentMethod = async () => {
    const p = payment!;
    const events = ctx.takeEventsFor(p.paymentIntentId);
    if (cancelPending()) return cancel();
    if (offeredPaymentMethod !== null) {
      // Read before the account changes: the acceptance on file belongs to the account it was given with.
      const acceptance = offeredAuthority.mandate ?? acceptanceGivenFor(offeredPaymentMethod);
      p.attempt += 1;
      p.paymentMethod = offeredPaymentMethod;
      p.savedMandateId = offeredAuthority.savedMandateId ?? null;
      if (patched(MANDATE_PER_ACCOUNT_PATCH)) {
        p.mandateAcceptance = acceptance;
        p.mandateAcceptanceFor = offeredPaymentMethod;
      } else if (offeredAuthority.mandate) {
        p.mandateAcceptance = offeredAuthority.mandate;
      }
      offeredAuthority = {};
      p.failureCode = null;
      p.deadline = null;
      offeredPaymentMethod = null;
      setStatus('pending', null);
      return;
    }
    if (p.paymentIntentId && (events.length > 0 || guard.recheck)) {
      // A late verification can still move the debit forward; Stripe's word decides.
      applySnapshot(await stripeReads(`read ${debit()} after a late event`).readPaymentIntent(p.paymentIntentId));
      return;
    }
    if (!due(p.deadline)) return;
    if (p.paymentIntentId) {
      // Nothing may be debited any more: cancel, and believe Stripe if the debit went through.
      const snapshot = await cancelDebit('no new bank account before the deadline');
      if (snapshot.status === 'processing' || snapshot.status === 'succeeded') {
        applySnapshot(snapshot);
        return;
      }
    }
    markFailed(p.failureCode, 'no new bank account before the deadline');
  };

  const whileProcessing = async () => {
    const p = payment!;
    if (cancelPending()) return cancel();
    const events = ctx.takeEventsFor(p.paymentIntentId);
    if (events.length === 0 && !guard.recheck && !due(p.deadline)) return;
    applySnapshot(await stripeReads(`check ${debit()} at the bank`).readPaymentIntent(p.paymentIntentId!));
    if (p.status === 'processing' && due(p.deadline)) {
      // Neither success nor failure came in time: say so once rather than guess, and keep asking daily.
      if (!p.processingOverdue) {
        p.processingOverdue = true;
        p.reason = 'the debit is taking longer than expected; Stripe still says processing';
        notify('payment.processing_overdue', { processingSince: p.processingSince });
      }
      p.deadline = inSeconds(OVERDUE_POLL_SECONDS);
      ctx.touch();
    }
  };

  const whileSucceeded = async () => {
    const p = payment!;
    if (cancelPending()) return refund();
    const disputeClosed = () => p.dispute !== null && CLOSED_DISPUTE_STATUSES.includes(p.dispute.status);
    for (const event of ctx.takeEventsFor(p.paymentIntentId)) {
      if (event.type.startsWith('charge.dispute.')) {
        const closing = event.type === 'charge.dispute.closed';
        // A late `created` or `updated` never reopens a dispute that is over.
        if (disputeClosed() && !closing) continue;
        p.dispute = { id: event.objectId, status: event.objectStatus ?? (closing ? 'closed' : 'needs_response') };
        if (p.status !== 'disputed') {
          setStatus('disputed', 'the customer disputed the debit with their bank');
          notify('payment.disputed', { disputeId: event.objectId });
        }
        if (closing) {
          p.reason = `dispute closed: ${p.dispute.status}`;
          notify('payment.dispute_closed', { disputeId: event.objectId, outcome: p.dispute.status });
        }
        ctx.touch();
      } else if (event.type.startsWith('charge.refund.') && p.refund) {
        applyRefund(await stripeReads(`read refund ${p.refund.id}`).readRefund(p.refund.id));
      }
    }
    if (guard.recheck && p.refund && !p.done) applyRefund(await stripeReads(`read refund ${p.refund.id}`).readRefund(p.refund.id));
    if (p.done || !due(p.deadline)) return;
    if (p.dispute && !disputeClosed()) {
      // Keep listening until the open dispute is decided.
      p.deadline = inSeconds(OPEN_DISPUTE_EXTENSION_SECONDS);
      ctx.touch();
      return;
    }
    if (!p.refund || p.refund.status === 'succeeded') {
      finish();
      return;
    }
    // A refund still on its way: ask Stripe daily until it lands.
    applyRefund(await stripeReads(`read refund ${p.refund.id}, still on its way`).readRefund(p.refund.id));
    if (!p.done) {
      p.deadline = inSeconds(REFUND_POLL_SECONDS);
      ctx.touch();
    }
  };

  const followed = () => payment?.paymentIntentId ?? null;
  /** A cancellation still to act on; after a refused cancel, a later success is refunded. */
  const cancelPending = () =>
    state.cancelRequested &&
    !!payment &&
    (payment.cancellation === null ||
      (payment.cancellation === 'refused' && (payment.status === 'succeeded' || payment.status === 'disputed')));

  const lifecycle: PaymentLifecycle = {
    ready() {
      if (!payment || payment.done) return false;
      const retry = guard.retryReady();
      if (retry !== undefined) return retry;
      switch (payment.status) {
        case 'pending': {
          const check = balanceAwaited();
          return !check || cancelPending() || ctx.hasEventsAbout(check.accountId) || due(check.nextReadAt) || due(check.deadline);
        }
        case 'awaiting_verification':
        case 'processing':
        case 'requires_payment_method':
          return cancelPending() || offeredPaymentMethod !== null || ctx.hasEventsFor(followed()) || due(payment.deadline);
        case 'succeeded':
        case 'disputed':
          return cancelPending() || ctx.hasEventsFor(followed()) || due(payment.deadline);
        default:
          return false;
      }
    },
    wakeAt() {
      if (!payment || payment.done) return null;
      const retry = guard.retryWake();
      if (retry) return retry;
      const check = balanceAwaited();
      if (check) return { at: Math.min(at(check.nextReadAt ?? check.deadline)!, at(check.deadline)!), summary: "the bank's answer to the balance refresh" };
      if (!payment.deadline) return null;
      const summaries: Partial<Record<PaymentStatus, string>> = {
        awaiting_verification: 'microdeposit verification window (10 days)',
        requires_payment_method: 'new bank account deadline',
        processing: 'bank debit overdue alert',
        succeeded: 'end of the dispute window',
        disputed: 'end of the dispute window',
      };
      return { at: at(payment.deadline)!, summary: summaries[payment.status] ?? 'payment deadline' };
    },
    async step() {
      if (!payment) return;
      await guard.run(
        payment.status,
        async () => {
          switch (payment.status) {
            case 'pending':
              return submit();
            case 'awaiting_verification':
              return whileAwaitingVerification();
            case 'requires_payment_method':
              return whileAwaitingPaymentMethod();
            case 'processing':
              return whileProcessing();
            case 'succeeded':
            case 'disputed':
              return whileSucceeded();
            default:
              finish();
          }
        },
        () => {
          // A cancellation that did not reach Stripe is tried again.
          if (payment.cancellation === 'requested') payment.cancellation = null;
        },
      );
    },
    done: () => !payment || payment.done,
    followedPaymentIntent: () => (payment && payment.status === 'pending' && !payment.done ? undefined : followed()),
    safeToContinueAsNew: () => !guard.inFlight && !verificationInFlight && payment?.status !== 'pending',
    // Once the deadline is reached the payment is being given up: a late bank account is refused, not dropped.
    awaitingPaymentMethod: () =>
      !!payment && !payment.done && !state.cancelRequested && payment.status === 'requires_payment_method' && !due(payment.deadline),
    offerPaymentMethod(paymentMethod, authority) {
      offeredPaymentMethod = paymentMethod;
      offeredAuthority = authority;
    },
    hasMandateAcceptance: (paymentMethod) => !!payment && acceptanceGivenFor(paymentMethod) !== null,
    paymentMethodOffered: () => offeredPaymentMethod !== null,
    checkMicrodepositAttempt(request) {
      const p = payment;
      if (!p || p.status !== 'awaiting_verification' || !p.microdeposits || verificationInFlight || state.cancelRequested) {
        throw ApplicationFailure.nonRetryable(
          `booking is not waiting for microdeposits (payment is ${p?.status ?? 'absent'})`,
          FailureTypes.NotAwaitingVerification,
        );
      }
      checkMicrodepositsFit(p.microdeposits, request);
    },
    async verifyMicrodeposits(request) {
      const p = payment!;
      const microdeposits = p.microdeposits!;
      verificationInFlight = true;
      // Counted before the call: Stripe never sees more attempts than it allows.
      const attemptNumber = MICRODEPOSIT_ATTEMPTS[microdeposits.type] - microdeposits.attemptsRemaining + 1;
      microdeposits.attemptsRemaining -= 1;
      ctx.touch();
      try {
        const total = MICRODEPOSIT_ATTEMPTS[microdeposits.type];
        const paymentIntentId = p.paymentIntentId!;
        // Numbered across the booking, never reset (a late event can restart the attempts): a key
        // is never sent again with other values, which Stripe would refuse with idempotency_error.
        const submission = ctx.writes.enabled() ? (p.microdepositSubmissions = (p.microdepositSubmissions ?? 0) + 1) : undefined;
        const check = await ctx.writes.run({
          operation: `verify:${submission}`,
          send: (writeAttempt) =>
            stripeWrites(`verify the microdeposits of ${debit()} (attempt ${attemptNumber} of ${total})`).verifyMicrodeposits({
              bookingId: state.bookingId,
              paymentIntentId,
              paymentAttempt: p.attempt,
              attemptNumber,
              descriptorCode: request.descriptorCode,
              amounts: request.amounts,
              ...(submission !== undefined && { submission }),
              ...(writeAttempt !== undefined && { writeAttempt }),
            }),
          resolve: async () =>
            microdepositOutcome(await stripeReads(`read ${debit()}: were the microdeposits checked?`).readPaymentIntent(paymentIntentId)),
        });
        if (p.status !== 'awaiting_verification') {
          // A cancellation or the deadline moved the payment on while Stripe answered: keep that.
          return { result: check.result, attemptsRemaining: microdeposits.attemptsRemaining };
        }
        if (check.result === 'mismatch' && microdeposits.attemptsRemaining === 0) {
          askForNewPaymentMethod(
            'payment_method_microdeposit_verification_attempts_exceeded',
            'too many wrong microdeposit attempts',
            'payment.verification_failed',
          );
          return { result: 'attempts_exceeded', attemptsRemaining: 0 };
        }
        if (check.result === 'attempts_exceeded' || check.result === 'expired') {
          askForNewPaymentMethod(
            check.snapshot?.lastErrorCode ?? null,
            check.result === 'expired' ? 'the microdeposits expired' : 'too many wrong microdeposit attempts',
            'payment.verification_failed',
          );
          return { result: check.result, attemptsRemaining: 0 };
        }
        if (check.snapshot) applySnapshot(check.snapshot);
        return { result: check.result, attemptsRemaining: p.microdeposits?.attemptsRemaining ?? microdeposits.attemptsRemaining };
      } finally {
        verificationInFlight = false;
      }
    },
    cancellationSettled: () =>
      !payment || payment.done || (payment.cancellation !== null && payment.cancellation !== 'requested' && !cancelPending()),
  };

  return lifecycle;
}
