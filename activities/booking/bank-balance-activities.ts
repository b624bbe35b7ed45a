/**
 * The balance of the bank account behind a payment method, read through Financial Connections when
 * the customer granted the `balances` permission, and refreshed on request.
 */
import type Stripe from 'stripe';
import { recordBalanceRefreshRequest } from '../../db/balance-refresh-requests.js';
import type { ActivityDeps } from '../common/activity-deps.js';
import { rethrowClassified } from '../common/classify-stripe-error.js';
import { balanceRefreshKey, writeAttemptKey } from '../common/idempotency-keys.js';
import { classifyWriteError, type WriteAttempt } from '../common/write-attempt.js';
import { toBankBalanceSnapshot, type BankBalanceSnapshot } from './bank-balance-snapshot.js';

/** Builds the bank balance activities over the payment gateway and the balance refresh requests table. */
export function createBankBalanceActivities({ gateway, db }: Pick<ActivityDeps, 'gateway' | 'db'>) {
  /** The Financial Connections account behind a payment method; null for an account typed in by hand. */
  const linkedAccountOf = async (paymentMethodId: string): Promise<Stripe.FinancialConnections.Account | null> => {
    const paymentMethod = await gateway.retrievePaymentMethod(paymentMethodId).catch(rethrowClassified);
    const accountId = paymentMethod.us_bank_account?.financial_connections_account;
    return accountId ? gateway.retrieveFinancialConnectionsAccount(accountId).catch(rethrowClassified) : null;
  };

  return {
    /**
     * The available balance, in cents, of the bank account behind a payment method, when the
     * customer granted the `balances` permission through Financial Connections; null otherwise.
     */
    async readBankBalance(paymentMethodId: string): Promise<number | null> {
      const account = await linkedAccountOf(paymentMethodId);
      if (!account?.permissions?.includes('balances') || !account.balance) return null;
      return account.balance.cash?.available?.usd ?? account.balance.current.usd ?? null;
    },

    /**
     * Asks Stripe to refresh the balance of the account behind a payment method (with the customer's
     * `balances` permission), recording which booking asked so the inbox can route the
     * `financial_connections.account.refreshed_balance` event to it. Stripe answers `pending`.
     */
    async requestBalanceRefresh(
      input: { bookingId: string; paymentMethodId: string; attempt: number } & WriteAttempt,
    ): Promise<BankBalanceSnapshot> {
      const account = await linkedAccountOf(input.paymentMethodId);
      if (!account || !account.permissions?.includes('balances')) return toBankBalanceSnapshot(account);
      await recordBalanceRefreshRequest(db, account.id, input.bookingId);
      const refreshed = await gateway
        .refreshFinancialConnectionsBalance({
          accountId: account.id,
          idempotencyKey: writeAttemptKey(balanceRefreshKey(input.bookingId, input.attempt), input.writeAttempt),
        })
        .catch((error: unknown) => {
          throw classifyWriteError(error, input);
        });
      return toBankBalanceSnapshot(refreshed);
    },

    /** Where the balance of the account behind a payment method stands: its last refresh and what it reported. */
    async readBalanceRefresh(paymentMethodId: string): Promise<BankBalanceSnapshot> {
      return toBankBalanceSnapshot(await linkedAccountOf(paymentMethodId));
    },
  };
}
