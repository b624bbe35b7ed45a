/**
 * The booking's amount paid by US bank account (ACH direct debit): create and confirm the
 * PaymentIntent under the customer's mandate, verify the account by microdeposits when Stripe asks,
 * wait through processing, then listen for disputes; cancel or refund when the booking is
 * cancelled. A step-by-step state machine driven by the booking workflow's main loop: each status
 * of the payment has its own method (`submitDebit`, `awaitVerification`, `awaitNewPaymentMethod`,
 * `awaitSettlement`, `watchDisputeWindow`), and Stripe's answers are applied by `applySnapshot`.
 */
import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';
import type { PaymentIntentSnapshot } from '../../activities/common/payment-intent-snapshot.js';
import type { RefundSnapshot } from '../../activities/create-activities.js';
import { stripeReads, stripeWrites } from '../common/activity-stubs.js';
import { ONE_CALL_STRIPE_WRITES_PATCH, ensureStripeCustomer, refusedPaymentIntent } from '../common/stripe-write.js';
import { earliestTargetDate, isTargetDateInRange } from './ach-target-date.js';
import { balanceAwaited, checkBalanceBeforeDebit } from './bank-balance-check.js';
import {
  cancelBankDebit,
  confirmBankDebit,
  createBankDebit,
  placeBankDebit,
  debitSummary,
  refundBankDebit,
  submitMicrodeposits,
} from './bank-debit-writes.js';
import { acceptanceGivenFor, debitAuthority, type PaymentMethodAuthority } from './bank-mandate.js';
import type { BookingContext } from './booking-context.js';
import { BookingPart, at, due, inSeconds } from './booking-part.js';
import {
  DEFAULT_PAYMENT_POLICY,
  FailureTypes,
  MICRODEPOSIT_ATTEMPTS,
  MICRODEPOSIT_VALIDITY_SECONDS,
  type BankPaymentInput,
  type MicrodepositOutcome,
  type MicrodepositState,
  type NotificationType,
  type PaymentPolicy,
  type PaymentState,
  type PaymentStatus,
  type StripeEventSignal,
  type VerifyMicrodepositsRequest,
} from './contract.js';
import { MANDATE_PER_ACCOUNT_PATCH, RECHECK_TARGET_DATE_PATCH } from './booking-patches.js';
import { cancelledByStripe } from './stripe-cancellation.js';
import { checkMicrodepositsFit } from './update-validators.js';

/** How often a refund still pending, or a debit overdue, is re-read from Stripe. */
const REFUND_POLL_SECONDS = 24 * 60 * 60;
const OVERDUE_POLL_SECONDS = 24 * 60 * 60;
/** How long an open dispute keeps the workflow listening past the dispute window. */
const OPEN_DISPUTE_EXTENSION_SECONDS = 30 * 24 * 60 * 60;
/** Dispute statuses after which a dispute is over. */
const CLOSED_DISPUTE_STATUSES = ['won', 'lost', 'warning_closed', 'closed'];

/** What each status's deadline is, as the main loop's timer summary shows it. */
const DEADLINE_SUMMARIES: Partial<Record<PaymentStatus, string>> = {
  awaiting_verification: 'microdeposit verification window (10 days)',
  requires_payment_method: 'new bank account deadline',
  processing: 'bank debit overdue alert',
  succeeded: 'end of the dispute window',
  disputed: 'end of the dispute window',
};

/** Stripe's refusal of a write, as its ApplicationFailure details carry it. */
interface StripeRefusalDetails {
  code?: string;
  declineCode?: string;
  paymentIntentStatus?: string | null;
}

/**
 * The bank payment of a booking, plus what the update handlers need of it. Its state is
 * `state.payment`; null means a hold-only booking, for which the lifecycle is done from the start.
 */
export class PaymentLifecycle extends BookingPart<PaymentStatus, PaymentState> {
  private readonly payment: PaymentState | null;
  private readonly policy: PaymentPolicy;
  private offeredPaymentMethod: string | null = null;
  private offeredAuthority: PaymentMethodAuthority = {};
  private verificationInFlight = false;

  constructor(ctx: BookingContext) {
    super(ctx, 'payment');
    this.payment = ctx.state.payment;
    this.policy = ctx.input.paymentPolicy ?? DEFAULT_PAYMENT_POLICY;
  }

  protected get part(): PaymentState {
    return this.payment!;
  }

  /** The bank payment the booking was started with (present whenever the payment state is). */
  private get bank(): BankPaymentInput {
    return this.ctx.input.payment!;
  }

