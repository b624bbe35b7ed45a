/**
 * Control routes for bank debits, mounted at `/_emulator`: the hosted microdeposit verification
 * page, settle a processing debit now, close a dispute, complete a bank refund, and link a
 * Financial Connections account with a chosen balance.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import {
  closeDispute,
  completeBankRefund,
  NotSettleableError,
  settleBankDebit,
} from '../bank-debits/settle-bank-debit.js';
import { verifyMicrodeposits } from '../bank-debits/verify-microdeposits.js';
import { AUTOMATIC_ORIGIN } from '../objects/event.js';
import { emptyBillingDetails } from '../objects/billing-details.js';
import { DISPUTE_CLOSING_STATUSES } from '../objects/dispute.js';
import {
  BALANCE_REFRESH_OUTCOMES,
  FINANCIAL_CONNECTIONS_PERMISSIONS,
  buildFinancialConnectionsAccount,
} from '../objects/financial-connections-account.js';
import { completeBalanceRefresh } from '../bank-debits/balance-refresh.js';
import { buildUsBankAccountPaymentMethod } from '../objects/payment-method.js';
import { TEST_BANK_ACCOUNTS, TEST_ROUTING_NUMBER, testBankAccountByNumber } from '../test-bank-accounts.js';
import { ControlError, readJsonBody } from './control-error.js';
import type { EmulatorControls } from './emulator-controls.js';

const closeSchema = z.object({ status: z.enum(DISPUTE_CLOSING_STATUSES) }).strict();

const linkAccountSchema = z
  .object({
    /** Available and current balance, in cents (USD). */
    balance: z.number().int().default(100_000),
    /** Permissions the customer grants; `payment_method` is always included. */
    permissions: z.array(z.enum(FINANCIAL_CONNECTIONS_PERMISSIONS)).default(['payment_method', 'balances']),
    /** How the bank answers balance refreshes: after the emulator's delay with the balance, with a failure, or never. */
    balanceRefresh: z.enum(BALANCE_REFRESH_OUTCOMES).default('succeeded'),
    /** One of Stripe's ACH test account numbers, which decides how debits settle. */
    accountNumber: z
      .string()
      .regex(/^\d{4,17}$/)
      .default(TEST_BANK_ACCOUNTS[0].accountNumber),
    accountType: z.enum(['checking', 'savings']).default('checking'),
    customer: z.string().optional(),
    name: z.string().min(1).default('Jenny Rosen'),
    email: z.string().email().optional(),
  })
  .strict();

const balanceSchema = z.object({ balance: z.number().int() }).strict();
const completeRefreshSchema = z.object({ status: z.enum(['succeeded', 'failed']).default('succeeded') }).strict();

const hostedVerificationSchema = z.union([
  z.object({ descriptor_code: z.string().min(1) }).strict(),
  z.object({ amounts: z.array(z.number().int().min(0)).length(2) }).strict(),
]);

