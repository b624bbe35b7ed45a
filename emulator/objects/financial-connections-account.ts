/** The Stripe Financial Connections Account object (components.schemas["financial_connections.account"]). */
import { newObjectId } from '../ids.js';
import { TEST_BANK_NAME } from '../test-bank-accounts.js';

/** Data a customer can let the business read when linking an account. */
export const FINANCIAL_CONNECTIONS_PERMISSIONS = ['balances', 'ownership', 'payment_method', 'transactions'] as const;
/** One permission. */
export type FinancialConnectionsPermission = (typeof FINANCIAL_CONNECTIONS_PERMISSIONS)[number];

/** Where a balance refresh stands (docs.stripe.com/api/financial_connections/accounts/object#balance_refresh). */
export type BalanceRefreshStatus = 'pending' | 'succeeded' | 'failed';

/** How the institution answers balance refreshes of an account: with its balance, with a failure, or never. */
export const BALANCE_REFRESH_OUTCOMES = ['succeeded', 'failed', 'stalled'] as const;

/**
 * The emulator's bookkeeping of a linked account's bank: the balance the bank holds (reported
 * only by a completed refresh) and the refresh in flight.
 */
export interface InstitutionBalanceRecord {
  accountId: string;
  balanceCents: number;
  refreshOutcome: (typeof BALANCE_REFRESH_OUTCOMES)[number];
  /** When the pending refresh completes on the emulator clock; null when none is pending or it stalls. */
  refreshDueAt: number | null;
}

/** A cash balance as the institution last reported it. */
export interface AccountBalance {
  as_of: number;
  cash: { available: Record<string, number> };
  current: Record<string, number>;
  type: 'cash';
}

/** A linked bank account as the API returns it. */
export interface FinancialConnectionsAccountObject {
  id: string;
  object: 'financial_connections.account';
  account_holder: { customer?: string; type: 'customer' } | null;
  balance: AccountBalance | null;
  /** The last balance refresh; `next_refresh_available_at` is null while it is pending. */
  balance_refresh: {
    last_attempted_at: number;
    next_refresh_available_at: number | null;
    status: BalanceRefreshStatus;
  } | null;
  category: 'cash';
  created: number;
  display_name: string;
  institution_name: string;
  last4: string;
  livemode: false;
  ownership: null;
  ownership_refresh: null;
  permissions: FinancialConnectionsPermission[];
  status: 'active';
  subcategory: 'checking' | 'savings';
  subscriptions: never[];
  supported_payment_method_types: ['us_bank_account'];
  transaction_refresh: null;
}

/** A cash balance of `cents` USD, reported at `asOf`. */
export function usdBalance(cents: number, asOf: number): AccountBalance {
  return { as_of: asOf, cash: { available: { usd: cents } }, current: { usd: cents }, type: 'cash' };
}

/**
 * Builds a linked account. Its `balance` is null until a balance refresh completes, even with the
 * `balances` permission: a refresh is asynchronous (docs.stripe.com/financial-connections/balances).
 */
export function buildFinancialConnectionsAccount(input: {
  last4: string;
  subcategory: 'checking' | 'savings';
  permissions: FinancialConnectionsPermission[];
  customer: string | null;
  created: number;
}): FinancialConnectionsAccountObject {
  return {
    id: newObjectId('fca'),
    object: 'financial_connections.account',
    account_holder: input.customer ? { customer: input.customer, type: 'customer' } : null,
    balance: null,
    balance_refresh: null,
    category: 'cash',
    created: input.created,
    display_name: input.subcategory === 'savings' ? 'Savings' : 'Checking',
    institution_name: TEST_BANK_NAME,
    last4: input.last4,
    livemode: false,
    ownership: null,
    ownership_refresh: null,
    permissions: input.permissions,
    status: 'active',
    subcategory: input.subcategory,
    subscriptions: [],
    supported_payment_method_types: ['us_bank_account'],
    transaction_refresh: null,
  };
}