  // --- The main loop's view -------------------------------------------------------------------

  ready(): boolean {
    const payment = this.payment;
    if (!payment || payment.done) return false;
    const retry = this.guard.retryReady();
    if (retry !== undefined) return retry;
    switch (payment.status) {
      case 'pending': {
        const check = balanceAwaited(payment);
        return (
          !check ||
          this.cancelPending() ||
          this.ctx.hasEventsAbout(check.accountId) ||
          due(check.nextReadAt) ||
          due(check.deadline)
        );
      }
      case 'awaiting_verification':
      case 'processing':
      case 'requires_payment_method':
        return (
          this.cancelPending() ||
          this.offeredPaymentMethod !== null ||
          this.ctx.hasEventsFor(this.followed()) ||
          due(payment.deadline)
        );
      case 'succeeded':
      case 'disputed':
        return this.cancelPending() || this.ctx.hasEventsFor(this.followed()) || due(payment.deadline);
      default:
        return false;
    }
  }

  wakeAt(): { at: number; summary: string } | null {
    const payment = this.payment;
    if (!payment || payment.done) return null;
    const retry = this.guard.retryWake();
    if (retry) return retry;
    const check = balanceAwaited(payment);
    if (check)
      return {
        at: Math.min(at(check.nextReadAt ?? check.deadline)!, at(check.deadline)!),
        summary: "the bank's answer to the balance refresh",
      };
    if (!payment.deadline) return null;
    return { at: at(payment.deadline)!, summary: DEADLINE_SUMMARIES[payment.status] ?? 'payment deadline' };
  }

  async step(): Promise<void> {
    const payment = this.payment;
    if (!payment) return;
    await this.guard.run(
      payment.status,
      () => this.stepFor(payment.status),
      () => {
        // A cancellation that did not reach Stripe is tried again.
        if (payment.cancellation === 'requested') payment.cancellation = null;
      },
    );
  }

  done(): boolean {
    return !this.payment || this.payment.done;
  }

  followedPaymentIntent(): string | null | undefined {
    const payment = this.payment;
    return payment && payment.status === 'pending' && !payment.done ? undefined : this.followed();
  }

  safeToContinueAsNew(): boolean {
    return !this.guard.inFlight && !this.verificationInFlight && this.payment?.status !== 'pending';
  }

  // --- What the update handlers need ----------------------------------------------------------

  /** Whether a new bank account is awaited now. */
  awaitingPaymentMethod(): boolean {
    const payment = this.payment;
    // Once the deadline is reached the payment is being given up: a late bank account is refused, not dropped.
    return (
      !!payment &&
      !payment.done &&
      !this.ctx.state.cancelRequested &&
      payment.status === 'requires_payment_method' &&
      !due(payment.deadline)
    );
  }

  /** Takes a new bank account; a saved one brings its mandate, a new one may bring the customer's acceptance. */
  offerPaymentMethod(paymentMethod: string, authority: PaymentMethodAuthority): void {
    this.offeredPaymentMethod = paymentMethod;
    this.offeredAuthority = authority;
  }

  /** Whether a debit on this new, unsaved bank account would have an acceptance given for it to send. */
  hasMandateAcceptance(paymentMethod: string): boolean {
    return !!this.payment && acceptanceGivenFor(this.payment, this.bank, paymentMethod) !== null;
  }

  /** Whether a new bank account was offered and not yet taken by a step. */
  paymentMethodOffered(): boolean {
    return this.offeredPaymentMethod !== null;
  }

  /** Throws a typed failure when a microdeposit attempt cannot be taken now. */
  checkMicrodepositAttempt(request: VerifyMicrodepositsRequest): void {
    const payment = this.payment;
    if (
      !payment ||
      payment.status !== 'awaiting_verification' ||
      !payment.microdeposits ||
      this.verificationInFlight ||
      this.ctx.state.cancelRequested
    ) {
      throw ApplicationFailure.nonRetryable(
        `booking is not waiting for microdeposits (payment is ${payment?.status ?? 'absent'})`,
        FailureTypes.NotAwaitingVerification,
      );
    }
    checkMicrodepositsFit(payment.microdeposits, request);
  }

  /** Whether a cancellation has been carried as far as it goes (cancelled, refused or refund asked). */
  cancellationSettled(): boolean {
    const payment = this.payment;
    return (
      !payment ||
      payment.done ||
      (payment.cancellation !== null && payment.cancellation !== 'requested' && !this.cancelPending())
    );
  }

