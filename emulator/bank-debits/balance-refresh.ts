/**
 * Financial Connections balance refreshes, as Stripe runs them: asynchronous. A refresh answers
 * `balance_refresh.status: pending` (with `next_refresh_available_at` null); later it becomes
 * `succeeded`, the account's `balance` now the bank's, or `failed`, and Stripe sends
 * `financial_connections.account.refreshed_balance` (docs.stripe.com/financial-connections/balances,
 * docs.stripe.com/api/financial_connections/accounts/refresh). Until one succeeds, `balance` is null.
 */
import { AUTOMATIC_ORIGIN, type EventOrigin } from '../objects/event.js';
import { usdBalance, type FinancialConnectionsAccountObject } from '../objects/financial-connections-account.js';
import type { EmulatorRuntime } from '../runtime.js';

/** Starts a balance refresh unless one is already pending; it completes `balanceRefreshSeconds` later. */
export function startBalanceRefresh(runtime: EmulatorRuntime, account: FinancialConnectionsAccountObject): void {
  if (account.balance_refresh?.status === 'pending') return;
  const now = runtime.clock.nowSeconds();
  account.balance_refresh = { last_attempted_at: now, next_refresh_available_at: null, status: 'pending' };
  const record = runtime.store.institutionBalances.get(account.id);
  if (record)
    record.refreshDueAt = record.refreshOutcome === 'stalled' ? null : now + runtime.ach.balanceRefreshSeconds;
}

/** Completes the pending refresh of an account now: the bank's balance, or a failure; false if none is pending. */
export function completeBalanceRefresh(
  runtime: EmulatorRuntime,
  account: FinancialConnectionsAccountObject,
  outcome: 'succeeded' | 'failed',
  origin: EventOrigin = AUTOMATIC_ORIGIN,
): boolean {
  if (account.balance_refresh?.status !== 'pending') return false;
  const now = runtime.clock.nowSeconds();
  const record = runtime.store.institutionBalances.get(account.id);
  if (record) record.refreshDueAt = null;
  if (outcome === 'succeeded') account.balance = usdBalance(record?.balanceCents ?? 0, now);
  account.balance_refresh = {
    last_attempted_at: account.balance_refresh.last_attempted_at,
    next_refresh_available_at: now,
    status: outcome,
  };
  runtime.events.record('financial_connections.account.refreshed_balance', account, origin, {
    balance_refresh: { status: 'pending' },
  });
  return true;
}

/** Completes the refreshes that are due on the emulator clock; returns how many. */
export function advanceBalanceRefreshes(runtime: EmulatorRuntime): number {
  const now = runtime.clock.nowSeconds();
  let completed = 0;
  for (const record of runtime.store.institutionBalances.values()) {
    if (record.refreshDueAt === null || record.refreshDueAt > now) continue;
    const account = runtime.store.financialConnectionsAccounts.get(record.accountId);
    if (
      account &&
      record.refreshOutcome !== 'stalled' &&
      completeBalanceRefresh(runtime, account, record.refreshOutcome)
    )
      completed += 1;
    record.refreshDueAt = null;
  }
  return completed;
}
