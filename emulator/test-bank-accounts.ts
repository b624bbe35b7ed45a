/**
 * Stripe's test-mode US bank accounts (routing 110000000), their `pm_usBankAccount_…` tokens, how
 * the ACH network answers debits from them, and the test microdeposit values.
 */

/** The routing number of every Stripe test bank account. */
export const TEST_ROUTING_NUMBER = '110000000';
/** The bank name Stripe shows for its test routing number. */
export const TEST_BANK_NAME = 'STRIPE TEST BANK';

/** Why the ACH network returned a debit (the charge's `failure_code`). */
export type BankDebitFailureCode =
  'account_closed' | 'no_account' | 'insufficient_funds' | 'debit_not_authorized' | 'invalid_currency';

/** What happens to a debit from a test account. */
export type BankDebitOutcome =
  | { kind: 'succeed' }
  /** Succeeds, then the customer disputes it. */
  | { kind: 'succeed_then_dispute' }
  /** Settles into a failure returned by the bank. */
  | { kind: 'fail'; code: BankDebitFailureCode }
  /** Refused when confirmed: Radar blocks it. */
  | { kind: 'radar_block' }
  /** Refused when confirmed: the weekly payment volume limit. */
  | { kind: 'weekly_limit' }
  /** Stays `processing` forever. */
  | { kind: 'never_settle' };

/** How a bank account PaymentMethod behaves (kept next to it in the store). */
export interface BankAccountBehaviour {
  kind: 'bank_account';
  outcome: BankDebitOutcome;
  /** Whether the account is already verified (instantly, or by earlier microdeposits). */
  verified: boolean;
  /** Whether microdeposits to it fail to send (000666666661). */
  microdepositsFail: boolean;
}

/** One test account of Stripe's ACH test table (docs.stripe.com/payments/ach-direct-debit/accept-a-payment, Test account numbers). */
export interface TestBankAccount {
  accountNumber: string;
  /** The test PaymentMethod token Stripe accepts in its place. */
  token: string;
  outcome: BankDebitOutcome;
  microdepositsFail: boolean;
}

const account = (
  accountNumber: string,
  token: string,
  outcome: BankDebitOutcome,
  microdepositsFail = false,
): TestBankAccount => ({
  accountNumber,
  token,
  outcome,
  microdepositsFail,
});

/** Stripe's ACH test accounts, routing 110000000. */
export const TEST_BANK_ACCOUNTS: readonly TestBankAccount[] = [
  account('000123456789', 'pm_usBankAccount_success', { kind: 'succeed' }),
  account('000111111113', 'pm_usBankAccount_accountClosed', { kind: 'fail', code: 'account_closed' }),
  account('000000004954', 'pm_usBankAccount_riskLevelHighest', { kind: 'radar_block' }),
  account('000111111116', 'pm_usBankAccount_noAccount', { kind: 'fail', code: 'no_account' }),
  account('000222222227', 'pm_usBankAccount_insufficientFunds', { kind: 'fail', code: 'insufficient_funds' }),
  account('000333333335', 'pm_usBankAccount_debitNotAuthorized', { kind: 'fail', code: 'debit_not_authorized' }),
  account('000444444440', 'pm_usBankAccount_invalidCurrency', { kind: 'fail', code: 'invalid_currency' }),
  account('000666666661', 'pm_usBankAccount_failMicrodeposits', { kind: 'succeed' }, true),
  account('000555555559', 'pm_usBankAccount_dispute', { kind: 'succeed_then_dispute' }),
  account('000000000009', 'pm_usBankAccount_processing', { kind: 'never_settle' }),
  account('000777777771', 'pm_usBankAccount_weeklyLimitExceeded', { kind: 'weekly_limit' }),
];

/** The test account with this number; any other number behaves like the success account. */
export function testBankAccountByNumber(accountNumber: string): TestBankAccount {
  return (
    TEST_BANK_ACCOUNTS.find((candidate) => candidate.accountNumber === accountNumber) ?? {
      ...TEST_BANK_ACCOUNTS[0],
      accountNumber,
    }
  );
}

/** The test account behind a `pm_usBankAccount_…` token, if Stripe knows that token. */
export function findTestBankAccountToken(token: string): TestBankAccount | undefined {
  return TEST_BANK_ACCOUNTS.find((candidate) => candidate.token === token);
}

/** The ACH return message Stripe gives each failure code. */
export const BANK_DEBIT_FAILURE_MESSAGES: Readonly<Record<BankDebitFailureCode, string>> = {
  account_closed: "The customer's bank account has been closed.",
  no_account: "The customer's bank account could not be located.",
  insufficient_funds: "The customer's account has insufficient funds to cover this payment.",
  debit_not_authorized: 'The customer has notified their bank that this payment was unauthorized.',
  invalid_currency: 'The bank was unable to process this payment because of its currency.',
};

/** What a microdeposit verification attempt with Stripe's test values simulates. */
export type MicrodepositScenario = 'verify' | 'attempts_exceeded' | 'timeout' | 'mismatch';

/** Stripe's test microdeposit values: amounts (cents) and 0.01 descriptor codes. */
export const TEST_MICRODEPOSITS = {
  verify: { amounts: [32, 45], descriptorCode: 'SM11AA' },
  attempts_exceeded: { amounts: [10, 11], descriptorCode: 'SM33CC' },
  timeout: { amounts: [40, 41], descriptorCode: 'SM44DD' },
} as const;

/** The scenario two amounts simulate (order does not matter). */
export function amountsScenario(amounts: readonly number[]): MicrodepositScenario {
  const sorted = [...amounts].sort((a, b) => a - b).join(',');
  for (const scenario of ['verify', 'attempts_exceeded', 'timeout'] as const) {
    if (TEST_MICRODEPOSITS[scenario].amounts.join(',') === sorted) return scenario;
  }
  return 'mismatch';
}

/** The scenario a descriptor code simulates. */
export function descriptorCodeScenario(code: string): MicrodepositScenario {
  for (const scenario of ['verify', 'attempts_exceeded', 'timeout'] as const) {
    if (TEST_MICRODEPOSITS[scenario].descriptorCode === code.toUpperCase()) return scenario;
  }
  return 'mismatch';
}