  /** Submits one microdeposit attempt to Stripe and applies the answer. */
  async verifyMicrodeposits(request: VerifyMicrodepositsRequest): Promise<Omit<MicrodepositOutcome, 'booking'>> {
    const p = this.part;
    const microdeposits = p.microdeposits!;
    this.verificationInFlight = true;
    // Counted before the call: Stripe never sees more attempts than it allows.
    const attemptNumber = MICRODEPOSIT_ATTEMPTS[microdeposits.type] - microdeposits.attemptsRemaining + 1;
    microdeposits.attemptsRemaining -= 1;
    this.ctx.touch();
    try {
      const total = MICRODEPOSIT_ATTEMPTS[microdeposits.type];
      // Numbered across the booking, never reset (a late event can restart the attempts): a key
      // is never sent again with other values, which Stripe would refuse with idempotency_error.
      const submission = this.ctx.writes.enabled()
        ? (p.microdepositSubmissions = (p.microdepositSubmissions ?? 0) + 1)
        : undefined;
      const check = await submitMicrodeposits(this.ctx, p, request, { submission, attemptNumber, total });
      if (p.status !== 'awaiting_verification') {
        // A cancellation or the deadline moved the payment on while Stripe answered: keep that.
        return { result: check.result, attemptsRemaining: microdeposits.attemptsRemaining };
      }
      if (check.result === 'mismatch' && microdeposits.attemptsRemaining === 0) {
        this.askForNewPaymentMethod(
          'payment_method_microdeposit_verification_attempts_exceeded',
          'too many wrong microdeposit attempts',
          'payment.verification_failed',
        );
        return { result: 'attempts_exceeded', attemptsRemaining: 0 };
      }
      if (check.result === 'attempts_exceeded' || check.result === 'expired') {
        this.askForNewPaymentMethod(
          check.snapshot?.lastErrorCode ?? null,
          check.result === 'expired' ? 'the microdeposits expired' : 'too many wrong microdeposit attempts',
          'payment.verification_failed',
        );
        return { result: check.result, attemptsRemaining: 0 };
      }
      if (check.snapshot) this.applySnapshot(check.snapshot);
      return {
        result: check.result,
        attemptsRemaining: p.microdeposits?.attemptsRemaining ?? microdeposits.attemptsRemaining,
      };
    } finally {
      this.verificationInFlight = false;
    }
  }

  // --- One step per status --------------------------------------------------------------------

  /** The step the payment's status calls for. */
  private async stepFor(status: PaymentStatus): Promise<void> {
    switch (status) {
      case 'pending':
        return this.submitDebit();
      case 'awaiting_verification':
        return this.awaitVerification();
      case 'requires_payment_method':
        return this.awaitNewPaymentMethod();
      case 'processing':
        return this.awaitSettlement();
      case 'succeeded':
      case 'disputed':
        return this.watchDisputeWindow();
      default:
        this.finish();
    }
  }

  /** Pending: checks the balance, creates (if needed) and confirms the PaymentIntent of the current attempt. */
  private async submitDebit(): Promise<void> {
    try {
      await this.createAndConfirmDebit();
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      await this.applySubmissionFailure(error);
    }
  }

  /** A cancellation first; then the customer, the balance, the PaymentIntent, its mandate and its confirmation. */
  private async createAndConfirmDebit(): Promise<void> {
    const p = this.part;
    const { state } = this.ctx;
    if (balanceAwaited(p) && this.cancelPending()) {
      await this.cancelPayment();
      return;
    }
    if (!state.stripeCustomerId)
      state.stripeCustomerId = await ensureStripeCustomer(this.ctx.writes, this.ctx.input.customer);
    if (!(await this.checkBalance())) return;
    if (!p.paymentIntentId && this.ctx.patches.has(ONE_CALL_STRIPE_WRITES_PATCH)) {
      await this.placeDebitInOneCall(state.stripeCustomerId);
      return;
    }
    if (!p.paymentIntentId) await this.createDebit(state.stripeCustomerId);
    if (state.cancelRequested) {
      await this.cancelPayment();
      return;
    }
    const authority = debitAuthority(p, this.bank);
    if (!authority) {
      this.askForMandate();
      return;
    }
    this.applySnapshot(await confirmBankDebit(this.ctx, p, authority));
    if (p.status === 'pending') await this.recheckUnplacedDebit();
  }

