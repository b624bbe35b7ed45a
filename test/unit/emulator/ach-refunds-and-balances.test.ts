/** Refunds (bank refunds followed to their reference on the clock, card refunds at once), Financial Connections balances, persistence. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { addBusinessDays } from '../../../emulator/bank-debits/ach-timings.js';
import { advanceClock, bankDebitParams, emulatorNow, manualBankAccount } from '../../../harness/bank-debits.js';
import { holdParams, startRunningEmulator, useRunningEmulator } from '../../../harness/running-emulator.js';

const running = useRunningEmulator();

async function settledDebit(token = 'pm_usBankAccount_success'): Promise<Stripe.PaymentIntent> {
  const paymentIntent = await running.stripe.paymentIntents.create(bankDebitParams(token));
  return running.control('POST', `/_emulator/payment_intents/${paymentIntent.id}/settle`);
}

describe('refunds', () => {
  it('refunds a settled debit: pending, then succeeded a business day later with its bank reference and charge.refund.updated', async () => {
    const paid = await settledDebit();
    const now = await emulatorNow(running);
    const refund = await running.stripe.refunds.create(
      { payment_intent: paid.id, reason: 'requested_by_customer', metadata: { booking_id: 'bk-refund' } },
      { idempotencyKey: 'refund-bk-refund' },
    );
    expect(refund).toMatchObject({
      amount: 12_500,
      status: 'pending',
      payment_intent: paid.id,
      metadata: { booking_id: 'bk-refund' },
      destination_details: {
        type: 'us_bank_transfer',
        us_bank_transfer: { reference: null, reference_status: 'pending' },
      },
    });
    // The same key replays the same refund instead of refunding twice.
    const replayed = await running.stripe.refunds.create(
      { payment_intent: paid.id, reason: 'requested_by_customer', metadata: { booking_id: 'bk-refund' } },
      { idempotencyKey: 'refund-bk-refund' },
    );
    expect(replayed.id).toBe(refund.id);

    await advanceClock(running, addBusinessDays(now, 1) - now + 1);
    const arrived = await running.stripe.refunds.retrieve(refund.id);
    expect(arrived.status).toBe('succeeded');
    expect(arrived.destination_details?.us_bank_transfer).toMatchObject({ reference_status: 'available' });
    expect(arrived.destination_details?.us_bank_transfer?.reference).toMatch(/^\d{15}$/);
    const updated = running.emulator.runtime.store.events.find((event) => event.type === 'charge.refund.updated');
    expect((updated?.data.object as Stripe.Refund).id).toBe(refund.id);
    const charge = await running.stripe.charges.retrieve(paid.latest_charge as string);
    expect(charge).toMatchObject({ refunded: true, amount_refunded: 12_500 });
  });

  it('refunds in parts and refuses more than what is left, and refusing once fully refunded', async () => {
    const paid = await settledDebit();
    await running.stripe.refunds.create({ payment_intent: paid.id, amount: 5_000 });
    await expect(running.stripe.refunds.create({ payment_intent: paid.id, amount: 8_000 })).rejects.toMatchObject({
      statusCode: 400,
      code: 'amount_too_large',
      param: 'amount',
    });
    const rest = await running.stripe.refunds.create({ payment_intent: paid.id });
    expect(rest.amount).toBe(7_500);
    await expect(running.stripe.refunds.create({ payment_intent: paid.id })).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });
  });

  it('refuses to refund a debit still processing, and a disputed one', async () => {
    const processing = await running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_success'));
    await expect(running.stripe.refunds.create({ payment_intent: processing.id })).rejects.toMatchObject({
      code: 'charge_not_refundable',
    });
    const disputed = await settledDebit('pm_usBankAccount_dispute');
    await advanceClock(running, 86_400 + 1);
    await expect(running.stripe.refunds.create({ payment_intent: disputed.id })).rejects.toMatchObject({
      code: 'charge_disputed',
    });
  });

  it('refunds a captured card payment at once', async () => {
    const card = await running.stripe.paymentIntents.create({
      ...holdParams('bk-card-refund'),
      capture_method: 'automatic',
    });
    const refund = await running.stripe.refunds.create({ payment_intent: card.id, amount: 40 });
    expect(refund).toMatchObject({ status: 'succeeded', amount: 40, destination_details: { type: 'card' } });
    await expect(running.stripe.refunds.retrieve('re_missing')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('Financial Connections balances', () => {
  it('has no balance until a refresh completes: the refresh answers pending, the balance and the event come later on the clock', async () => {
    // docs.stripe.com/financial-connections/balances: balance refreshes are asynchronous; `balance`
    // stays null until one succeeds, and financial_connections.account.refreshed_balance says when.
    const customer = await running.stripe.customers.create({ email: 'guest+test_email@example.com' });
    expect(customer.email).toBe('guest+test_email@example.com');
    const linked = await running.control('POST', '/_emulator/financial_connections/accounts', {
      balance: 4_200,
      customer: customer.id,
    });
    const account = await running.stripe.financialConnections.accounts.retrieve(linked.accountId);
    expect(account).toMatchObject({
      permissions: expect.arrayContaining(['balances', 'payment_method']),
      balance: null,
      balance_refresh: null,
      account_holder: { customer: customer.id },
    });

    const started = await emulatorNow(running);
    const pending = await running.stripe.financialConnections.accounts.refresh(linked.accountId, {
      features: ['balance'],
    });
    // docs.stripe.com/api/financial_connections/accounts/object#balance_refresh: next_refresh_available_at is null while pending.
    expect(pending).toMatchObject({
      balance: null,
      balance_refresh: { status: 'pending', last_attempted_at: started, next_refresh_available_at: null },
    });
    const refreshedEvents = () =>
      running.emulator.runtime.store.events.filter(
        (event) => event.type === 'financial_connections.account.refreshed_balance',
      );
    expect(refreshedEvents()).toHaveLength(0);

    await advanceClock(running, 31);
    const refreshed = await running.stripe.financialConnections.accounts.retrieve(linked.accountId);
    expect(refreshed.balance).toMatchObject({
      type: 'cash',
      cash: { available: { usd: 4_200 } },
      current: { usd: 4_200 },
    });
    expect(refreshed.balance_refresh).toMatchObject({
      status: 'succeeded',
      next_refresh_available_at: await emulatorNow(running),
    });
    expect(refreshedEvents()).toHaveLength(1);
    expect(refreshedEvents()[0].data.object).toMatchObject({
      id: linked.accountId,
      balance_refresh: { status: 'succeeded' },
    });

    // A change at the bank shows only after the next refresh.
    await running.control('POST', `/_emulator/financial_connections/accounts/${linked.accountId}/balance`, {
      balance: 99,
    });
    expect(
      (await running.stripe.financialConnections.accounts.retrieve(linked.accountId)).balance?.cash?.available?.usd,
    ).toBe(4_200);
    await running.stripe.financialConnections.accounts.refresh(linked.accountId, { features: ['balance'] });
    const now = await emulatorNow(running);
    await advanceClock(running, 31);
    const again = await running.stripe.financialConnections.accounts.retrieve(linked.accountId);
    expect(again.balance?.cash?.available?.usd).toBe(99);
    expect(again.balance?.as_of).toBeGreaterThan(now);

    const paymentMethod = await running.stripe.paymentMethods.retrieve(linked.paymentMethodId);
    expect(paymentMethod.us_bank_account?.financial_connections_account).toBe(linked.accountId);
    const instant = await running.stripe.paymentIntents.create(
      bankDebitParams(linked.paymentMethodId, {
        customer: customer.id,
        payment_method_options: { us_bank_account: { verification_method: 'instant' } },
      }),
    );
    expect(instant.status).toBe('processing');
  });

  it('reports a refresh the bank fails as failed, balance still null, and one that stalls stays pending until completed', async () => {
    const failing = await running.control('POST', '/_emulator/financial_connections/accounts', {
      balanceRefresh: 'failed',
    });
    await running.stripe.financialConnections.accounts.refresh(failing.accountId, { features: ['balance'] });
    await advanceClock(running, 31);
    expect(await running.stripe.financialConnections.accounts.retrieve(failing.accountId)).toMatchObject({
      balance: null,
      balance_refresh: { status: 'failed' },
    });

    const stalled = await running.control('POST', '/_emulator/financial_connections/accounts', {
      balance: 700,
      balanceRefresh: 'stalled',
    });
    await running.stripe.financialConnections.accounts.refresh(stalled.accountId, { features: ['balance'] });
    await advanceClock(running, 3_600);
    expect(
      (await running.stripe.financialConnections.accounts.retrieve(stalled.accountId)).balance_refresh?.status,
    ).toBe('pending');
    await running.control('POST', `/_emulator/financial_connections/accounts/${stalled.accountId}/refresh/complete`, {
      status: 'succeeded',
    });
    expect(
      (await running.stripe.financialConnections.accounts.retrieve(stalled.accountId)).balance?.cash?.available?.usd,
    ).toBe(700);
  });

  it('has no balance without the balances permission and refuses to refresh it', async () => {
    const linked = await running.control('POST', '/_emulator/financial_connections/accounts', {
      permissions: ['payment_method'],
    });
    const account = await running.stripe.financialConnections.accounts.retrieve(linked.accountId);
    expect(account.balance).toBeNull();
    await expect(
      running.stripe.financialConnections.accounts.refresh(linked.accountId, { features: ['balance'] }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('links a failing test account whose debit then fails as that account does', async () => {
    const linked = await running.control('POST', '/_emulator/financial_connections/accounts', {
      accountNumber: '000111111113',
    });
    const failed = await settledDebit(linked.paymentMethodId);
    expect(failed.last_payment_error?.code).toBe('account_closed');
  });
});

describe('bank debits across an emulator restart', () => {
  it('keeps PaymentMethods, mandates, microdeposits, refunds and pending settlements in the state file', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'stripe-emulator-ach-'));
    const stateFile = path.join(directory, 'state.json');
    try {
      const first = await startRunningEmulator({ stateFile, achSettlementSeconds: 600 });
      const waitingMethod = await manualBankAccount(first);
      const waiting = await first.stripe.paymentIntents.create(bankDebitParams(waitingMethod.id));
      const processing = await first.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_success'));
      await first.close();
      expect(readFileSync(stateFile, 'utf8')).not.toContain('000123456789');

      const second = await startRunningEmulator({ stateFile, achSettlementSeconds: 600 });
      try {
        expect(
          (await second.stripe.paymentIntents.verifyMicrodeposits(waiting.id, { descriptor_code: 'SM11AA' })).status,
        ).toBe('processing');
        await second.control('POST', '/_emulator/clock/advance', { seconds: 601 });
        expect((await second.stripe.paymentIntents.retrieve(processing.id)).status).toBe('succeeded');
        const refund = await second.stripe.refunds.create({ payment_intent: processing.id });
        expect(refund.status).toBe('pending');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('reads a state file written before bank debits existed', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'stripe-emulator-ach-old-'));
    const stateFile = path.join(directory, 'state.json');
    try {
      const old = await startRunningEmulator({ stateFile });
      await old.stripe.customers.create({ email: 'old@example.com' });
      await old.close();
      const document = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
      for (const added of ['mandates', 'refunds', 'disputes', 'financialConnectionsAccounts', 'bankDebits'])
        delete document[added];
      writeFileSync(stateFile, JSON.stringify(document));
      const reopened = await startRunningEmulator({ stateFile });
      try {
        expect(reopened.emulator.runtime.store.customers.size).toBe(1);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
