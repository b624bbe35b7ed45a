/** Microdeposit verification: Stripe's test values, Stripe's attempt limits, the 10-day expiry on the emulator clock, mandates. */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { addBusinessDays } from '../../../emulator/bank-debits/ach-timings.js';
import {
  advanceClock,
  bankDebitParams,
  emulatorNow,
  eventTypesOf,
  manualBankAccount,
} from '../../../harness/bank-debits.js';
import { useRunningEmulator } from '../../../harness/running-emulator.js';

const running = useRunningEmulator();

async function awaitingMicrodeposits(
  extra: Partial<Stripe.PaymentIntentCreateParams> = {},
): Promise<Stripe.PaymentIntent> {
  const paymentMethod = await manualBankAccount(running);
  const paymentIntent = await running.stripe.paymentIntents.create(bankDebitParams(paymentMethod.id, extra));
  expect(paymentIntent.status).toBe('requires_action');
  return paymentIntent;
}

function verify(id: string, proof: Stripe.PaymentIntentVerifyMicrodepositsParams) {
  return running.stripe.paymentIntents.verifyMicrodeposits(id, proof);
}

describe('microdeposit verification', () => {
  it('sends microdeposits for a typed-in account: requires_action with arrival date, hosted URL and a descriptor code', async () => {
    const now = await emulatorNow(running);
    const paymentIntent = await awaitingMicrodeposits();
    const next = paymentIntent.next_action?.verify_with_microdeposits;
    expect(paymentIntent.next_action?.type).toBe('verify_with_microdeposits');
    expect(next?.microdeposit_type).toBe('descriptor_code');
    expect(next?.arrival_date).toBeGreaterThanOrEqual(addBusinessDays(now, 1) - 5);
    expect(next?.arrival_date).toBeLessThanOrEqual(addBusinessDays(now, 2) + 5);
    expect(next?.hosted_verification_url).toContain(paymentIntent.id);
    expect(eventTypesOf(running, paymentIntent.id)).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
    ]);
    const mandateRecord = running.emulator.runtime.store.bankDebits.get(paymentIntent.id);
    expect(running.emulator.runtime.store.mandates.get(mandateRecord?.mandateId ?? '')?.status).toBe('pending');
  });

  it.each([
    ['descriptor code SM11AA', { descriptor_code: 'SM11AA' }],
    ['amounts 32 and 45', { amounts: [32, 45] }],
  ])(
    'verifies with %s: processing, mandate active, and the account needs no microdeposits next time',
    async (_name, proof) => {
      const paymentIntent = await awaitingMicrodeposits({ setup_future_usage: 'off_session' });
      const processing = await verify(paymentIntent.id, proof);
      expect(processing.status).toBe('processing');
      expect(eventTypesOf(running, paymentIntent.id).slice(-2)).toEqual([
        'charge.pending',
        'payment_intent.processing',
      ]);
      expect(running.emulator.runtime.store.events.some((event) => event.type === 'mandate.updated')).toBe(true);

      // Saved with a multi-use mandate: a later debit needs neither microdeposits nor new mandate data.
      const again = await running.stripe.paymentIntents.create({
        ...bankDebitParams(processing.payment_method as string),
        mandate_data: undefined,
      });
      expect(again.status).toBe('processing');
    },
  );

  it('counts descriptor code mismatches down from 10, then exceeds the attempts', async () => {
    const paymentIntent = await awaitingMicrodeposits();
    for (let remaining = 9; remaining >= 1; remaining -= 1) {
      await expect(verify(paymentIntent.id, { descriptor_code: 'SM99ZZ' })).rejects.toMatchObject({
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_descriptor_code_mismatch',
        message: expect.stringContaining(`${remaining} verification attempts remaining`),
      });
    }
    await expect(verify(paymentIntent.id, { descriptor_code: 'SM99ZZ' })).rejects.toMatchObject({
      code: 'payment_method_microdeposit_verification_attempts_exceeded',
    });
    const failed = await running.stripe.paymentIntents.retrieve(paymentIntent.id);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error?.code).toBe('payment_method_microdeposit_verification_attempts_exceeded');
  });

  it('counts amount mismatches down from 3, then exceeds the attempts', async () => {
    const paymentIntent = await awaitingMicrodeposits();
    for (const remaining of [2, 1]) {
      await expect(verify(paymentIntent.id, { amounts: [12, 34] })).rejects.toMatchObject({
        code: 'payment_method_microdeposit_verification_amounts_mismatch',
        message: expect.stringContaining(`${remaining} verification attempts remaining`),
      });
    }
    await expect(verify(paymentIntent.id, { amounts: [12, 34] })).rejects.toMatchObject({
      code: 'payment_method_microdeposit_verification_attempts_exceeded',
    });
    expect((await running.stripe.paymentIntents.retrieve(paymentIntent.id)).status).toBe('requires_payment_method');
  });

  it.each([
    ['SM33CC', { descriptor_code: 'SM33CC' }, 'payment_method_microdeposit_verification_attempts_exceeded'],
    ['10 and 11', { amounts: [10, 11] }, 'payment_method_microdeposit_verification_attempts_exceeded'],
    ['SM44DD', { descriptor_code: 'SM44DD' }, 'payment_method_microdeposit_verification_timeout'],
    ['40 and 41', { amounts: [40, 41] }, 'payment_method_microdeposit_verification_timeout'],
  ])(
    '%s simulates %s: requires_payment_method with last_payment_error and payment_failed',
    async (_name, proof, code) => {
      const paymentIntent = await awaitingMicrodeposits();
      await expect(verify(paymentIntent.id, proof)).rejects.toMatchObject({ statusCode: 400, code });
      const failed = await running.stripe.paymentIntents.retrieve(paymentIntent.id);
      expect(failed).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code } });
      expect(eventTypesOf(running, paymentIntent.id).at(-1)).toBe('payment_intent.payment_failed');
    },
  );

  it('expires the verification 10 days after the microdeposits were sent, when the clock moves', async () => {
    const paymentIntent = await awaitingMicrodeposits();
    await advanceClock(running, 10 * 86_400 - 60);
    expect((await running.stripe.paymentIntents.retrieve(paymentIntent.id)).status).toBe('requires_action');
    await advanceClock(running, 120);
    const expired = await running.stripe.paymentIntents.retrieve(paymentIntent.id);
    expect(expired).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'payment_method_microdeposit_verification_timeout' },
    });
    const failedEvent = running.emulator.runtime.store.events.find(
      (event) => event.type === 'payment_intent.payment_failed',
    );
    expect(failedEvent?.request).toEqual({ id: null, idempotency_key: null });
    await expect(verify(paymentIntent.id, { descriptor_code: 'SM11AA' })).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
  });

  it('refuses verification of a PaymentIntent that is not waiting for microdeposits, and malformed proofs', async () => {
    const processing = await running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_success'));
    await expect(verify(processing.id, { descriptor_code: 'SM11AA' })).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    const waiting = await awaitingMicrodeposits();
    await expect(verify(waiting.id, { amounts: [32] })).rejects.toMatchObject({
      code: 'payment_method_microdeposit_verification_amounts_invalid',
    });
    await expect(verify(waiting.id, { descriptor_code: 'XX11AA' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'descriptor_code',
    });
  });

  it('needs mandate acceptance to confirm, with IP address and user agent for online acceptance', async () => {
    const noMandate = running.stripe.paymentIntents.create({
      ...bankDebitParams('pm_usBankAccount_success'),
      mandate_data: undefined,
    });
    await expect(noMandate).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('This PaymentIntent requires a mandate, but no existing mandate was found.'),
    });
    const noUserAgent = running.stripe.paymentIntents.create({
      ...bankDebitParams('pm_usBankAccount_success'),
      mandate_data: { customer_acceptance: { type: 'online', online: { ip_address: '203.0.113.7' } } as never },
    });
    await expect(noUserAgent).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'mandate_data[customer_acceptance][online][user_agent]',
    });
  });

  it('verifies through the hosted verification page, as a customer would', async () => {
    const paymentIntent = await awaitingMicrodeposits();
    const url = new URL(paymentIntent.next_action?.verify_with_microdeposits?.hosted_verification_url ?? '');
    expect((await running.control('GET', url.pathname)).microdepositType).toBe('descriptor_code');
    await expect(running.control('POST', url.pathname, { descriptor_code: 'SM00XX' })).rejects.toThrow(
      /400[\s\S]*descriptor_code_mismatch/,
    );
    expect((await running.control('POST', url.pathname, { descriptor_code: 'SM11AA' })).status).toBe('processing');
  });

  it('refuses instant-only verification of an account typed in by hand', async () => {
    const paymentMethod = await manualBankAccount(running);
    const instantOnly = running.stripe.paymentIntents.create(
      bankDebitParams(paymentMethod.id, {
        payment_method_options: { us_bank_account: { verification_method: 'instant' } },
      }),
    );
    await expect(instantOnly).rejects.toMatchObject({
      statusCode: 400,
      param: 'payment_method_options[us_bank_account][verification_method]',
    });
  });
});

describe('microdeposits carrying amounts', () => {
  const amounts = useRunningEmulator({ achMicrodepositType: 'amounts' });

  it('asks for amounts when the emulator is configured so', async () => {
    const paymentMethod = await manualBankAccount(amounts);
    const paymentIntent = await amounts.stripe.paymentIntents.create(bankDebitParams(paymentMethod.id));
    expect(paymentIntent.next_action?.verify_with_microdeposits?.microdeposit_type).toBe('amounts');
    expect(
      (await amounts.stripe.paymentIntents.verifyMicrodeposits(paymentIntent.id, { amounts: [45, 32] })).status,
    ).toBe('processing');
  });
});