  /**
   * Creates the current attempt's PaymentIntent and confirms it under its mandate in one Stripe
   * call. Nothing is created for a booking already cancelled or an account with no mandate. A
   * refusal names the PaymentIntent it left, so a cancellation or the next attempt knows it.
   */
  private async placeDebitInOneCall(stripeCustomerId: string): Promise<void> {
    const p = this.part;
    if (this.ctx.state.cancelRequested) {
      await this.cancelPayment();
      return;
    }
    const authority = debitAuthority(p, this.bank);
    if (!authority) {
      this.askForMandate();
      return;
    }
    const debit = { stripeCustomerId, verification: this.bank.verification, targetDate: this.debitTargetDate() };
    const placed = await placeBankDebit(this.ctx, p, { ...debit, authority }).catch((error: unknown) => {
      p.paymentIntentId ??= refusedPaymentIntent(error);
      this.ctx.touch();
      throw error;
    });
    p.paymentIntentId = placed.paymentIntentId;
    this.ctx.touch();
    // Found by its metadata after a lost answer but never confirmed: confirmed as older runs do.
    this.applySnapshot(
      placed.status === 'requires_confirmation' ? await confirmBankDebit(this.ctx, p, authority) : placed,
    );
    if (p.status === 'pending') await this.recheckUnplacedDebit();
  }

  /** The bank account has no mandate the debit may go under: the customer must give it again. */
  private askForMandate(): void {
    this.askForNewPaymentMethod(
      FailureTypes.MandateRequired,
      "no mandate for this bank account: supply it again with the customer's acceptance",
      'payment.requires_payment_method',
    );
  }

  /**
   * The balance check the booking asked for (never with microdeposits: such an account has no
   * Financial Connections link). Returns whether the debit may go ahead now; a balance lower than
   * the amount asks for another bank account, and nothing is debited.
   */
  private async checkBalance(): Promise<boolean> {
    if (!this.bank.checkBalance || this.bank.verification === 'microdeposits') return true;
    const verdict = await checkBalanceBeforeDebit(this.ctx, this.part, this.policy);
    if (verdict === 'insufficient') {
      this.askForNewPaymentMethod(
        FailureTypes.InsufficientBalance,
        'the bank balance is lower than the amount: no debit was sent',
        'payment.requires_payment_method',
      );
    }
    return verdict === 'debit';
  }

  /** Creates the current attempt's PaymentIntent. */
  private async createDebit(stripeCustomerId: string): Promise<void> {
    const p = this.part;
    const targetDate = this.debitTargetDate();
    const created = await createBankDebit(this.ctx, p, {
      stripeCustomerId,
      verification: this.bank.verification,
      targetDate,
    });
    p.paymentIntentId = created.paymentIntentId;
    this.ctx.touch();
  }

  /**
   * The target date to create the debit with. Checked when the API received it, but the debit may be
   * created days later (a balance too low, then a new account; an outage): Stripe refuses a date less
   * than 3 days ahead, whatever the account, so it moves to the earliest valid date and says so.
   */
  private debitTargetDate(): string | null {
    const p = this.part;
    const requested = this.bank.targetDate;
    if (!requested || !this.ctx.patches.has(RECHECK_TARGET_DATE_PATCH)) return requested;
    const now = new Date();
    const used = isTargetDateInRange(requested, now) ? requested : earliestTargetDate(now);
    if (used !== requested && p.targetDate !== used) {
      p.targetDateMovedFrom = requested;
      this.notify('payment.target_date_moved', { requestedTargetDate: requested, targetDate: used });
    }
    p.targetDate = used;
    this.ctx.touch();
    return used;
  }

  /** Stripe answered the confirmation without a state we wait on: ask again, and never loop on it. */
  private async recheckUnplacedDebit(): Promise<void> {
    const p = this.part;
    const snapshot = await stripeReads(`read ${debitSummary(this.part)} after its confirmation`).readPaymentIntent(
      p.paymentIntentId!,
    );
    this.applySnapshot(snapshot);
    if (p.status === 'pending') {
      this.askForNewPaymentMethod(
        snapshot.lastErrorCode,
        `Stripe left the payment in ${snapshot.status}; another bank account is needed`,
        'payment.requires_payment_method',
      );
    }
  }

