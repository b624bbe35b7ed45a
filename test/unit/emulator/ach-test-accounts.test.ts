/** Each of Stripe's ACH test accounts (routing 110000000) behaves in the emulator as in Stripe test mode. */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { bankDebitParams, eventTypesOf, manualBankAccount } from '../../../harness/bank-debits.js';
import { refusal, useRunningEmulator } from '../../../harness/running-emulator.js';

const running = useRunningEmulator({ achDisputeDelaySeconds: 3600 });

async function debitAndSettle(token: string): Promise<Stripe.PaymentIntent> {
  const created = await running.stripe.paymentIntents.create(bankDebitParams(token));
  expect(created.status).toBe('processing');
  await running.control('POST', `/_emulator/payment_intents/${created.id}/settle`);
  return running.stripe.paymentIntents.retrieve(created.id, { expand: ['latest_charge'] });
}

describe('ACH test accounts', () => {
  it('000123456789 succeeds: charge succeeded with a payment reference, events in order', async () => {
    const settled = await debitAndSettle('pm_usBankAccount_success');
    expect(settled).toMatchObject({ status: 'succeeded', amount_received: 12_500 });
    const charge = settled.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({
      status: 'succeeded',
      paid: true,
      payment_method_details: { type: 'us_bank_account' },
    });
    expect(charge.payment_method_details?.us_bank_account).toMatchObject({
      last4: '6789',
      routing_number: '110000000',
    });
    expect(charge.payment_method_details?.us_bank_account?.payment_reference).toMatch(/^\d{15}$/);
    expect(eventTypesOf(running, settled.id)).toEqual([
      'payment_intent.created',
      'charge.pending',
      'payment_intent.processing',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
  });

  it.each([
    ['pm_usBankAccount_accountClosed', 'account_closed', 'inactive'],
    ['pm_usBankAccount_noAccount', 'no_account', 'inactive'],
    ['pm_usBankAccount_insufficientFunds', 'insufficient_funds', 'active'],
    ['pm_usBankAccount_debitNotAuthorized', 'debit_not_authorized', 'inactive'],
    ['pm_usBankAccount_invalidCurrency', 'invalid_currency', 'active'],
  ])('%s fails at settlement with %s (mandate %s)', async (token, code, mandateStatus) => {
    const failed = await debitAndSettle(token);
    expect(failed).toMatchObject({ status: 'requires_payment_method', payment_method: null });
    expect(failed.last_payment_error).toMatchObject({ code, type: 'invalid_request_error' });
    const charge = failed.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ status: 'failed', failure_code: code });
    expect(charge.payment_method_details?.us_bank_account?.payment_reference).toBeNull();
    expect(eventTypesOf(running, failed.id).slice(-2)).toEqual(['charge.failed', 'payment_intent.payment_failed']);
    const mandate = await running.stripe.mandates.retrieve(
      charge.payment_method_details?.us_bank_account?.mandate as string,
    );
    expect(mandate.status).toBe(mandateStatus);
  });

  it('000000004954 is blocked by Radar at confirmation (402), with a blocked charge', async () => {
    const error = await refusal(() =>
      running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_riskLevelHighest')),
    );
    expect(error.statusCode).toBe(402);
    const paymentIntent = error.payment_intent as Stripe.PaymentIntent;
    expect(paymentIntent.status).toBe('requires_payment_method');
    const charge = await running.stripe.charges.retrieve(paymentIntent.latest_charge as string);
    expect(charge).toMatchObject({ status: 'failed', outcome: { type: 'blocked', risk_level: 'highest' } });
    expect(eventTypesOf(running, paymentIntent.id)).toContain('payment_intent.payment_failed');
  });

  it('000777777771 exceeds the weekly volume limit at confirmation', async () => {
    const error = await refusal(() =>
      running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_weeklyLimitExceeded')),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'charge_exceeds_source_limit' });
    expect((error.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');
  });

  it('000666666661 fails to send microdeposits: payment_method_microdeposit_failed', async () => {
    const paymentMethod = await manualBankAccount(running, '000666666661');
    const error = await refusal(() => running.stripe.paymentIntents.create(bankDebitParams(paymentMethod.id)));
    expect(error).toMatchObject({ statusCode: 400, code: 'payment_method_microdeposit_failed' });
    const paymentIntent = error.payment_intent as Stripe.PaymentIntent;
    expect(paymentIntent.last_payment_error?.code).toBe('payment_method_microdeposit_failed');
    expect(paymentIntent.status).toBe('requires_payment_method');
    // The token of that account fails the same way.
    await expect(
      running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_failMicrodeposits')),
    ).rejects.toMatchObject({
      code: 'payment_method_microdeposit_failed',
    });
  });

  it('000000000009 stays processing however far the clock moves, and can still be canceled', async () => {
    const created = await running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_processing'));
    await running.control('POST', '/_emulator/clock/advance', { seconds: 60 * 86_400 });
    expect((await running.stripe.paymentIntents.retrieve(created.id)).status).toBe('processing');
    const canceled = await running.stripe.paymentIntents.cancel(created.id);
    expect(canceled.status).toBe('canceled');
  });

  it('000555555559 succeeds, then is disputed later on the clock; the mandate becomes inactive; closing sends charge.dispute.closed', async () => {
    const settled = await debitAndSettle('pm_usBankAccount_dispute');
    expect(settled.status).toBe('succeeded');
    const charge = settled.latest_charge as Stripe.Charge;
    expect(charge.disputed).toBe(false);
    await running.control('POST', '/_emulator/clock/advance', { seconds: 3600 });
    const disputedCharge = await running.stripe.charges.retrieve(charge.id);
    expect(disputedCharge.disputed).toBe(true);
    const disputeEvent = running.emulator.runtime.store.events.find((event) => event.type === 'charge.dispute.created');
    const dispute = disputeEvent?.data.object as Stripe.Dispute;
    expect(dispute).toMatchObject({
      charge: charge.id,
      payment_intent: settled.id,
      amount: 12_500,
      status: 'needs_response',
    });
    const mandate = await running.stripe.mandates.retrieve(
      charge.payment_method_details?.us_bank_account?.mandate as string,
    );
    expect(mandate.status).toBe('inactive');

    const closed = await running.control('POST', `/_emulator/disputes/${dispute.id}/close`, { status: 'won' });
    expect(closed.status).toBe('won');
    expect((await running.stripe.disputes.retrieve(dispute.id)).status).toBe('won');
    expect(running.emulator.runtime.store.events.map((event) => event.type)).toContain('charge.dispute.closed');
    await expect(
      running.control('POST', `/_emulator/disputes/${dispute.id}/close`, { status: 'lost' }),
    ).rejects.toThrow(/409/);
  });

  it('refuses a debit in another currency than usd', async () => {
    const error = await refusal(() =>
      running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_success', { currency: 'eur' })),
    );
    expect(error).toMatchObject({ statusCode: 400, param: 'currency' });
    expect(error.message).toContain('usd');
  });
});
