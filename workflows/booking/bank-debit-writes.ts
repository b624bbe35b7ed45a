/**
 * The Stripe writes of a bank debit: create, confirm and cancel its PaymentIntent, submit its
 * microdeposits, refund it. Each is one business operation of the booking's write ledger, found
 * again by reading Stripe when its answer was lost. The activity summaries name the debit as the
 * Web UI shows it. Deterministic: workflow code only.
 */
import type { PaymentIntentSnapshot } from '../../activities/common/payment-intent-snapshot.js';
import type { RefundSnapshot } from '../../activities/create-activities.js';
import { stripeReads, stripeWrites } from '../common/activity-stubs.js';
import { confirmationOutcome, microdepositOutcome } from '../common/stripe-write.js';
import type { BookingContext } from './booking-context.js';
import { usd } from './booking-story.js';
import type { MandateAcceptance, PaymentState, VerifyMicrodepositsRequest, VerificationMethod } from './contract.js';

/** The debit as activity summaries name it: `$125 bank debit pi_…`. */
export function debitSummary(payment: PaymentState): string {
  return `${usd(payment.amount)} bank debit ${payment.paymentIntentId}`;
}

/** What a bank debit's PaymentIntent is created with, in either form of the create. */
interface DebitTerms {
  stripeCustomerId: string;
  verification: VerificationMethod;
  targetDate: string | null;
}

/** The create's arguments common to both forms: the booking, the attempt and the debit's terms. */
function debitArgs(ctx: BookingContext, payment: PaymentState, debit: DebitTerms) {
  return {
    bookingId: ctx.state.bookingId,
    attempt: payment.attempt,
    amount: payment.amount,
    stripeCustomerId: debit.stripeCustomerId,
    paymentMethod: payment.paymentMethod,
    verification: debit.verification,
    targetDate: debit.targetDate,
  };
}

/** Finds the current attempt's PaymentIntent by the booking and attempt, when the create's answer was lost. */
function findDebit(ctx: BookingContext, payment: PaymentState, debit: DebitTerms) {
  const { attempt } = payment;
  return stripeReads(`find the bank debit's PaymentIntent of attempt ${attempt}`).findBankPayment({
    bookingId: ctx.state.bookingId,
    attempt,
    stripeCustomerId: debit.stripeCustomerId,
  });
}

/** Creates the current attempt's PaymentIntent; found again by the booking and attempt if the answer was lost. */
export function createBankDebit(ctx: BookingContext, payment: PaymentState, debit: DebitTerms) {
  const { attempt } = payment;
  return ctx.writes.run({
    operation: `payment-create:${attempt}`,
    send: (writeAttempt) =>
      stripeWrites(
        `create the ${usd(payment.amount)} bank debit's PaymentIntent (attempt ${attempt})`,
      ).createBankPayment({ ...debitArgs(ctx, payment, debit), ...(writeAttempt !== undefined && { writeAttempt }) }),
    resolve: () => findDebit(ctx, payment, debit),
  });
}

/**
 * Creates the current attempt's PaymentIntent and confirms it under its mandate in one request;
 * found again by the booking and attempt if the answer was lost.
 */
export function placeBankDebit(
  ctx: BookingContext,
  payment: PaymentState,
  debit: DebitTerms & { authority: MandateAcceptance | { mandateId: string } },
): Promise<PaymentIntentSnapshot> {
  const { attempt, paymentMethod } = payment;
  return ctx.writes.run({
    operation: `payment-place:${attempt}`,
    send: (writeAttempt) =>
      stripeWrites(
        `debit ${usd(payment.amount)} from ${paymentMethod} in one call (attempt ${attempt})`,
      ).placeBankPayment({
        ...debitArgs(ctx, payment, debit),
        mandate: debit.authority,
        ...(writeAttempt !== undefined && { writeAttempt }),
      }),
    resolve: () => findDebit(ctx, payment, debit),
  });
}