  /**
   * A submission Stripe refused for good: the PaymentIntent it cancelled, a saved mandate no longer
   * valid, or the account or debit refused (another account is asked for). An outage is rethrown.
   */
  private async applySubmissionFailure(error: ActivityFailure): Promise<void> {
    const p = this.part;
    const failure = error.cause;
    log.error('bank payment submission failed', { error: String(failure ?? error) });
    if (!(failure instanceof ApplicationFailure && failure.nonRetryable)) throw error;
    // Stripe's own code (decline or error code) when the failure carries it, else our failure type.
    const details = failure.details?.[0] as StripeRefusalDetails | undefined;
    const code = details?.declineCode ?? details?.code ?? failure.type ?? null;
    if (details?.paymentIntentStatus === 'canceled' && p.paymentIntentId) {
      // Stripe cancels a PaymentIntent itself once too many of its confirmations failed; this refusal was the last.
      this.applySnapshot(
        await stripeReads(`read ${debitSummary(this.part)} after Stripe refused it`).readPaymentIntent(
          p.paymentIntentId,
        ),
      );
    } else if (await this.recordInvalidSavedMandate(code)) {
      if (p.cancellation === 'requested') p.cancellation = null;
    } else {
      // Stripe refused the account or the debit (closed account, blocked, limit): ask for another one.
      if (p.cancellation === 'requested') p.cancellation = null;
      this.askForNewPaymentMethod(
        code,
        'Stripe refused the bank account or the debit',
        'payment.requires_payment_method',
      );
    }
  }

  /**
   * Stripe refused a saved bank account's mandate (revoked by the customer or their bank, e.g. after
   * a dispute): record the account as unusable and tell the booking service, then ask for another
   * one rather than retry. Returns whether that was the refusal.
   */
  private async recordInvalidSavedMandate(code: string | null): Promise<boolean> {
    const p = this.part;
    if (!p.savedMandateId || code !== 'payment_intent_mandate_invalid') return false;
    await stripeWrites(
      `record saved bank account ${p.paymentMethod} as unusable: mandate inactive`,
    ).markPaymentMethodUnusable({
      paymentMethodId: p.paymentMethod,
      reason: 'mandate_inactive',
    });
    this.notify('payment_method.unusable', { paymentMethod: p.paymentMethod, reason: 'mandate_inactive' });
    this.askForNewPaymentMethod(
      code,
      "the saved bank account's mandate is no longer valid; another payment method is needed",
      'payment.requires_payment_method',
    );
    return true;
  }

  /** Awaiting verification: on an event or at the 10-day deadline, asks Stripe whether the account was verified. */
  private async awaitVerification(): Promise<void> {
    const p = this.part;
    if (this.cancelPending()) return this.cancelPayment();
    const events = this.ctx.takeEventsFor(p.paymentIntentId);
    if (events.length === 0 && !this.guard.recheck && !due(p.deadline)) return;
    // The customer may have verified on the hosted page while the webhook is still on its way.
    const snapshot = await stripeReads(`check whether ${debitSummary(this.part)} was verified`).readPaymentIntent(
      p.paymentIntentId!,
    );
    this.applySnapshot(snapshot);
    if (p.status === 'awaiting_verification' && due(p.deadline)) {
      this.askForNewPaymentMethod(
        'payment_method_microdeposit_verification_timeout',
        'the microdeposits were not verified within 10 days',
        'payment.verification_failed',
      );
    }
  }

  /**
   * Requires a payment method: takes a new bank account when one is offered; a late event may
   * still move the old debit forward; at the deadline the payment fails.
   */
  private async awaitNewPaymentMethod(): Promise<void> {
    const p = this.part;
    const events = this.ctx.takeEventsFor(p.paymentIntentId);
    if (this.cancelPending()) return this.cancelPayment();
    if (this.offeredPaymentMethod !== null) return this.takeOfferedPaymentMethod(this.offeredPaymentMethod);
    if (p.paymentIntentId && (events.length > 0 || this.guard.recheck)) {
      // A late verification can still move the debit forward; Stripe's word decides.
      this.applySnapshot(
        await stripeReads(`read ${debitSummary(this.part)} after a late event`).readPaymentIntent(p.paymentIntentId),
      );
      return;
    }
    if (!due(p.deadline)) return;
    if (p.paymentIntentId) {
      // Nothing may be debited any more: cancel, and believe Stripe if the debit went through.
      const snapshot = await cancelBankDebit(this.ctx, this.part, 'no new bank account before the deadline');
      if (snapshot.status === 'processing' || snapshot.status === 'succeeded') {
        this.applySnapshot(snapshot);
        return;
      }
    }
    this.markFailed(p.failureCode, 'no new bank account before the deadline');
  }

