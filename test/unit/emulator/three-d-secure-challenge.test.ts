/**
 * 3-D Secure finished the way Stripe.js finishes it: the PaymentIntent read with its client secret
 * and a publishable key (docs.stripe.com/api/payment_intents/retrieve), the challenge its next action
 * names answered on the issuer's page (docs.stripe.com/js/payment_intents/handle_next_action,
 * docs.stripe.com/payments/3d-secure), never with the secret key and never with another client secret.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { bankDebitParams, manualBankAccount } from '../../../harness/bank-debits.js';
import { holdParams, refusal, useRunningEmulator } from '../../../harness/running-emulator.js';
import {
  TEST_PUBLISHABLE_KEY,
  handleNextAction,
  publishableStripeClient,
} from '../../../harness/stripe-js-stand-in.js';

const running = useRunningEmulator();

async function challengedHold(bookingId: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  const paymentIntent = await running.stripe.paymentIntents.create({
    ...holdParams(bookingId, 'pm_card_threeDSecure2Required'),
    ...extra,
  });
  expect(paymentIntent.status).toBe('requires_action');
  return paymentIntent;
}

/** Posts the customer's answer to the challenge page a next action names. */
function answerChallenge(url: string, fields: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}

function challengeUrlOf(paymentIntent: Stripe.PaymentIntent): string {
  return (paymentIntent.next_action?.use_stripe_sdk as { stripe_js: string }).stripe_js;
}

describe('a PaymentIntent read with a publishable key', () => {
  it('answers the client-side fields, next action and client secret included, and nothing server-side', async () => {
    const waiting = await challengedHold('bk-pk-read', { description: 'hold' });
    const seen = await publishableStripeClient(running.url).paymentIntents.retrieve(waiting.id, {
      client_secret: waiting.client_secret!,
    });
    expect(seen).toMatchObject({
      id: waiting.id,
      status: 'requires_action',
      client_secret: waiting.client_secret,
      amount: 100,
      next_action: { type: 'use_stripe_sdk' },
    });
    expect(seen).not.toHaveProperty('metadata');
    expect(seen).not.toHaveProperty('customer');
    expect(seen).not.toHaveProperty('latest_charge');
    // The challenge page's address carries no secret: next actions reach webhooks and the inbox.
    expect(challengeUrlOf(seen)).not.toContain('secret');
  });

  it('refuses another PaymentIntent’s client secret, and none at all', async () => {
    const waiting = await challengedHold('bk-pk-wrong');
    const other = await challengedHold('bk-pk-other');
    const stripeJs = publishableStripeClient(running.url);

    const wrong = await refusal(() =>
      stripeJs.paymentIntents.retrieve(waiting.id, { client_secret: other.client_secret! }),
    );
    expect(wrong).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(wrong).toMatchObject({ statusCode: 400, code: 'payment_intent_invalid_parameter', param: 'client_secret' });
    const missing = await refusal(() => stripeJs.paymentIntents.retrieve(waiting.id));
    expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'client_secret' });
  });

  it('refuses every server-side call', async () => {
    const stripeJs = publishableStripeClient(running.url);
    const create = await refusal(() => stripeJs.paymentIntents.create(holdParams('bk-pk-create')));
    expect(create).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(create.message).toContain('cannot be made with a publishable API key');
    const waiting = await challengedHold('bk-pk-cancel');
    await expect(stripeJs.paymentIntents.cancel(waiting.id)).rejects.toMatchObject({ statusCode: 401 });
    await expect(stripeJs.events.list()).rejects.toMatchObject({ statusCode: 401 });
  });
});

describe('the 3-D Secure challenge page', () => {
  it('holds the card once the customer completes the challenge with the client secret', async () => {
    const waiting = await challengedHold('bk-page-complete');
    const seen = await handleNextAction(running.url, waiting.client_secret!, 'complete');
    expect(seen.status).toBe('requires_capture');

    const held = await running.stripe.paymentIntents.retrieve(waiting.id, { expand: ['latest_charge'] });
    expect(held.status).toBe('requires_capture');
    expect((held.latest_charge as Stripe.Charge).payment_method_details?.card?.three_d_secure).toMatchObject({
      result: 'authenticated',
    });
    const types = running.emulator.runtime.store.events
      .filter((event) => (event.data.object as { id?: string }).id === waiting.id)
      .map((event) => event.type);
    expect(types).toContain('payment_intent.amount_capturable_updated');
  });

  it('returns a failed challenge to requires_payment_method', async () => {
    const waiting = await challengedHold('bk-page-fail');
    const seen = await handleNextAction(running.url, waiting.client_secret!, 'fail');
    expect(seen.status).toBe('requires_payment_method');
    expect(seen.last_payment_error?.code).toBe('payment_intent_authentication_failure');
  });

  it('serves a redirect flow’s challenge from the same page', async () => {
    const waiting = await challengedHold('bk-page-redirect', { return_url: 'https://bookings.example/return' });
    expect(waiting.next_action?.type).toBe('redirect_to_url');
    expect(waiting.next_action?.redirect_to_url?.url).not.toContain('secret');
    expect((await handleNextAction(running.url, waiting.client_secret!)).status).toBe('requires_capture');
  });

  it('refuses a wrong client secret, a secret key and no key, and leaves the challenge waiting', async () => {
    const waiting = await challengedHold('bk-page-refused');
    const other = await challengedHold('bk-page-refused-other');
    const url = challengeUrlOf(waiting);

    const wrongSecret = await answerChallenge(url, {
      payment_intent_client_secret: other.client_secret!,
      publishable_key: TEST_PUBLISHABLE_KEY,
      outcome: 'complete',
    });
    expect(wrongSecret.status).toBe(400);
    expect((await wrongSecret.json()).error).toMatchObject({
      code: 'payment_intent_invalid_parameter',
      param: 'payment_intent_client_secret',
    });
    const secretKey = await answerChallenge(url, {
      payment_intent_client_secret: waiting.client_secret!,
      publishable_key: 'sk_test_emulator_tests',
      outcome: 'complete',
    });
    expect(secretKey.status).toBe(401);
    const noKey = await answerChallenge(url, {
      payment_intent_client_secret: waiting.client_secret!,
      outcome: 'complete',
    });
    expect(noKey.status).toBe(401);

    expect((await running.stripe.paymentIntents.retrieve(waiting.id)).status).toBe('requires_action');
  });

  it('answers a challenge already answered with payment_intent_unexpected_state', async () => {
    const waiting = await challengedHold('bk-page-twice');
    await handleNextAction(running.url, waiting.client_secret!);
    const again = await answerChallenge(challengeUrlOf(waiting), {
      payment_intent_client_secret: waiting.client_secret!,
      publishable_key: TEST_PUBLISHABLE_KEY,
      outcome: 'fail',
    });
    expect(again.status).toBe(400);
    expect((await again.json()).error.code).toBe('payment_intent_unexpected_state');
    expect((await running.stripe.paymentIntents.retrieve(waiting.id)).status).toBe('requires_capture');
  });

  it('does not take a bank debit waiting for microdeposits for a 3-D Secure challenge', async () => {
    const bankAccount = await manualBankAccount(running);
    const debit = await running.stripe.paymentIntents.create(bankDebitParams(bankAccount.id));
    expect(debit).toMatchObject({ status: 'requires_action', next_action: { type: 'verify_with_microdeposits' } });
    await expect(
      running.control('POST', `/_emulator/payment_intents/${debit.id}/authenticate`, { outcome: 'succeed' }),
    ).rejects.toThrow(/409/);
    expect((await running.stripe.paymentIntents.retrieve(debit.id)).status).toBe('requires_action');
  });
});
