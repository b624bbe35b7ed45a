/**
 * Saving payment methods with SetupIntents (through each status Stripe gives a SetupIntent) and using them
 * later: 3-D Secure, microdeposits with the PaymentIntents' values, limits and 10-day expiry,
 * multi-use mandates, off-session reuse, revoked mandates and expired cards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { ONLINE_MANDATE, advanceClock, manualBankAccount } from '../../../harness/bank-debits.js';
import { startRunningEmulator, useRunningEmulator } from '../../../harness/running-emulator.js';

const running = useRunningEmulator({ achDisputeDelaySeconds: 3600 });

/** The types of the events recorded so far about `objectId`, oldest first. */
function eventTypesAbout(objectId: string): string[] {
  return running.emulator.runtime.store.events
    .filter((event) => (event.data.object as { id?: string }).id === objectId)
    .map((event) => event.type);
}

async function newCustomer(): Promise<Stripe.Customer> {
  return running.stripe.customers.create({ email: 'returning-guest@example.com' });
}

function saveCard(customer: string, paymentMethod: string) {
  return running.stripe.setupIntents.create({
    customer,
    payment_method: paymentMethod,
    usage: 'off_session',
    confirm: true,
  });
}

/** A bank account typed in by hand, saved for `customer` after microdeposits verified with SM11AA. */
async function savedBankAccount(customer: string, accountNumber = '000123456789'): Promise<Stripe.SetupIntent> {
  const paymentMethod = await manualBankAccount(running, accountNumber);
  const waiting = await saveBankAccount(customer, paymentMethod.id);
  return running.stripe.setupIntents.verifyMicrodeposits(waiting.id, { descriptor_code: 'SM11AA' });
}

function saveBankAccount(customer: string, paymentMethod: string) {
  return running.stripe.setupIntents.create({
    customer,
    payment_method: paymentMethod,
    payment_method_types: ['us_bank_account'],
    mandate_data: ONLINE_MANDATE,
    confirm: true,
  });
}

/** An off-session bank debit of $125 from a saved account, without mandate data. */
function offSessionDebit(
  customer: string,
  paymentMethod: string,
  extra: Partial<Stripe.PaymentIntentCreateParams> = {},
) {
  return running.stripe.paymentIntents.create({
    amount: 12_500,
    currency: 'usd',
    customer,
    payment_method_types: ['us_bank_account'],
    payment_method: paymentMethod,
    off_session: true,
    confirm: true,
    ...extra,
  });
}

/** An off-session $1 hold on a saved card. */
function offSessionHold(customer: string, paymentMethod: string) {
  return running.stripe.paymentIntents.create({
    amount: 100,
    currency: 'usd',
    capture_method: 'manual',
    customer,
    payment_method: paymentMethod,
    off_session: true,
    confirm: true,
  });
}

