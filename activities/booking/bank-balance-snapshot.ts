/** What a workflow needs of a Financial Connections account's balance: plain data for history. */
import type Stripe from 'stripe';

/** Where the balance of the account behind a bank payment method stands. */
export interface BankBalanceSnapshot {
  /** The linked account (`fca_…`); null for an account typed in by hand (no balance to read). */
  accountId: string | null;
  /** Whether the customer granted the `balances` permission. */
  permitted: boolean;
  /** The last refresh's status; null when none was ever asked. */
  refreshStatus: 'pending' | 'succeeded' | 'failed' | null;
  /** When the last refresh was asked, seconds since the epoch (Stripe's clock). */
  refreshAttemptedAt: number | null;
  /** The available balance in cents (USD) the last successful refresh reported; null until one did. */
  available: number | null;
  /** When the bank reported it, seconds since the epoch. */
  asOf: number | null;
}

/** The snapshot of an account (null: the payment method has no linked account). */
export function toBankBalanceSnapshot(account: Stripe.FinancialConnections.Account | null): BankBalanceSnapshot {
  const refresh = account?.balance_refresh ?? null;
  const balance = account?.balance ?? null;
  return {
    accountId: account?.id ?? null,
    permitted: account?.permissions?.includes('balances') ?? false,
    refreshStatus: refresh?.status ?? null,
    refreshAttemptedAt: refresh?.last_attempted_at ?? null,
    available: balance ? (balance.cash?.available?.usd ?? balance.current.usd ?? null) : null,
    asOf: balance?.as_of ?? null,
  };
}