  /** Starts a new attempt on the offered bank account, under the authority it came with. */
  private takeOfferedPaymentMethod(paymentMethod: string): void {
    const p = this.part;
    // Read before the account changes: the acceptance on file belongs to the account it was given with.
    const acceptance = this.offeredAuthority.mandate ?? acceptanceGivenFor(p, this.bank, paymentMethod);
    p.attempt += 1;
    p.paymentMethod = paymentMethod;
    p.savedMandateId = this.offeredAuthority.savedMandateId ?? null;
    if (this.ctx.patches.has(MANDATE_PER_ACCOUNT_PATCH)) {
      p.mandateAcceptance = acceptance;
      p.mandateAcceptanceFor = paymentMethod;
    } else if (this.offeredAuthority.mandate) {
      p.mandateAcceptance = this.offeredAuthority.mandate;
    }
    this.offeredAuthority = {};
    p.failureCode = null;
    p.deadline = null;
    this.offeredPaymentMethod = null;
    this.setStatus('pending', null);
  }

  /** Processing: on an event or at the alert deadline, asks Stripe whether the debit settled. */
  private async awaitSettlement(): Promise<void> {
    const p = this.part;
    if (this.cancelPending()) return this.cancelPayment();
    const events = this.ctx.takeEventsFor(p.paymentIntentId);
    if (events.length === 0 && !this.guard.recheck && !due(p.deadline)) return;
    this.applySnapshot(
      await stripeReads(`check ${debitSummary(this.part)} at the bank`).readPaymentIntent(p.paymentIntentId!),
    );
    if (p.status === 'processing' && due(p.deadline)) {
      // Neither success nor failure came in time: say so once rather than guess, and keep asking daily.
      if (!p.processingOverdue) {
        p.processingOverdue = true;
        p.reason = 'the debit is taking longer than expected; Stripe still says processing';
        this.notify('payment.processing_overdue', { processingSince: p.processingSince });
      }
      p.deadline = inSeconds(OVERDUE_POLL_SECONDS);
      this.ctx.touch();
    }
  }

  /**
   * Succeeded or disputed: refunds on cancellation, follows disputes and the refund, and ends at the
   * dispute window's end (later while a dispute is open or a refund is on its way).
   */
  private async watchDisputeWindow(): Promise<void> {
    const p = this.part;
    if (this.cancelPending()) return this.refundPayment();
    for (const event of this.ctx.takeEventsFor(p.paymentIntentId)) {
      if (event.type.startsWith('charge.dispute.')) {
        this.applyDisputeEvent(event);
      } else if (event.type.startsWith('charge.refund.') && p.refund) {
        this.applyRefund(await stripeReads(`read refund ${p.refund.id}`).readRefund(p.refund.id));
      }
    }
    if (this.guard.recheck && p.refund && !p.done)
      this.applyRefund(await stripeReads(`read refund ${p.refund.id}`).readRefund(p.refund.id));
    if (p.done || !due(p.deadline)) return;
    if (p.dispute && !this.disputeClosed()) {
      // Keep listening until the open dispute is decided.
      p.deadline = inSeconds(OPEN_DISPUTE_EXTENSION_SECONDS);
      this.ctx.touch();
      return;
    }
    if (!p.refund || p.refund.status === 'succeeded') {
      this.finish();
      return;
    }
    // A refund still on its way: ask Stripe daily until it lands.
    this.applyRefund(await stripeReads(`read refund ${p.refund.id}, still on its way`).readRefund(p.refund.id));
    if (!p.done) {
      p.deadline = inSeconds(REFUND_POLL_SECONDS);
      this.ctx.touch();
    }
  }

  /** Records a `charge.dispute.*` event; a late `created` or `updated` never reopens a dispute that is over. */
  private applyDisputeEvent(event: StripeEventSignal): void {
    const p = this.part;
    const closing = event.type === 'charge.dispute.closed';
    if (this.disputeClosed() && !closing) return;
    p.dispute = { id: event.objectId, status: event.objectStatus ?? (closing ? 'closed' : 'needs_response') };
    if (p.status !== 'disputed') {
      this.setStatus('disputed', 'the customer disputed the debit with their bank');
      this.notify('payment.disputed', { disputeId: event.objectId });
    }
    if (closing) {
      p.reason = `dispute closed: ${p.dispute.status}`;
      this.notify('payment.dispute_closed', { disputeId: event.objectId, outcome: p.dispute.status });
    }
    this.ctx.touch();
  }

  private disputeClosed(): boolean {
    const { dispute } = this.part;
    return dispute !== null && CLOSED_DISPUTE_STATUSES.includes(dispute.status);
  }

  // --- Cancellation and refund ----------------------------------------------------------------

