/** The Stripe Financial Connections Account object (components.schemas["financial_connections.account"]). */
import { newObjectId } from '../ids.js';
import { TEST_BANK_NAME } from '../test-bank-accounts.js';

/** Data a customer can let the business read when linking an account. */
export const FINANCIAL_CONNECTIONS_PERMISSIONS = ['balances', 'ownership', 'payment_method', 'transactions'] as const;
/** One permission. */
export type FinancialConnectionsPermission = (typeof FINANCIAL_CONNECTIONS_PERMISSIONS)[number];

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
  balance_refresh: { last_attempted_at: number; next_refresh_available_at: number | null; status: 'succeeded' } | null;
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

/** Builds a linked account; its balance is known only with the `balances` permission. */
export function buildFinancialConnectionsAccount(input: {
  last4: string;
  subcategory: 'checking' | 'savings';
  permissions: FinancialConnectionsPermission[];
  balanceCents: number;
  customer: string | null;
  created: number;
}): FinancialConnectionsAccountObject {
  const withBalance = input.permissions.includes('balances');
  return {
    id: newObjectId('fca'),
    object: 'financial_connections.account',
    account_holder: input.customer ? { customer: input.customer, type: 'customer' } : null,
    balance: withBalance ? usdBalance(input.balanceCents, input.created) : null,
    balance_refresh: withBalance ? { last_attempted_at: input.created, next_refresh_available_at: input.created, status: 'succeeded' } : null,
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