describe('card setup', () => {
  it('saves a card without 3-D Secure: succeeded, attached to the customer, listed', async () => {
    const customer = await newCustomer();
    const setupIntent = await saveCard(customer.id, 'pm_card_visa');
    expect(setupIntent).toMatchObject({
      status: 'succeeded',
      usage: 'off_session',
      mandate: null,
      last_setup_error: null,
    });
    const paymentMethod = setupIntent.payment_method as string;
    expect(eventTypesAbout(setupIntent.id)).toEqual(['setup_intent.created', 'setup_intent.succeeded']);
    expect(eventTypesAbout(paymentMethod)).toEqual(['payment_method.attached']);
    const listed = await running.stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(listed).toMatchObject({
      object: 'list',
      has_more: false,
      url: `/v1/customers/${customer.id}/payment_methods`,
    });
    expect(listed.data.map((method) => [method.id, method.card?.last4])).toEqual([[paymentMethod, '4242']]);
    expect((await running.stripe.customers.listPaymentMethods(customer.id, { type: 'us_bank_account' })).data).toEqual(
      [],
    );
  });

  it.each([
    ['pm_card_authenticationRequired', 'use_stripe_sdk', undefined],
    ['pm_card_threeDSecure2Required', 'redirect_to_url', 'https://bookings.example/saved'],
  ])(
    'asks for 3-D Secure with %s (%s), then saves the card once the customer authenticates',
    async (card, actionType, returnUrl) => {
      const customer = await newCustomer();
      const waiting = await running.stripe.setupIntents.create({
        customer: customer.id,
        payment_method: card,
        confirm: true,
        ...(returnUrl ? { return_url: returnUrl } : {}),
      });
      expect(waiting).toMatchObject({ status: 'requires_action', next_action: { type: actionType } });
      expect(await running.stripe.customers.listPaymentMethods(customer.id)).toMatchObject({ data: [] });
      await running.control('POST', `/_emulator/setup_intents/${waiting.id}/authenticate`, { outcome: 'succeed' });
      const saved = await running.stripe.setupIntents.retrieve(waiting.id);
      expect(saved.status).toBe('succeeded');
      expect(eventTypesAbout(waiting.id)).toEqual([
        'setup_intent.created',
        'setup_intent.requires_action',
        'setup_intent.succeeded',
      ]);
      expect((await running.stripe.customers.listPaymentMethods(customer.id)).data).toHaveLength(1);
    },
  );

  it('fails a refused challenge or a declining card with setup_failed, and can be retried with another card', async () => {
    const customer = await newCustomer();
    const waiting = await saveCard(customer.id, 'pm_card_threeDSecure2Required');
    await running.control('POST', `/_emulator/setup_intents/${waiting.id}/authenticate`, { outcome: 'fail' });
    const failed = await running.stripe.setupIntents.retrieve(waiting.id);
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      last_setup_error: { code: 'setup_intent_authentication_failure' },
    });
    expect(eventTypesAbout(waiting.id).at(-1)).toBe('setup_intent.setup_failed');
    await expect(
      running.control('POST', `/_emulator/setup_intents/${waiting.id}/authenticate`, { outcome: 'succeed' }),
    ).rejects.toThrow(/409/);

    await expect(
      running.stripe.setupIntents.confirm(waiting.id, { payment_method: 'pm_card_chargeDeclined' }),
    ).rejects.toMatchObject({
      statusCode: 402,
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    const retried = await running.stripe.setupIntents.confirm(waiting.id, { payment_method: 'pm_card_mastercard' });
    expect(retried.status).toBe('succeeded');
  });

  it('cancels before success, with a reason, and refuses to cancel or confirm afterwards', async () => {
    const customer = await newCustomer();
    const waiting = await saveCard(customer.id, 'pm_card_authenticationRequired');
    const canceled = await running.stripe.setupIntents.cancel(waiting.id, {
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
      next_action: null,
    });
    expect(eventTypesAbout(waiting.id).at(-1)).toBe('setup_intent.canceled');
    await expect(running.stripe.setupIntents.cancel(waiting.id)).rejects.toMatchObject({
      code: 'setup_intent_unexpected_state',
    });
    await expect(running.stripe.setupIntents.confirm(waiting.id)).rejects.toMatchObject({
      code: 'setup_intent_unexpected_state',
    });
    const saved = await saveCard(customer.id, 'pm_card_visa');
    await expect(running.stripe.setupIntents.cancel(saved.id)).rejects.toMatchObject({
      code: 'setup_intent_unexpected_state',
    });
  });
});