  /** A cancellation still to act on; after a refused cancel, a later success is refunded. */
  private cancelPending(): boolean {
    const payment = this.payment;
    return (
      this.ctx.state.cancelRequested &&
      !!payment &&
      (payment.cancellation === null ||
        (payment.cancellation === 'refused' && (payment.status === 'succeeded' || payment.status === 'disputed')))
    );
  }

  /** Cancels the PaymentIntent, or records that Stripe refused (bank debits past their window). */
  private async cancelPayment(): Promise<void> {
    const p = this.part;
    p.cancellation = 'requested';
    if (!p.paymentIntentId) {
      this.setStatus('canceled', 'booking cancelled before the payment was submitted');
      p.cancellation = 'canceled';
      this.finish();
      return;
    }
    const snapshot = await cancelBankDebit(this.ctx, this.part, 'booking cancelled');
    if (snapshot.status === 'canceled') {
      p.cancellation = 'canceled';
      this.applySnapshot(snapshot);
      return;
    }
    p.cancellation = 'refused';
    this.notify('payment.cancel_refused', { status: snapshot.status });
    this.applySnapshot(snapshot);
    this.ctx.touch();
  }

  /** Refunds a paid booking per policy and follows the refund. */
  private async refundPayment(): Promise<void> {
    const p = this.part;
    const amount = Math.round((p.amount * this.policy.refundPercent) / 100);
    if (amount <= 0) {
      p.cancellation = 'refund_requested';
      this.setStatus(p.status, 'booking cancelled; the policy refunds nothing');
      this.finish();
      return;
    }
    let snapshot: RefundSnapshot;
    try {
      snapshot = await refundBankDebit(this.ctx, p, amount);
    } catch (error) {
      this.recordRefusedRefund(error);
      return;
    }
    p.cancellation = 'refund_requested';
    this.applyRefund(snapshot);
    this.notify('payment.refund_requested', { amount });
    // Follow the refund by its webhooks, and by asking Stripe daily in case one is missed.
    if (!p.done) {
      p.deadline = inSeconds(REFUND_POLL_SECONDS);
      this.ctx.touch();
    }
  }

  /** Only Stripe's refusal (e.g. a charge already taken back by a dispute) is final; an outage is rethrown to be retried. */
  private recordRefusedRefund(error: unknown): void {
    const p = this.part;
    const failure = error instanceof ActivityFailure ? error.cause : undefined;
    if (!(failure instanceof ApplicationFailure && failure.nonRetryable)) throw error;
    log.warn('refund refused', { paymentIntentId: p.paymentIntentId, error: String(failure) });
    p.cancellation = 'refund_refused';
    p.reason = 'Stripe refused the refund (the debit may have been disputed)';
    this.notify('payment.cancel_refused', { reason: p.reason });
    this.ctx.touch();
  }

  /** Applies a fresh read of the refund: refunded once it succeeds, failed if it failed or was cancelled. */
  private applyRefund(snapshot: RefundSnapshot): void {
    const p = this.part;
    p.refund = {
      id: snapshot.refundId,
      status: snapshot.status,
      amount: snapshot.amount,
      reference: snapshot.reference,
    };
    if (snapshot.status === 'succeeded') {
      this.setStatus('refunded', 'booking cancelled; refunded');
      this.notify('payment.refunded', { amount: snapshot.amount, reference: snapshot.reference });
      this.finish();
    } else if (snapshot.status === 'failed' || snapshot.status === 'canceled') {
      p.reason = `the refund ${snapshot.status}`;
      this.notify('payment.failed', { reason: p.reason });
      this.finish();
    }
    this.ctx.touch();
  }

  // --- Stripe's answers -----------------------------------------------------------------------

  /** Applies a fresh read of the PaymentIntent; never moves the payment backwards. */
  private applySnapshot(snapshot: PaymentIntentSnapshot): void {
    const status = this.part.status;
    switch (snapshot.status) {
      case 'requires_action':
        if (snapshot.microdeposits && (status === 'pending' || status === 'requires_payment_method')) {
          this.awaitMicrodeposits(snapshot.microdeposits);
        }
        return;
      case 'processing':
        if (status === 'pending' || status === 'awaiting_verification' || status === 'requires_payment_method')
          this.markProcessing();
        return;
      case 'succeeded':
        if (status !== 'succeeded' && status !== 'disputed' && status !== 'refunded')
          this.markSucceeded(snapshot.paymentReference);
        return;
      case 'requires_payment_method':
        if (status === 'processing') {
          this.markFailed(snapshot.lastErrorCode, 'the bank debit failed');
        } else if (status !== 'requires_payment_method') {
          this.askForNewPaymentMethod(
            snapshot.lastErrorCode,
            'the bank account could not be verified or debited',
            'payment.verification_failed',
          );
        }
        return;
      case 'canceled':
        if (status !== 'canceled') this.markCanceled(snapshot);
        return;
      default:
        return;
    }
  }