/** Bank debit control routes. */
export function bankDebitControlRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();
  const { runtime } = controls;

  // The `hosted_verification_url` of `verify_with_microdeposits`: what the customer sees and submits.
  routes.get('/payment_intents/:id/verify_microdeposits', (c) => {
    const paymentIntent = runtime.store.paymentIntents.get(c.req.param('id'));
    if (!paymentIntent) throw new ControlError(404, 'not_found', `no PaymentIntent ${c.req.param('id')}`);
    const next =
      paymentIntent.next_action?.type === 'verify_with_microdeposits'
        ? paymentIntent.next_action.verify_with_microdeposits
        : null;
    return c.json({
      paymentIntent: paymentIntent.id,
      status: paymentIntent.status,
      microdepositType: next?.microdeposit_type ?? null,
      arrivalDate: next?.arrival_date ?? null,
      submit: 'POST this URL with {"descriptor_code": "SM11AA"} or {"amounts": [32, 45]}',
    });
  });

  routes.post('/payment_intents/:id/verify_microdeposits', async (c) => {
    const proof = await readJsonBody(c, hostedVerificationSchema);
    const paymentIntent = runtime.store.paymentIntents.get(c.req.param('id'));
    if (!paymentIntent) throw new ControlError(404, 'not_found', `no PaymentIntent ${c.req.param('id')}`);
    // Stripe's errors (mismatch, attempts exceeded, …) are answered as Stripe error objects.
    verifyMicrodeposits(
      runtime,
      paymentIntent,
      'amounts' in proof
        ? { kind: 'amounts', amounts: proof.amounts }
        : { kind: 'descriptor_code', descriptorCode: proof.descriptor_code },
      AUTOMATIC_ORIGIN,
    );
    return c.json(paymentIntent);
  });

  routes.post('/payment_intents/:id/settle', (c) => {
    const paymentIntent = runtime.store.paymentIntents.get(c.req.param('id'));
    if (!paymentIntent) throw new ControlError(404, 'not_found', `no PaymentIntent ${c.req.param('id')}`);
    try {
      settleBankDebit(runtime, paymentIntent);
    } catch (error) {
      if (error instanceof NotSettleableError) throw new ControlError(409, 'conflict', error.message);
      throw error;
    }
    // A settlement can make a dispute or refund due at once (zero delays).
    controls.catchUp();
    return c.json(paymentIntent);
  });

  routes.post('/disputes/:id/close', async (c) => {
    const { status } = await readJsonBody(c, closeSchema);
    const dispute = runtime.store.disputes.get(c.req.param('id'));
    if (!dispute) throw new ControlError(404, 'not_found', `no dispute ${c.req.param('id')}`);
    if (!closeDispute(runtime, dispute, status))
      throw new ControlError(409, 'conflict', `dispute ${dispute.id} is already ${dispute.status}`);
    return c.json(dispute);
  });

  routes.post('/refunds/:id/settle', (c) => {
    const refund = runtime.store.refunds.get(c.req.param('id'));
    const record = refund ? runtime.store.bankDebits.get(refund.payment_intent) : undefined;
    if (!refund || !record) throw new ControlError(404, 'not_found', `no bank refund ${c.req.param('id')}`);
    if (refund.status !== 'pending')
      throw new ControlError(409, 'conflict', `refund ${refund.id} is already ${refund.status}`);
    completeBankRefund(runtime, record, refund.id);
    return c.json(refund);
  });

  routes.post('/financial_connections/accounts', async (c) => {
    const body = await readJsonBody(c, linkAccountSchema);
    if (body.customer !== undefined && !runtime.store.customers.has(body.customer)) {
      throw new ControlError(404, 'not_found', `no customer ${body.customer}`);
    }
    const now = runtime.clock.nowSeconds();
    const permissions = [...new Set(['payment_method' as const, ...body.permissions])];
    const account = buildFinancialConnectionsAccount({
      last4: body.accountNumber.slice(-4),
      subcategory: body.accountType,
      permissions,
      customer: body.customer ?? null,
      created: now,
    });
    runtime.store.financialConnectionsAccounts.set(account.id, account);
    runtime.store.institutionBalances.set(account.id, {
      accountId: account.id,
      balanceCents: body.balance,
      refreshOutcome: body.balanceRefresh,
      refreshDueAt: null,
    });
    const testAccount = testBankAccountByNumber(body.accountNumber);
    const paymentMethod = buildUsBankAccountPaymentMethod(
      {
        accountNumber: body.accountNumber,
        routingNumber: TEST_ROUTING_NUMBER,
        accountHolderType: 'individual',
        accountType: body.accountType,
        financialConnectionsAccount: account.id,
        billingDetails: emptyBillingDetails({ name: body.name, email: body.email }),
      },
      now,
    );
    // Linked through Financial Connections: verified instantly, no microdeposits.
    runtime.store.paymentMethods.set(paymentMethod.id, {
      object: paymentMethod,
      behaviour: { kind: 'bank_account', outcome: testAccount.outcome, verified: true, microdepositsFail: false },
    });
    return c.json({ paymentMethodId: paymentMethod.id, accountId: account.id }, 201);
  });

  routes.post('/financial_connections/accounts/:id/balance', async (c) => {
    const { balance } = await readJsonBody(c, balanceSchema);
    const account = runtime.store.financialConnectionsAccounts.get(c.req.param('id'));
    if (!account) throw new ControlError(404, 'not_found', `no Financial Connections account ${c.req.param('id')}`);
    if (!account.permissions.includes('balances'))
      throw new ControlError(409, 'conflict', `${account.id} has no balances permission`);
    // What the bank now holds; the account shows it after its next refresh completes.
    const record = runtime.store.institutionBalances.get(account.id);
    if (record) record.balanceCents = balance;
    return c.json(account);
  });

  // Completes a pending balance refresh now (one that stalls, or before its delay): its balance, or a failure.
  routes.post('/financial_connections/accounts/:id/refresh/complete', async (c) => {
    const { status } = await readJsonBody(c, completeRefreshSchema);
    const account = runtime.store.financialConnectionsAccounts.get(c.req.param('id'));
    if (!account) throw new ControlError(404, 'not_found', `no Financial Connections account ${c.req.param('id')}`);
    if (!completeBalanceRefresh(runtime, account, status))
      throw new ControlError(409, 'conflict', `${account.id} has no balance refresh pending`);
    return c.json(account);
  });

  return routes;
}
