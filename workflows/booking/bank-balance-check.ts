/**
 * The balance check before a bank debit, when the booking asked for one. A Financial Connections
 * balance is null until a refresh completes, and a refresh is asynchronous
 * (docs.stripe.com/financial-connections/balances): ask for one, then wait for
 * `financial_connections.account.refreshed_balance` (relayed by the inbox) or read the account,
 * until the policy's deadline. Deterministic: workflow code only.
 */
import type { BankBalanceSnapshot } from '../../activities/booking/bank-balance-snapshot.js';
import { stripeReads, stripeWrites } from '../common/activity-stubs.js';
import type { BookingContext } from './booking-context.js';
import { AWAIT_BALANCE_REFRESH_PATCH } from './booking-patches.js';
import { at, due, inSeconds } from './booking-part.js';
import { usd } from './booking-story.js';
import {
  DEFAULT_BALANCE_REFRESH_TIMEOUT_SECONDS,
  type BalanceCheckState,
  type PaymentPolicy,
  type PaymentState,
} from './contract.js';

/** How often the account is read while the bank's answer to a balance refresh is awaited. */
const BALANCE_READ_SECONDS = 30;

/**
 * What the balance check allows: `debit` now (enough money, or the balance could not be read);
 * `wait`, no debit now (the bank's answer is still awaited, or this account was already found
 * short); `insufficient`, the balance is lower than the amount and another account is needed.
 */
export type BalanceVerdict = 'debit' | 'wait' | 'insufficient';

/** The current bank account's balance check while the bank's answer is awaited, else null. */
export function balanceAwaited(payment: PaymentState | null): BalanceCheckState | null {
  const check = payment?.balanceCheck;
  return payment?.status === 'pending' && check?.attempt === payment.attempt && check.status === 'refreshing'
    ? check
    : null;
}

/** Checks the current bank account's balance against the amount before it is debited. */
export function checkBalanceBeforeDebit(
  ctx: BookingContext,
  payment: PaymentState,
  policy: PaymentPolicy,
): Promise<BalanceVerdict> {
  return ctx.patches.has(AWAIT_BALANCE_REFRESH_PATCH)
    ? awaitRefreshedBalance(ctx, payment, policy)
    : readBalanceOnce(payment);
}

/** Before balance refreshes were awaited: one read of the account; an unknown balance lets the debit go. */
async function readBalanceOnce(payment: PaymentState): Promise<BalanceVerdict> {
  const available = await stripeReads(
    `read the balance of ${payment.paymentMethod} before debiting ${usd(payment.amount)}`,
  ).readBankBalance(payment.paymentMethod);
  return available !== null && available < payment.amount ? 'insufficient' : 'debit';
}

/** Asks for a refresh the first time, then reads the account until the bank answers or the deadline passes. */
async function awaitRefreshedBalance(
  ctx: BookingContext,
  payment: PaymentState,
  policy: PaymentPolicy,
): Promise<BalanceVerdict> {
  const current = payment.balanceCheck?.attempt === payment.attempt ? payment.balanceCheck : null;
  if (current && current.status !== 'refreshing') return current.status !== 'insufficient' ? 'debit' : 'wait';
  if (!current) {
    const snapshot = await requestBalanceRefresh(ctx, payment);
    const check = refreshingCheck(payment.attempt, snapshot.accountId, policy);
    payment.balanceCheck = check;
    return judgeBalance(ctx, payment, check, snapshot);
  }
  ctx.takeEventsAbout(current.accountId);
  const snapshot = await stripeReads(
    `read the balance of ${payment.paymentMethod}: has the bank answered?`,
  ).readBalanceRefresh(payment.paymentMethod);
  return judgeBalance(ctx, payment, current, snapshot);
}

/** Asks the bank for the current account's balance (one Stripe write per payment attempt). */
function requestBalanceRefresh(ctx: BookingContext, payment: PaymentState): Promise<BankBalanceSnapshot> {
  const { attempt, paymentMethod } = payment;
  return ctx.writes.run({
    operation: `balance-refresh:${attempt}`,
    send: (writeAttempt) =>
      stripeWrites(
        `ask the bank for the balance of ${paymentMethod} before debiting ${usd(payment.amount)}`,
      ).requestBalanceRefresh({
        bookingId: ctx.state.bookingId,
        paymentMethodId: paymentMethod,
        attempt,
        ...(writeAttempt !== undefined && { writeAttempt }),
      }),
    resolve: async () => {
      const read = await stripeReads(`read the balance refresh of ${paymentMethod}: was it asked?`).readBalanceRefresh(
        paymentMethod,
      );
      return read.refreshStatus !== null || !read.permitted ? read : null;
    },
  });
}

/** A balance check waiting for the bank's answer until the policy's deadline. */
function refreshingCheck(attempt: number, accountId: string | null, policy: PaymentPolicy): BalanceCheckState {
  const timeout = policy.balanceRefreshTimeoutSeconds ?? DEFAULT_BALANCE_REFRESH_TIMEOUT_SECONDS;
  return {
    attempt,
    status: 'refreshing',
    accountId,
    available: null,
    asOf: null,
    deadline: inSeconds(timeout),
    nextReadAt: null,
    reason: null,
  };
}

/** Records what a read of the account says: the balance, why it cannot be read, or the next read. */
function judgeBalance(
  ctx: BookingContext,
  payment: PaymentState,
  check: BalanceCheckState,
  snapshot: BankBalanceSnapshot,
): BalanceVerdict {
  const unreadable = (reason: string): BalanceVerdict => {
    Object.assign(check, { status: 'unavailable', reason, deadline: null, nextReadAt: null });
    ctx.touch();
    return 'debit';
  };
  if (!snapshot.accountId)
    return unreadable('the bank account was not linked through Financial Connections: no balance to read');
  if (!snapshot.permitted)
    return unreadable('the customer did not share the balance of this account (no balances permission)');
  if (snapshot.refreshStatus === 'succeeded' && snapshot.available !== null) {
    Object.assign(check, {
      available: snapshot.available,
      asOf: snapshot.asOf !== null ? new Date(snapshot.asOf * 1000).toISOString() : null,
      deadline: null,
      nextReadAt: null,
    });
    if (snapshot.available < payment.amount) {
      // The caller asks for another account, which publishes the change.
      check.status = 'insufficient';
      return 'insufficient';
    }
    check.status = 'sufficient';
    ctx.touch();
    return 'debit';
  }
  if (snapshot.refreshStatus === 'failed')
    return unreadable('the bank did not report the balance (the refresh failed)');
  if (due(check.deadline)) return unreadable('the bank did not report the balance before the deadline');
  check.nextReadAt = new Date(Math.min(Date.now() + BALANCE_READ_SECONDS * 1000, at(check.deadline)!)).toISOString();
  ctx.touch();
  return 'wait';
}