  /** Stripe sent microdeposits: the customer has 10 days to confirm them. */
  private awaitMicrodeposits(sent: NonNullable<PaymentIntentSnapshot['microdeposits']>): void {
    const p = this.part;
    const type = sent.type;
    const microdeposits: MicrodepositState = {
      type,
      arrivalDate: sent.arrivalDate,
      hostedVerificationUrl: sent.hostedVerificationUrl,
      attemptsRemaining: MICRODEPOSIT_ATTEMPTS[type],
      expiresAt: inSeconds(MICRODEPOSIT_VALIDITY_SECONDS),
    };
    p.microdeposits = microdeposits;
    p.deadline = microdeposits.expiresAt;
    this.setStatus('awaiting_verification', 'waiting for the customer to confirm the microdeposits');
    this.notify('payment.awaiting_verification', { microdepositType: type, arrivalDate: microdeposits.arrivalDate });
  }

  /** The debit is on its way to the bank; an alert is due if it takes longer than the policy allows. */
  private markProcessing(): void {
    const p = this.part;
    p.microdeposits = null;
    p.processingSince = new Date().toISOString();
    p.deadline = inSeconds(this.policy.processingAlertSeconds);
    this.setStatus('processing', 'the bank debit is on its way (about 4 business days)');
    this.notify('payment.processing');
  }

  /** The money arrived; disputes are listened for until the dispute window ends. */
  private markSucceeded(paymentReference: PaymentState['paymentReference']): void {
    const p = this.part;
    p.microdeposits = null;
    p.paymentReference = paymentReference;
    p.succeededAt = new Date().toISOString();
    p.deadline = inSeconds(this.policy.disputeWindowSeconds);
    this.setStatus('succeeded', null);
    this.notify('payment.succeeded', { paymentReference: p.paymentReference });
  }

  /** The PaymentIntent was cancelled: by the booking, by Stripe itself, or outside the workflow. */
  private markCanceled(snapshot: PaymentIntentSnapshot): void {
    const p = this.part;
    p.cancellation = p.cancellation ? 'canceled' : null;
    this.setStatus('canceled', this.canceledReason(snapshot));
    this.notify('payment.canceled');
    this.finish();
  }

  /** Why the PaymentIntent is cancelled, as the booking's reason says it. */
  private canceledReason(snapshot: PaymentIntentSnapshot): string {
    if (this.ctx.state.cancelRequested) return 'booking cancelled';
    // Stripe cancels a PaymentIntent itself (reason `automatic`) once too many of its confirmations failed.
    if (snapshot.cancellationReason === 'automatic')
      return 'Stripe cancelled the PaymentIntent after too many failed confirmations';
    if (cancelledByStripe(snapshot.cancellationReason, this.ctx.patches))
      return `Stripe cancelled the PaymentIntent itself (${snapshot.cancellationReason})`;
    return 'cancelled outside the booking workflow';
  }

  /** The current bank account cannot be debited: another one is awaited until the deadline. */
  private askForNewPaymentMethod(failureCode: string | null, reason: string, type: NotificationType): void {
    const p = this.part;
    p.failureCode = failureCode;
    p.microdeposits = null;
    p.deadline = inSeconds(this.ctx.input.policy.newPaymentMethodTimeoutSeconds);
    this.setStatus('requires_payment_method', reason);
    this.notify(type, { failureCode });
  }

  /** The payment failed for good. */
  private markFailed(failureCode: string | null, reason: string): void {
    this.part.failureCode = failureCode;
    this.setStatus('failed', reason);
    this.notify('payment.failed', { failureCode, reason });
    this.finish();
  }

  protected clearWhenFinished(): void {
    this.part.deadline = null;
  }

  // --- Helpers ----------------------------------------------------------------------------------

  /** The PaymentIntent this payment follows, if any. */
  private followed(): string | null {
    return this.payment?.paymentIntentId ?? null;
  }
}

/** Builds the payment's lifecycle; null payment state means a hold-only booking. */
export function createPaymentLifecycle(ctx: BookingContext): PaymentLifecycle {
  return new PaymentLifecycle(ctx);
}