describe('bank account setup', () => {
  it('saves a typed-in account once the microdeposits are verified: multi-use mandate active, attached', async () => {
    const customer = await newCustomer();
    const paymentMethod = await manualBankAccount(running);
    const waiting = await saveBankAccount(customer.id, paymentMethod.id);
    expect(waiting).toMatchObject({ status: 'requires_action', next_action: { type: 'verify_with_microdeposits' } });
    expect(waiting.next_action?.verify_with_microdeposits?.hosted_verification_url).toContain(
      `/setup_intents/${waiting.id}/`,
    );
    expect(await running.stripe.mandates.retrieve(waiting.mandate as string)).toMatchObject({
      status: 'pending',
      type: 'multi_use',
    });

    const saved = await running.stripe.setupIntents.verifyMicrodeposits(waiting.id, { amounts: [32, 45] });
    expect(saved.status).toBe('succeeded');
    expect(await running.stripe.mandates.retrieve(saved.mandate as string)).toMatchObject({
      status: 'active',
      payment_method: paymentMethod.id,
    });
    expect(running.emulator.runtime.store.events.some((event) => event.type === 'mandate.updated')).toBe(true);
    expect(eventTypesAbout(paymentMethod.id)).toEqual(['payment_method.attached']);
  });

  it('verifies through the hosted verification page, as a customer would', async () => {
    const customer = await newCustomer();
    const waiting = await saveBankAccount(customer.id, (await manualBankAccount(running)).id);
    const page = await fetch(waiting.next_action?.verify_with_microdeposits?.hosted_verification_url ?? '');
    expect(await page.json()).toMatchObject({
      setupIntent: waiting.id,
      status: 'requires_action',
      microdepositType: 'descriptor_code',
    });
    await running.control('POST', `/_emulator/setup_intents/${waiting.id}/verify_microdeposits`, {
      descriptor_code: 'SM11AA',
    });
    expect((await running.stripe.setupIntents.retrieve(waiting.id)).status).toBe('succeeded');
  });

  it('counts amount mismatches down from 3, then fails with attempts exceeded and an inactive mandate', async () => {
    const customer = await newCustomer();
    const waiting = await saveBankAccount(customer.id, (await manualBankAccount(running)).id);
    for (const remaining of [2, 1]) {
      await expect(
        running.stripe.setupIntents.verifyMicrodeposits(waiting.id, { amounts: [12, 34] }),
      ).rejects.toMatchObject({
        code: 'payment_method_microdeposit_verification_amounts_mismatch',
        message: expect.stringContaining(`${remaining} verification attempts remaining`),
      });
    }
    await expect(
      running.stripe.setupIntents.verifyMicrodeposits(waiting.id, { amounts: [12, 34] }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_method_microdeposit_verification_attempts_exceeded',
    });
    const failed = await running.stripe.setupIntents.retrieve(waiting.id);
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      last_setup_error: { code: 'payment_method_microdeposit_verification_attempts_exceeded' },
    });
    expect(eventTypesAbout(waiting.id).at(-1)).toBe('setup_intent.setup_failed');
    expect((await running.stripe.mandates.retrieve(waiting.mandate as string)).status).toBe('inactive');
    expect((await running.stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
  });

  it('expires the verification 10 days after the microdeposits were sent, when the clock moves', async () => {
    const customer = await newCustomer();
    const waiting = await saveBankAccount(customer.id, (await manualBankAccount(running)).id);
    await advanceClock(running, 10 * 86_400 - 60);
    expect((await running.stripe.setupIntents.retrieve(waiting.id)).status).toBe('requires_action');
    await advanceClock(running, 120);
    expect(await running.stripe.setupIntents.retrieve(waiting.id)).toMatchObject({
      status: 'requires_payment_method',
      last_setup_error: { code: 'payment_method_microdeposit_verification_timeout' },
    });
    await expect(
      running.stripe.setupIntents.verifyMicrodeposits(waiting.id, { descriptor_code: 'SM11AA' }),
    ).rejects.toMatchObject({
      code: 'setup_intent_unexpected_state',
    });
  });

  it('saves an instantly verified account at once, and needs mandate acceptance', async () => {
    const customer = await newCustomer();
    await expect(
      running.stripe.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_usBankAccount_success',
        payment_method_types: ['us_bank_account'],
        confirm: true,
      }),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('requires a mandate') });
    const saved = await saveBankAccount(customer.id, 'pm_usBankAccount_success');
    expect(saved.status).toBe('succeeded');
    expect(await running.stripe.mandates.retrieve(saved.mandate as string)).toMatchObject({
      status: 'active',
      type: 'multi_use',
    });
  });
});