/** Confirms the current attempt's debit under its mandate; Stripe's answer is the PaymentIntent after it. */
export function confirmBankDebit(
  ctx: BookingContext,
  payment: PaymentState,
  authority: MandateAcceptance | { mandateId: string },
): Promise<PaymentIntentSnapshot> {
  const { attempt, paymentMethod } = payment;
  const paymentIntentId = payment.paymentIntentId!;
  return ctx.writes.run({
    operation: `payment-confirm:${attempt}`,
    send: (writeAttempt) =>
      stripeWrites(`debit ${usd(payment.amount)} from ${paymentMethod} (attempt ${attempt})`).confirmBankPayment({
        bookingId: ctx.state.bookingId,
        attempt,
        paymentIntentId,
        paymentMethod,
        mandate: authority,
        ...(writeAttempt !== undefined && { writeAttempt }),
      }),
    resolve: async () =>
      confirmationOutcome(
        await stripeReads(`read ${debitSummary(payment)}: was the debit submitted?`).readPaymentIntent(paymentIntentId),
        paymentMethod,
      ),
  });
}

/** Cancels the debit's PaymentIntent; Stripe's refusal comes back as its current state. */
export function cancelBankDebit(
  ctx: BookingContext,
  payment: PaymentState,
  why: string,
): Promise<PaymentIntentSnapshot> {
  const paymentIntentId = payment.paymentIntentId!;
  return ctx.writes.run({
    operation: `payment-cancel:${paymentIntentId}`,
    send: (writeAttempt) =>
      stripeWrites(`cancel ${debitSummary(payment)}: ${why}`).cancelBankPayment({
        bookingId: ctx.state.bookingId,
        paymentIntentId,
        ...(writeAttempt !== undefined && { writeAttempt }),
      }),
    resolve: async () => {
      const current = await stripeReads(`read ${debitSummary(payment)}: was it cancelled?`).readPaymentIntent(
        paymentIntentId,
      );
      return current.status === 'canceled' ? current : null;
    },
  });
}

/** Asks Stripe to refund `amount` of the debit; the refund is found again if the answer was lost. */
export function refundBankDebit(ctx: BookingContext, payment: PaymentState, amount: number): Promise<RefundSnapshot> {
  const paymentIntentId = payment.paymentIntentId!;
  return ctx.writes.run({
    operation: `refund:${paymentIntentId}`,
    send: (writeAttempt) =>
      stripeWrites(`refund ${usd(amount)} of ${debitSummary(payment)}`).refundPayment({
        bookingId: ctx.state.bookingId,
        paymentIntentId,
        amount,
        ...(writeAttempt !== undefined && { writeAttempt }),
      }),
    resolve: () => stripeReads(`find the refund of ${debitSummary(payment)}`).findRefund(paymentIntentId),
  });
}

/**
 * Sends one microdeposit attempt and reads Stripe's verdict. `submission` numbers the key across
 * the booking (undefined before write keys were recorded); `attemptNumber` of `total` is the
 * customer's attempt as Stripe counts them.
 */
export function submitMicrodeposits(
  ctx: BookingContext,
  payment: PaymentState,
  request: VerifyMicrodepositsRequest,
  attempt: { submission: number | undefined; attemptNumber: number; total: number },
) {
  const paymentIntentId = payment.paymentIntentId!;
  const { submission, attemptNumber, total } = attempt;
  return ctx.writes.run({
    operation: `verify:${submission}`,
    send: (writeAttempt) =>
      stripeWrites(
        `verify the microdeposits of ${debitSummary(payment)} (attempt ${attemptNumber} of ${total})`,
      ).verifyMicrodeposits({
        bookingId: ctx.state.bookingId,
        paymentIntentId,
        paymentAttempt: payment.attempt,
        attemptNumber,
        descriptorCode: request.descriptorCode,
        amounts: request.amounts,
        ...(submission !== undefined && { submission }),
        ...(writeAttempt !== undefined && { writeAttempt }),
      }),
    resolve: async () =>
      microdepositOutcome(
        await stripeReads(`read ${debitSummary(payment)}: were the microdeposits checked?`).readPaymentIntent(
          paymentIntentId,
        ),
      ),
  });
}
