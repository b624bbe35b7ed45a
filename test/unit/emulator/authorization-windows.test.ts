/**
 * The emulator's card authorizations last as Stripe documents: by brand and initiator, extended where
 * the network grants it for the account's merchant category; off-session charges of a card that always
 * asks for 3-D Secure fail with `authentication_required`; `setup_future_usage` saves the card; a
 * PaymentIntent's client secret goes only to the key that created it.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  CARD_AUTHORIZATION_VALIDITY_SECONDS,
  EXTENDED_AUTHORIZATION_VALIDITY_SECONDS,
  VISA_MERCHANT_INITIATED_VALIDITY_SECONDS,
} from '../../../emulator/payments/authorization-validity.js';
import { refusal, useRunningEmulator } from '../../../harness/running-emulator.js';

const running = useRunningEmulator();

async function customerWithCard(card: string): Promise<{ customer: string; paymentMethod: string }> {
  const customer = await running.stripe.customers.create({ email: 'holder@example.com' });
  const paymentMethod = await running.stripe.paymentMethods.attach(
    (await running.stripe.paymentMethods.retrieve(card)).id,
    { customer: customer.id },
  );
  return { customer: customer.id, paymentMethod: paymentMethod.id };
}

async function hold(
  card: string,
  options: { offSession?: boolean; extended?: boolean } = {},
): Promise<{ paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge; secondsValid: number }> {
  const { customer, paymentMethod } = await customerWithCard(card);
  const paymentIntent = await running.stripe.paymentIntents.create({
    amount: 100,
    currency: 'usd',
    capture_method: 'manual',
    customer,
    payment_method: paymentMethod,
    confirm: true,
    ...(options.offSession ? { off_session: true } : {}),
    ...(options.extended
      ? { payment_method_options: { card: { request_extended_authorization: 'if_available' } } }
      : {}),
    expand: ['latest_charge'],
  });
  const charge = paymentIntent.latest_charge as Stripe.Charge;
  const captureBefore = charge.payment_method_details?.card?.capture_before ?? 0;
  return { paymentIntent, charge, secondsValid: captureBefore - charge.created };
}

describe('authorization validity by brand and initiator', () => {
  it.each([
    ['pm_card_visa', false, CARD_AUTHORIZATION_VALIDITY_SECONDS],
    ['pm_card_visa', true, VISA_MERCHANT_INITIATED_VALIDITY_SECONDS],
    ['pm_card_mastercard', false, CARD_AUTHORIZATION_VALIDITY_SECONDS],
    ['pm_card_mastercard', true, CARD_AUTHORIZATION_VALIDITY_SECONDS],
    ['pm_card_amex', true, CARD_AUTHORIZATION_VALIDITY_SECONDS],
    ['pm_card_discover', true, CARD_AUTHORIZATION_VALIDITY_SECONDS],
  ])('%s off-session=%s stays capturable for %i seconds (capture_before)', async (card, offSession, seconds) => {
    const { paymentIntent, secondsValid } = await hold(card, { offSession });
    expect(paymentIntent.status).toBe('requires_capture');
    expect(secondsValid).toBe(seconds);
  });

  it('lets a Visa merchant-initiated hold lapse after 4 days 18 hours, while a customer-initiated one stays', async () => {
    const offSession = await hold('pm_card_visa', { offSession: true });
    const onSession = await hold('pm_card_visa');
    expect(VISA_MERCHANT_INITIATED_VALIDITY_SECONDS).toBe((4 * 24 + 18) * 3600);
    const advanced = await running.control('POST', '/_emulator/clock/advance', {
      seconds: VISA_MERCHANT_INITIATED_VALIDITY_SECONDS + 1,
    });
    expect(advanced.expiredPaymentIntents).toEqual([offSession.paymentIntent.id]);
    expect((await running.stripe.paymentIntents.retrieve(onSession.paymentIntent.id)).status).toBe('requires_capture');
  });
});

describe('extended authorization', () => {
  it.each([
    ['pm_card_mastercard', 'general', true],
    ['pm_card_visa', 'general', false],
    ['pm_card_visa', 'lodging', true],
    ['pm_card_amex', 'vehicle_rental', true],
    ['pm_card_amex', 'cruise', false],
    ['pm_card_discover', 'travel', true],
    ['pm_card_discover', 'general', false],
  ])('%s for a %s merchant: granted=%s', async (card, merchantCategory, granted) => {
    await running.control('POST', '/_emulator/account', { merchantCategory });
    const { paymentIntent, charge, secondsValid } = await hold(card, { extended: true });
    expect(paymentIntent.payment_method_options?.card?.request_extended_authorization).toBe('if_available');
    expect(charge.payment_method_details?.card?.extended_authorization).toEqual({
      status: granted ? 'enabled' : 'disabled',
    });
    expect(secondsValid).toBe(granted ? EXTENDED_AUTHORIZATION_VALIDITY_SECONDS : CARD_AUTHORIZATION_VALIDITY_SECONDS);
  });

  it('is not extended unless asked for, and the merchant category returns to general on reset', async () => {
    const { charge } = await hold('pm_card_mastercard');
    expect(charge.payment_method_details?.card?.extended_authorization).toEqual({ status: 'disabled' });
    await running.control('POST', '/_emulator/account', { merchantCategory: 'lodging' });
    await running.control('POST', '/_emulator/reset');
    expect(await running.control('GET', '/_emulator/account')).toEqual({ merchantCategory: 'general' });
  });

  it('refuses an unknown request_extended_authorization value', async () => {
    const { customer, paymentMethod } = await customerWithCard('pm_card_visa');
    const error = await refusal(() =>
      running.stripe.paymentIntents.create({
        amount: 100,
        currency: 'usd',
        customer,
        payment_method: paymentMethod,
        payment_method_options: { card: { request_extended_authorization: 'always' as 'if_available' } },
      }),
    );
    expect(error).toMatchObject({
      statusCode: 400,
      param: 'payment_method_options[card][request_extended_authorization]',
    });
  });
});

describe('off-session authentication and saving during payment', () => {
  async function saveDuringPayment(card: string): Promise<{ customer: string; paymentMethod: string }> {
    const customer = await running.stripe.customers.create({ email: 'saver@example.com' });
    const first = await running.stripe.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      capture_method: 'manual',
      customer: customer.id,
      payment_method: card,
      setup_future_usage: 'off_session',
      confirm: true,
    });
    expect(first.status).toBe('requires_action');
    await running.control('POST', `/_emulator/payment_intents/${first.id}/authenticate`, { outcome: 'succeed' });
    const held = await running.stripe.paymentIntents.retrieve(first.id);
    expect(held).toMatchObject({ status: 'requires_capture', setup_future_usage: 'off_session' });
    const saved = await running.stripe.paymentMethods.retrieve(held.payment_method as string);
    expect(saved.customer).toBe(customer.id);
    return { customer: customer.id, paymentMethod: saved.id };
  }

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

  it('declines off-session with authentication_required the card that asks on every payment (…3184), even once saved', async () => {
    const { customer, paymentMethod } = await saveDuringPayment('pm_card_authenticationRequired');
    const error = await refusal(() => offSessionHold(customer, paymentMethod));
    expect(error).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'authentication_required',
      decline_code: 'authentication_required',
    });
    const declined = (error as Stripe.errors.StripeCardError).payment_intent;
    expect(declined).toMatchObject({ status: 'requires_payment_method', payment_method: null });
    expect(declined?.last_payment_error).toMatchObject({ code: 'authentication_required', type: 'card_error' });
    const card = (await running.stripe.paymentMethods.retrieve(paymentMethod)).card;
    expect(card?.last4).toBe('3184');
  });

  it('charges off-session without a challenge the card that asks unless set up (…3155), once saved during payment', async () => {
    const { customer, paymentMethod } = await saveDuringPayment('pm_card_authenticationRequiredOnSetup');
    const renewed = await offSessionHold(customer, paymentMethod);
    expect(renewed.status).toBe('requires_capture');
  });
});

describe('client secrets', () => {
  it('are served to the key that created the PaymentIntent and to nobody else', async () => {
    const { customer, paymentMethod } = await customerWithCard('pm_card_visa');
    const created = await running.stripe.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      customer,
      payment_method: paymentMethod,
    });
    expect(created.client_secret).toMatch(new RegExp(`^${created.id}_secret_`));
    expect((await running.stripe.paymentIntents.retrieve(created.id)).client_secret).toBe(created.client_secret);

    const otherKey = { authorization: 'Bearer sk_test_another_account' };
    const retrieved = await running.stripeRequest('GET', `/v1/payment_intents/${created.id}`, {}, otherKey);
    expect(retrieved.status).toBe(200);
    expect(await retrieved.json()).toMatchObject({ id: created.id, client_secret: null });
    const listed = await running.stripeRequest('GET', '/v1/payment_intents', { customer }, otherKey);
    expect(((await listed.json()) as { data: Stripe.PaymentIntent[] }).data).toEqual([
      expect.objectContaining({ id: created.id, client_secret: null }),
    ]);
  });
});