describe('using saved payment methods off-session', () => {
  it('holds on a saved card off-session without 3-D Secure, even for a card that needed it when saved', async () => {
    const customer = await newCustomer();
    const visa = await saveCard(customer.id, 'pm_card_visa');
    expect((await offSessionHold(customer.id, visa.payment_method as string)).status).toBe('requires_capture');

    const challenged = await saveCard(customer.id, 'pm_card_authenticationRequiredOnSetup');
    await running.control('POST', `/_emulator/setup_intents/${challenged.id}/authenticate`, { outcome: 'succeed' });
    expect((await offSessionHold(customer.id, challenged.payment_method as string)).status).toBe('requires_capture');
  });

  it.each(['pm_card_threeDSecure2Required', 'pm_card_authenticationRequired'])(
    'declines off-session with authentication_required a card that always asks for 3-D Secure (%s)',
    async (card) => {
      const customer = await newCustomer();
      const saved = await saveCard(customer.id, card);
      await running.control('POST', `/_emulator/setup_intents/${saved.id}/authenticate`, { outcome: 'succeed' });
      await expect(offSessionHold(customer.id, saved.payment_method as string)).rejects.toMatchObject({
        statusCode: 402,
        code: 'authentication_required',
      });
    },
  );

  it('declines a saved card that has since expired with expired_card', async () => {
    const customer = await newCustomer();
    const saved = await saveCard(customer.id, 'pm_card_visa');
    const expired = await running.control(
      'POST',
      `/_emulator/payment_methods/${saved.payment_method as string}/expire`,
    );
    expect(expired.card.exp_year).toBeLessThan(new Date().getUTCFullYear());
    await expect(offSessionHold(customer.id, saved.payment_method as string)).rejects.toMatchObject({
      statusCode: 402,
      code: 'expired_card',
    });
  });

  it('debits a saved bank account with its mandate: no mandate data, no microdeposits, named or implied', async () => {
    const customer = await newCustomer();
    const saved = await savedBankAccount(customer.id);
    const implied = await offSessionDebit(customer.id, saved.payment_method as string, { expand: ['latest_charge'] });
    expect(implied.status).toBe('processing');
    expect((implied.latest_charge as Stripe.Charge).payment_method_details?.us_bank_account?.mandate).toBe(
      saved.mandate,
    );
    const named = await offSessionDebit(customer.id, saved.payment_method as string, {
      mandate: saved.mandate as string,
    });
    expect(named.status).toBe('processing');
    expect(running.emulator.runtime.store.mandates.size).toBe(1);
  });

  it('refuses a revoked mandate with payment_intent_mandate_invalid, named or implied', async () => {
    const customer = await newCustomer();
    const saved = await savedBankAccount(customer.id);
    const revoked = await running.control('POST', `/_emulator/mandates/${saved.mandate as string}/revoke`);
    expect(revoked.status).toBe('inactive');
    await expect(running.control('POST', `/_emulator/mandates/${saved.mandate as string}/revoke`)).rejects.toThrow(
      /409/,
    );
    await expect(offSessionDebit(customer.id, saved.payment_method as string)).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_intent_mandate_invalid',
    });
    await expect(
      offSessionDebit(customer.id, saved.payment_method as string, { mandate: saved.mandate as string }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_intent_mandate_invalid',
      param: 'mandate',
    });
  });

  it('revokes the mandate when a debit from the saved account is disputed (000555555559), refusing the next debit', async () => {
    const customer = await newCustomer();
    const saved = await savedBankAccount(customer.id, '000555555559');
    const debit = await offSessionDebit(customer.id, saved.payment_method as string);
    await running.control('POST', `/_emulator/payment_intents/${debit.id}/settle`);
    await advanceClock(running, 3600);
    expect((await running.stripe.mandates.retrieve(saved.mandate as string)).status).toBe('inactive');
    await expect(offSessionDebit(customer.id, saved.payment_method as string)).rejects.toMatchObject({
      code: 'payment_intent_mandate_invalid',
    });
  });

  it('detaches a saved method: payment_method.detached, gone from the list', async () => {
    const customer = await newCustomer();
    const saved = await saveCard(customer.id, 'pm_card_visa');
    const detached = await running.stripe.paymentMethods.detach(saved.payment_method as string);
    expect(detached.customer).toBeNull();
    expect(eventTypesAbout(detached.id)).toEqual(['payment_method.attached', 'payment_method.detached']);
    expect((await running.stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
    await expect(running.stripe.customers.listPaymentMethods('cus_missing')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('saved payment methods across an emulator restart', () => {
  it('keeps SetupIntents, their pending microdeposits and the set-up flag of cards in the state file', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'stripe-emulator-setup-'));
    const stateFile = path.join(directory, 'state.json');
    try {
      const first = await startRunningEmulator({ stateFile });
      const customer = await first.stripe.customers.create({ email: 'restart@example.com' });
      const card = await first.stripe.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_card_authenticationRequiredOnSetup',
        confirm: true,
      });
      await first.control('POST', `/_emulator/setup_intents/${card.id}/authenticate`, { outcome: 'succeed' });
      const bank = await first.stripe.setupIntents.create({
        customer: customer.id,
        payment_method: (await manualBankAccount(first)).id,
        payment_method_types: ['us_bank_account'],
        mandate_data: ONLINE_MANDATE,
        confirm: true,
      });
      await first.close();

      const second = await startRunningEmulator({ stateFile });
      try {
        expect(
          (await second.stripe.setupIntents.verifyMicrodeposits(bank.id, { descriptor_code: 'SM11AA' })).status,
        ).toBe('succeeded');
        const saved = await second.stripe.setupIntents.retrieve(card.id);
        const hold = await second.stripe.paymentIntents.create({
          amount: 100,
          currency: 'usd',
          capture_method: 'manual',
          customer: customer.id,
          payment_method: saved.payment_method as string,
          off_session: true,
          confirm: true,
        });
        expect(hold.status).toBe('requires_capture');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
