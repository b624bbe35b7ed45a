import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSavedPaymentMethods } from '../../db/saved-payment-methods.js';
import { FailureTypes, MICRODEPOSIT_VALIDITY_SECONDS } from '../../workflows/booking/contract.js';
import {
  cancelSetupUpdate,
  setupIntentReadyUpdate,
  setupStateQuery,
  verifySetupMicrodepositsUpdate,
  type PaymentMethodSetupState,
} from '../../workflows/setup/contract.js';
import { ONLINE_MANDATE } from '../../harness/bank-debits.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
import { waitFor } from '../../harness/wait-for.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness({ achMicrodepositType: 'descriptor_code' });
});

afterAll(async () => {
  await harness?.stop();
});

/** Starts a setup and waits until Stripe has its SetupIntent, as the API does before answering. */
async function startSetupWithIntent(type: 'card' | 'us_bank_account' = 'card') {
  const handle = await harness.startSetup({ type });
  const ready = await handle.executeUpdate(setupIntentReadyUpdate);
  return { handle, ready };
}

/** Confirms the SetupIntent with a card, as Stripe.js does in the customer's browser; a refusal is Stripe's answer, not an error. */
async function confirmWithCard(setupIntentId: string, paymentMethod: string): Promise<void> {
  await harness.stripe.setupIntents
    .confirm(setupIntentId, { payment_method: paymentMethod })
    .catch((error: unknown) => {
      if ((error as Stripe.errors.StripeError).type !== 'StripeCardError') throw error;
    });
}

/** A bank account typed in by hand (so verified by microdeposits), confirmed with the customer's mandate acceptance. */
async function confirmWithTypedInBankAccount(setupIntentId: string): Promise<string> {
  const paymentMethod = await harness.stripe.paymentMethods.create({
    type: 'us_bank_account',
    us_bank_account: { account_number: '000123456789', routing_number: '110000000', account_holder_type: 'individual' },
    billing_details: { name: 'Test Guest', email: 'guest@example.com' },
  });
  await harness.stripe.setupIntents.confirm(setupIntentId, {
    payment_method: paymentMethod.id,
    mandate_data: ONLINE_MANDATE,
  });
  return paymentMethod.id;
}

async function relayAll(handle: WorkflowHandle, setupId: string): Promise<void> {
  await harness.relaySetup(setupId, await harness.setupEventsFor(setupId));
  await handle.query(setupStateQuery);
}

/** Starts a bank account setup and brings it to the point where the customer reads the microdeposits. */
async function bankSetupAwaitingMicrodeposits() {
  const { handle, ready } = await startSetupWithIntent('us_bank_account');
  await confirmWithTypedInBankAccount(ready.setupIntentId!);
  await relayAll(handle, ready.setupId);
  const waiting = await harness.waitForSetupStatus(handle, 'requires_action');
  return { handle, waiting };
}

/** The workflow's run has ended (without time being skipped for it). */
async function workflowEnded(handle: WorkflowHandle): Promise<void> {
  await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED', {
    description: `${handle.workflowId} completed`,
  });
}

function failureTypeOf(error: unknown): string | null | undefined {
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((error as WorkflowUpdateFailedError).cause as ApplicationFailure).type;
}

describe('saving a payment method (time-skipping)', () => {
  it('saves a card without 3-D Secure once the customer confirms it, and records brand, last four and expiry', async () => {
    const { handle, ready } = await startSetupWithIntent('card');
    expect(ready.status).toBe('requires_payment_method');
    expect(ready.setupIntentId).toMatch(/^seti_/);
    const setupIntent = await harness.stripe.setupIntents.retrieve(ready.setupIntentId!);
    expect(setupIntent).toMatchObject({
      usage: 'off_session',
      customer: ready.stripeCustomerId,
      payment_method_types: ['card'],
    });

    await confirmWithCard(ready.setupIntentId!, 'pm_card_visa');
    await relayAll(handle, ready.setupId);
    const final: PaymentMethodSetupState = await handle.result();
    await harness.recordHistory(handle, 'setup-card');

    expect(final.status).toBe('succeeded');
    expect(final.saved).toMatchObject({
      paymentMethodId: final.paymentMethodId,
      customerId: final.customerId,
      type: 'card',
      brand: 'visa',
      last4: '4242',
      expMonth: expect.any(Number),
      expYear: expect.any(Number),
      mandate: null,
      status: 'active',
      setupId: final.setupId,
    });
    expect(await listSavedPaymentMethods(harness.db, final.customerId)).toEqual([final.saved]);
    const attached = await harness.stripe.customers.listPaymentMethods(final.stripeCustomerId!);
    expect(attached.data.map((method) => method.id)).toEqual([final.paymentMethodId]);
  });

  it('waits for 3-D Secure, then saves the card once the customer authenticates', async () => {
    const { handle, ready } = await startSetupWithIntent('card');
    await confirmWithCard(ready.setupIntentId!, 'pm_card_authenticationRequiredOnSetup');
    await relayAll(handle, ready.setupId);
    const waiting = await harness.waitForSetupStatus(handle, 'requires_action');
    expect(waiting.reason).toMatch(/3-D Secure/);
    expect(waiting.saved).toBeNull();
    expect(await listSavedPaymentMethods(harness.db, waiting.customerId)).toEqual([]);

    await harness.control('POST', `/_emulator/setup_intents/${ready.setupIntentId}/authenticate`, {
      outcome: 'succeed',
    });
    await relayAll(handle, ready.setupId);
    const final: PaymentMethodSetupState = await handle.result();
    await harness.recordHistory(handle, 'setup-card-3ds');

    expect(final.status).toBe('succeeded');
    expect(final.saved).toMatchObject({ type: 'card', brand: 'visa', last4: '3155', status: 'active' });
    expect(await listSavedPaymentMethods(harness.db, final.customerId)).toEqual([final.saved]);
  });

  it('cancels the SetupIntent at the completion deadline when 3-D Secure is never completed', async () => {
    const { handle, ready } = await startSetupWithIntent('card');
    await confirmWithCard(ready.setupIntentId!, 'pm_card_authenticationRequired');
    await relayAll(handle, ready.setupId);
    await harness.waitForSetupStatus(handle, 'requires_action');

    const final: PaymentMethodSetupState = await handle.result();
    await harness.recordHistory(handle, 'setup-card-3ds-abandoned');

    expect(final.status).toBe('canceled');
    expect(final.reason).toBe('the customer did not finish saving the payment method in time');
    expect(Date.parse(final.updatedAt)).toBeGreaterThanOrEqual(Date.parse(ready.deadline!));
    expect(await harness.stripe.setupIntents.retrieve(ready.setupIntentId!)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'abandoned',
    });
    expect(await listSavedPaymentMethods(harness.db, final.customerId)).toEqual([]);
  });

  it('lets the customer try another card after the issuer refuses the first, on the same SetupIntent', async () => {
    const { handle, ready } = await startSetupWithIntent('card');
    await confirmWithCard(ready.setupIntentId!, 'pm_card_chargeDeclined');
    await relayAll(handle, ready.setupId);
    const refused = await waitFor(
      async () => {
        const state = await handle.query(setupStateQuery);
        return state.failureCode !== null ? state : false;
      },
      { description: 'the refused card recorded' },
    );
    expect(refused).toMatchObject({ status: 'requires_payment_method', failureCode: 'generic_decline', done: false });

    await confirmWithCard(ready.setupIntentId!, 'pm_card_mastercard');
    await relayAll(handle, ready.setupId);
    const final: PaymentMethodSetupState = await handle.result();

    expect(final.status).toBe('succeeded');
    expect(final.saved).toMatchObject({ brand: 'mastercard', status: 'active' });
  });

  it('saves a bank account once the customer confirms the microdeposits, with its mandate, and ends there', async () => {
    const { handle, waiting } = await bankSetupAwaitingMicrodeposits();
    expect(waiting.microdeposits).toMatchObject({ type: 'descriptor_code', attemptsRemaining: 10 });
    expect(waiting.microdeposits!.hostedVerificationUrl).toMatch(/^http/);
    expect(waiting.deadline).toBe(waiting.microdeposits!.expiresAt);

    const wrong = await handle.executeUpdate(verifySetupMicrodepositsUpdate, { args: [{ descriptorCode: 'SM99ZZ' }] });
    expect([wrong.result, wrong.attemptsRemaining, wrong.setup.status]).toEqual(['mismatch', 9, 'requires_action']);
    const refusedAmounts = await handle
      .executeUpdate(verifySetupMicrodepositsUpdate, { args: [{ amounts: [32, 45] }] })
      .catch((error: unknown) => error);
    expect(failureTypeOf(refusedAmounts)).toBe(FailureTypes.InvalidUpdate);

    const verified = await handle.executeUpdate(verifySetupMicrodepositsUpdate, {
      args: [{ descriptorCode: 'SM11AA' }],
    });

    expect(verified.result).toBe('verified');
    expect(verified.setup.status).toBe('succeeded');
    expect(verified.setup.saved).toMatchObject({
      type: 'us_bank_account',
      bankName: 'STRIPE TEST BANK',
      last4: '6789',
      brand: null,
      expMonth: null,
      mandate: { id: expect.stringMatching(/^mandate_/), status: 'active' },
      status: 'active',
    });
    expect(await listSavedPaymentMethods(harness.db, waiting.customerId)).toEqual([verified.setup.saved]);
    // Nothing is left to wait for: the workflow ends now, not at the 10-day microdeposit deadline.
    await workflowEnded(handle);
    await harness.recordHistory(handle, 'setup-bank-microdeposits');
  });

  it('stops after the tenth wrong descriptor code, refuses an eleventh, and cancels at the completion deadline', async () => {
    const { handle, waiting } = await bankSetupAwaitingMicrodeposits();

    const outcomes: Array<[string, number]> = [];
    for (let i = 0; i < 10; i += 1) {
      const outcome = await handle.executeUpdate(verifySetupMicrodepositsUpdate, {
        args: [{ descriptorCode: `SM9${i}ZZ` }],
      });
      outcomes.push([outcome.result, outcome.attemptsRemaining]);
    }
    const exceeded = await handle.query(setupStateQuery);
    const eleventh = await handle
      .executeUpdate(verifySetupMicrodepositsUpdate, { args: [{ descriptorCode: 'SM11AA' }] })
      .catch((error: unknown) => error);

    expect(outcomes.slice(0, 9).map(([result]) => result)).toEqual(Array(9).fill('mismatch'));
    expect(outcomes.map(([, remaining]) => remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(outcomes[9][0]).toBe('attempts_exceeded');
    expect(exceeded).toMatchObject({
      status: 'requires_payment_method',
      failureCode: 'payment_method_microdeposit_verification_attempts_exceeded',
      microdeposits: null,
    });
    expect(failureTypeOf(eleventh)).toBe(FailureTypes.NotAwaitingVerification);
    const requests = await harness.control<{ data: Array<{ path: string }> }>('GET', '/_emulator/requests');
    const calls = requests.data.filter(
      (r) => r.path === `/v1/setup_intents/${waiting.setupIntentId}/verify_microdeposits`,
    );
    expect(calls).toHaveLength(10);

    const final: PaymentMethodSetupState = await handle.result();
    await harness.recordHistory(handle, 'setup-bank-attempts-exceeded');

    expect(final.status).toBe('canceled');
    expect(final.failureCode).toBe('payment_method_microdeposit_verification_attempts_exceeded');
    // Cancelled at the new deadline announced after the failure, not at the old 10-day one.
    expect(Date.parse(final.updatedAt)).toBeGreaterThanOrEqual(Date.parse(exceeded.deadline!));
    expect(Date.parse(final.updatedAt)).toBeLessThan(Date.parse(waiting.deadline!));
    expect((await harness.stripe.setupIntents.retrieve(waiting.setupIntentId!)).status).toBe('canceled');
    expect(await listSavedPaymentMethods(harness.db, final.customerId)).toEqual([]);
  });

  it('records the 10-day microdeposit expiry, refuses late values, and cancels when no other account comes', async () => {
    const { handle, waiting } = await bankSetupAwaitingMicrodeposits();

    await harness.skipTime(MICRODEPOSIT_VALIDITY_SECONDS + 60 * 60);
    await relayAll(handle, waiting.setupId);
    const expired = await harness.waitForSetupStatus(handle, 'requires_payment_method');

    expect(expired).toMatchObject({
      failureCode: 'payment_method_microdeposit_verification_timeout',
      microdeposits: null,
      done: false,
    });
    const late = await handle
      .executeUpdate(verifySetupMicrodepositsUpdate, { args: [{ descriptorCode: 'SM11AA' }] })
      .catch((error: unknown) => error);
    expect(failureTypeOf(late)).toBe(FailureTypes.NotAwaitingVerification);

    const final: PaymentMethodSetupState = await handle.result();
    await harness.recordHistory(handle, 'setup-bank-microdeposits-expired');

    expect(final.status).toBe('canceled');
    expect(final.failureCode).toBe('payment_method_microdeposit_verification_timeout');
    expect((await harness.stripe.setupIntents.retrieve(waiting.setupIntentId!)).status).toBe('canceled');
    expect(await listSavedPaymentMethods(harness.db, final.customerId)).toEqual([]);
  });

  it('cancels the SetupIntent when the customer abandons the setup, and nothing is saved', async () => {
    const { handle, ready } = await startSetupWithIntent('card');
    await confirmWithCard(ready.setupIntentId!, 'pm_card_authenticationRequired');
    await relayAll(handle, ready.setupId);
    await harness.waitForSetupStatus(handle, 'requires_action');

    const cancelled = await handle.executeUpdate(cancelSetupUpdate);

    expect(cancelled).toMatchObject({ status: 'canceled', reason: 'setup cancelled', done: true, saved: null });
    expect((await harness.stripe.setupIntents.retrieve(ready.setupIntentId!)).status).toBe('canceled');
    await expect(
      harness.control('POST', `/_emulator/setup_intents/${ready.setupIntentId}/authenticate`, { outcome: 'succeed' }),
    ).rejects.toThrow(/409/);
    const final: PaymentMethodSetupState = await handle.result();
    await harness.recordHistory(handle, 'setup-cancelled');
    expect(final.status).toBe('canceled');
    expect(await listSavedPaymentMethods(harness.db, final.customerId)).toEqual([]);
  });
});
