/**
 * One conformance suite, two Stripes: the Stripe behaviours the workflows rely on, asserted through
 * the product's payment gateway against the emulator (in `npm test`) and, unchanged, against Stripe's
 * test mode when STRIPE_CONFORMANCE_KEY is set (docs/STRIPE-CONFORMANCE.md). Where the emulator is
 * kinder than Stripe, running it against Stripe shows the difference as a failure.
 * Each test names the docs.stripe.com page its assertions encode.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConformanceTarget, type ConformanceTarget } from '../../harness/conformance-target.js';

let target: ConformanceTarget;

beforeAll(async () => {
  target = await startConformanceTarget();
});

afterAll(async () => {
  await target?.close();
});

const ONLINE_ACCEPTANCE = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (conformance)',
  acceptedAt: new Date().toISOString(),
};

/** A Stripe customer of this run, as the workflows create one per booking customer. */
async function newCustomer(name: string): Promise<Stripe.Customer> {
  return target.gateway.createCustomer({
    // Unique to the run: Stripe's test mode keeps the customers of earlier runs.
    customerId: target.key(name),
    email: `${target.key(name)}@example.com`,
    name: 'Conformance Test',
    idempotencyKey: target.key(`customer-${name}`),
  });
}

/** Creates and confirms a booking's $1 hold as the hold lifecycle does. */
async function placeHold(name: string, paymentMethod: string): Promise<Stripe.PaymentIntent> {
  const customer = await newCustomer(name);
  const created = await target.gateway.createHoldPaymentIntent({
    bookingId: `conformance-${name}`,
    attempt: 1,
    paymentMethod,
    stripeCustomerId: customer.id,
    idempotencyKey: target.key(`${name}-hold-create`),
  });
  return target.gateway.confirmHoldPaymentIntent({
    paymentIntentId: created.id,
    paymentMethod,
    idempotencyKey: target.key(`${name}-hold-confirm`),
  });
}

/** The card details of a PaymentIntent's latest charge (the gateway expands it). */
function cardOf(paymentIntent: Stripe.PaymentIntent): Stripe.Charge.PaymentMethodDetails.Card | undefined {
  return (paymentIntent.latest_charge as Stripe.Charge | null)?.payment_method_details?.card ?? undefined;
}

/** What a rejected Stripe call was answered, as the `stripe` package reports it. */
async function refusal(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!error) throw new Error('Stripe accepted a request the documentation says it refuses');
  return error as Stripe.errors.StripeError;
}

describe(`Stripe conformance`, () => {
  it('holds $1 on a card: requires_capture, capturable 100, and the charge says until when (capture_before)', async () => {
    // docs.stripe.com/payments/place-a-hold-on-a-payment-method: capture_method=manual authorizes
    // without capturing; the charge's payment_method_details.card.capture_before is when the
    // authorization lapses (7 days for online card payments).
    const held = await placeHold('hold', 'pm_card_visa');

    expect(held.status).toBe('requires_capture');
    expect(held.amount_capturable).toBe(100);
    expect(held.capture_method).toBe('manual');
    const captureBefore = cardOf(held)?.capture_before;
    expect(captureBefore).toEqual(expect.any(Number));
    const sevenDays = 7 * 86_400;
    expect(captureBefore! - held.created).toBeGreaterThan(sevenDays - 3_600);
    expect(captureBefore! - held.created).toBeLessThanOrEqual(sevenDays + 3_600);
  });

  it('releases a hold by cancelling it: canceled, with the reason given and nothing capturable', async () => {
    // docs.stripe.com/api/payment_intents/cancel: a requires_capture PaymentIntent can be canceled;
    // the authorization is released and cancellation_reason records the reason sent.
    const held = await placeHold('release', 'pm_card_visa');
    const canceled = await target.gateway.cancelPaymentIntent({
      paymentIntentId: held.id,
      reason: 'requested_by_customer',
      idempotencyKey: target.key('release-cancel'),
    });

    expect(canceled.status).toBe('canceled');
    expect(canceled.cancellation_reason).toBe('requested_by_customer');
    expect(canceled.amount_capturable).toBe(0);
    // docs.stripe.com/api/payment_intents/cancel: a canceled PaymentIntent cannot be canceled again.
    const again = await refusal(
      target.gateway.cancelPaymentIntent({
        paymentIntentId: held.id,
        reason: 'requested_by_customer',
        idempotencyKey: target.key('release-cancel-again'),
      }),
    );
    expect(again.code).toBe('payment_intent_unexpected_state');
  });

  it('declines a card with card_declined and leaves the PaymentIntent waiting for another payment method', async () => {
    // docs.stripe.com/testing#declined-payments (pm_card_chargeDeclined: generic_decline) and
    // docs.stripe.com/declines: a decline answers 402 card_error; the PaymentIntent returns to
    // requires_payment_method with last_payment_error set.
    const customer = await newCustomer('decline');
    const created = await target.gateway.createHoldPaymentIntent({
      bookingId: 'conformance-decline',
      attempt: 1,
      paymentMethod: 'pm_card_chargeDeclined',
      stripeCustomerId: customer.id,
      idempotencyKey: target.key('decline-create'),
    });
    const declined = await refusal(
      target.gateway.confirmHoldPaymentIntent({
        paymentIntentId: created.id,
        paymentMethod: 'pm_card_chargeDeclined',
        idempotencyKey: target.key('decline-confirm'),
      }),
    );

    expect(declined.type).toBe('StripeCardError');
    expect(declined.statusCode).toBe(402);
    expect(declined.code).toBe('card_declined');
    expect(declined.decline_code).toBe('generic_decline');
    const after = await target.gateway.retrievePaymentIntent(created.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error?.code).toBe('card_declined');
  });

  it('asks for 3-D Secure through next_action, with the client secret only the front end may use', async () => {
    // docs.stripe.com/payments/3d-secure and docs.stripe.com/api/payment_intents/object#payment_intent_object-next_action:
    // confirmed without return_url, a card needing authentication answers requires_action with
    // next_action.type use_stripe_sdk, which Stripe.js completes with the PaymentIntent's client secret.
    const waiting = await placeHold('three-d-secure', 'pm_card_threeDSecure2Required');

    expect(waiting.status).toBe('requires_action');
    expect(waiting.next_action?.type).toBe('use_stripe_sdk');
    expect(waiting.client_secret).toMatch(new RegExp(`^${waiting.id}_secret_[A-Za-z0-9]+$`));
    expect(waiting.amount_capturable).toBe(0);
  });

  it('places a hold in one request (confirm: true): held, 3-D Secure, or a 402 that carries the PaymentIntent', async () => {
    // docs.stripe.com/api/payment_intents/create#create_payment_intent-confirm: created and confirmed at
    // once; docs.stripe.com/api/errors#errors-payment_intent: a card error names the PaymentIntent.
    const customer = await newCustomer('one-call');
    const place = (name: string, paymentMethod: string) =>
      target.gateway.placeHoldPaymentIntent({
        bookingId: `conformance-${name}`,
        attempt: 1,
        paymentMethod,
        stripeCustomerId: customer.id,
        idempotencyKey: target.key(`${name}-place`),
      });

    const held = await place('one-call-held', 'pm_card_visa');
    expect(held.status).toBe('requires_capture');
    expect(cardOf(held)?.capture_before).toEqual(expect.any(Number));
    const waiting = await place('one-call-3ds', 'pm_card_threeDSecure2Required');
    expect(waiting.status).toBe('requires_action');
    expect(waiting.next_action?.type).toBe('use_stripe_sdk');

    const declined = await refusal(place('one-call-declined', 'pm_card_chargeDeclined'));
    expect(declined.type).toBe('StripeCardError');
    expect(declined.statusCode).toBe(402);
    expect(declined.payment_intent?.id).toMatch(/^pi_/);
    expect(declined.payment_intent?.status).toBe('requires_payment_method');
    expect(declined.payment_intent?.metadata).toMatchObject({ booking_id: 'conformance-one-call-declined' });
    // docs.stripe.com/api/idempotent_requests: the 402 is saved and replayed, naming the same PaymentIntent.
    const replayed = await refusal(place('one-call-declined', 'pm_card_chargeDeclined'));
    expect(replayed.statusCode).toBe(402);
    expect(replayed.headers?.['idempotent-replayed']).toBe('true');
    expect(replayed.payment_intent?.id).toBe(declined.payment_intent?.id);
  });

  it('replays a success under its idempotency key, and refuses the key with other parameters', async () => {
    // docs.stripe.com/api/idempotent_requests: a retry with the same key answers the saved result
    // (Idempotent-Replayed: true); the same key with other parameters is an idempotency_error.
    const customer = await newCustomer('idempotent-success');
    const request = {
      bookingId: 'conformance-idempotent-success',
      attempt: 1,
      paymentMethod: 'pm_card_visa',
      stripeCustomerId: customer.id,
      idempotencyKey: target.key('idempotent-success-create'),
    };
    const first = await target.gateway.createHoldPaymentIntent(request);
    const replayed = await target.gateway.createHoldPaymentIntent(request);

    expect(replayed.id).toBe(first.id);
    expect((replayed as Stripe.Response<Stripe.PaymentIntent>).lastResponse.headers['idempotent-replayed']).toBe(
      'true',
    );
    const changed = await refusal(target.gateway.createHoldPaymentIntent({ ...request, attempt: 2 }));
    expect(changed.type).toBe('StripeIdempotencyError');
    expect(changed.message).toMatch(/same parameters/);
  });

  it('replays a decline under its idempotency key instead of asking the issuer again', async () => {
    // docs.stripe.com/api/idempotent_requests: a result is saved once the endpoint began executing,
    // errors included; a retry under the key answers the same error, replayed.
    const customer = await newCustomer('idempotent-decline');
    const created = await target.gateway.createHoldPaymentIntent({
      bookingId: 'conformance-idempotent-decline',
      attempt: 1,
      paymentMethod: 'pm_card_chargeDeclined',
      stripeCustomerId: customer.id,
      idempotencyKey: target.key('idempotent-decline-create'),
    });
    const confirmation = {
      paymentIntentId: created.id,
      paymentMethod: 'pm_card_chargeDeclined',
      idempotencyKey: target.key('idempotent-decline-confirm'),
    };
    const first = await refusal(target.gateway.confirmHoldPaymentIntent(confirmation));
    const chargeAsked = (await target.gateway.retrievePaymentIntent(created.id)).latest_charge as Stripe.Charge;
    const again = await refusal(target.gateway.confirmHoldPaymentIntent(confirmation));

    expect(again.code).toBe(first.code);
    expect(again.requestId).not.toBe(first.requestId);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    // The issuer was asked once: the PaymentIntent's latest charge is still the first attempt's.
    expect(((await target.gateway.retrievePaymentIntent(created.id)).latest_charge as Stripe.Charge).id).toBe(
      chargeAsked.id,
    );
  });

  // Only the emulator can be made to answer a 500; Stripe's test mode skips this one.
  it.skipIf(Boolean(process.env.STRIPE_CONFORMANCE_KEY))(
    'replays a 500 under its idempotency key, as saved, to every retry',
    async () => {
      // docs.stripe.com/api/idempotent_requests: subsequent requests with the same key return the same
      // result, 500 errors included.
      const customer = await newCustomer('idempotent-500');
      const request = {
        bookingId: 'conformance-idempotent-500',
        attempt: 1,
        paymentMethod: 'pm_card_visa',
        stripeCustomerId: customer.id,
        idempotencyKey: target.key('idempotent-500-create'),
      };
      await target.control('POST', '/_emulator/faults', {
        api: { status: 500, when: 'after', count: 1, pathPattern: '^POST /v1/payment_intents$' },
      });
      const first = await refusal(target.gateway.createHoldPaymentIntent(request));
      const retried = await refusal(target.gateway.createHoldPaymentIntent(request));

      expect(first.statusCode).toBe(500);
      expect(retried.statusCode).toBe(500);
      expect(retried.headers?.['idempotent-replayed']).toBe('true');
    },
  );

  it('debits a typed-in bank account after microdeposits: requires_action, then processing once verified', async () => {
    // docs.stripe.com/payments/ach-direct-debit/accept-a-payment#web-verify-with-microdeposits and
    // docs.stripe.com/payments/ach-direct-debit#testing: a manually entered account is verified by
    // microdeposits (next_action verify_with_microdeposits, descriptor code SM11AA in test mode); once
    // verified the debit is processing.
    const customer = await newCustomer('microdeposits');
    const bankAccount = await target.stripe.paymentMethods.create({
      type: 'us_bank_account',
      us_bank_account: {
        account_number: '000123456789',
        routing_number: '110000000',
        account_holder_type: 'individual',
      },
      billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
    });
    const created = await target.gateway.createBankPaymentIntent({
      bookingId: 'conformance-microdeposits',
      attempt: 1,
      amount: 12_500,
      stripeCustomerId: customer.id,
      paymentMethod: bankAccount.id,
      verification: 'automatic',
      targetDate: null,
      idempotencyKey: target.key('microdeposits-create'),
    });
    const waiting = await target.gateway.confirmBankPaymentIntent({
      paymentIntentId: created.id,
      paymentMethod: bankAccount.id,
      mandate: ONLINE_ACCEPTANCE,
      idempotencyKey: target.key('microdeposits-confirm'),
    });

    expect(waiting.status).toBe('requires_action');
    expect(waiting.next_action?.type).toBe('verify_with_microdeposits');
    expect(waiting.next_action?.verify_with_microdeposits?.microdeposit_type).toBe('descriptor_code');
    const wrong = await refusal(
      target.gateway.verifyMicrodeposits({
        paymentIntentId: created.id,
        descriptorCode: 'SM99ZZ',
        idempotencyKey: target.key('microdeposits-wrong'),
      }),
    );
    expect(wrong.code).toBe('payment_method_microdeposit_verification_descriptor_code_mismatch');
    const verified = await target.gateway.verifyMicrodeposits({
      paymentIntentId: created.id,
      descriptorCode: 'SM11AA',
      idempotencyKey: target.key('microdeposits-verify'),
    });
    expect(verified.status).toBe('processing');
  });

  // Linking an account needs a Financial Connections session in a browser: Stripe's test mode gives
  // this suite none to read, so only the emulator's linked accounts are checked here.
  it.skipIf(Boolean(process.env.STRIPE_CONFORMANCE_KEY))(
    "refreshes a linked account's balance asynchronously: null, pending, then the refreshed balance",
    async () => {
      // docs.stripe.com/financial-connections/balances and docs.stripe.com/api/financial_connections/accounts/refresh:
      // `balance` is null until a refresh completes; a refresh answers balance_refresh.status pending,
      // and financial_connections.account.refreshed_balance follows once the bank answered.
      const { accountId } = await target.control<{ accountId: string }>(
        'POST',
        '/_emulator/financial_connections/accounts',
        { balance: 25_000 },
      );
      expect((await target.gateway.retrieveFinancialConnectionsAccount(accountId)).balance).toBeNull();

      const asked = await target.gateway.refreshFinancialConnectionsBalance({
        accountId,
        idempotencyKey: target.key('balance-refresh'),
      });
      expect(asked.balance_refresh?.status).toBe('pending');
      expect(asked.balance).toBeNull();

      await target.control('POST', '/_emulator/clock/advance', { seconds: 60 });
      const refreshed = await target.gateway.retrieveFinancialConnectionsAccount(accountId);
      expect(refreshed.balance_refresh?.status).toBe('succeeded');
      expect(refreshed.balance?.current?.usd).toBe(25_000);
      const events = await target.stripe.events.list({ type: 'financial_connections.account.refreshed_balance' });
      expect(events.data.map((event) => (event.data.object as { id: string }).id)).toContain(accountId);
    },
  );

  it('places a bank debit in one request (confirm: true with mandate_data): waiting on microdeposits', async () => {
    // docs.stripe.com/api/payment_intents/create#create_payment_intent-mandate_data: the mandate is given
    // with confirm=true; a typed-in account then waits on microdeposits as after a separate confirmation.
    const customer = await newCustomer('bank-one-call');
    const bankAccount = await target.stripe.paymentMethods.create({
      type: 'us_bank_account',
      us_bank_account: {
        account_number: '000123456789',
        routing_number: '110000000',
        account_holder_type: 'individual',
      },
      billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
    });
    const waiting = await target.gateway.placeBankPaymentIntent({
      bookingId: 'conformance-bank-one-call',
      attempt: 1,
      amount: 12_500,
      stripeCustomerId: customer.id,
      paymentMethod: bankAccount.id,
      verification: 'automatic',
      targetDate: null,
      mandate: ONLINE_ACCEPTANCE,
      idempotencyKey: target.key('bank-one-call-place'),
    });

    expect(waiting.status).toBe('requires_action');
    expect(waiting.next_action?.type).toBe('verify_with_microdeposits');
  });

  it('refunds part of a payment once, and refuses more than what is left', async () => {
    // docs.stripe.com/refunds and docs.stripe.com/api/refunds/create: a partial refund of a
    // succeeded payment; refunds beyond the unrefunded amount are refused (amount_too_large).
    const paid = await target.stripe.paymentIntents.create(
      { amount: 5_000, currency: 'usd', payment_method: 'pm_card_visa', payment_method_types: ['card'], confirm: true },
      { idempotencyKey: target.key('refund-payment') },
    );
    expect(paid.status).toBe('succeeded');

    const refund = await target.gateway.createRefund({
      paymentIntentId: paid.id,
      amount: 3_000,
      idempotencyKey: target.key('refund-first'),
    });
    expect(refund.amount).toBe(3_000);
    expect(['pending', 'succeeded']).toContain(refund.status);
    const tooMuch = await refusal(
      target.gateway.createRefund({
        paymentIntentId: paid.id,
        amount: 3_000,
        idempotencyKey: target.key('refund-second'),
      }),
    );
    expect(tooMuch.code).toBe('amount_too_large');
    const charge = (await target.gateway.retrievePaymentIntent(paid.id)).latest_charge as Stripe.Charge;
    expect(charge.amount_refunded).toBe(3_000);
  });

  it("finds what a write may have done by listing: a customer's PaymentIntents, a PaymentIntent's refunds, customers by email", async () => {
    // docs.stripe.com/api/payment_intents/list (customer filter), docs.stripe.com/api/refunds/list
    // (payment_intent filter), docs.stripe.com/api/customers/list (email filter, case-sensitive): the
    // reads that resolve a write whose answer was lost, newest first.
    const customer = await newCustomer('listing');
    const held = await placeHold('listing-hold', 'pm_card_visa');
    const created = await target.gateway.createHoldPaymentIntent({
      bookingId: 'conformance-listing',
      attempt: 1,
      paymentMethod: 'pm_card_visa',
      stripeCustomerId: customer.id,
      idempotencyKey: target.key('listing-create'),
    });
    const paid = await target.stripe.paymentIntents.create(
      {
        amount: 2_000,
        currency: 'usd',
        customer: customer.id,
        payment_method: 'pm_card_visa',
        payment_method_types: ['card'],
        confirm: true,
      },
      { idempotencyKey: target.key('listing-paid') },
    );
    const refund = await target.gateway.createRefund({
      paymentIntentId: paid.id,
      amount: 500,
      idempotencyKey: target.key('listing-refund'),
    });

    const intents = [];
    for await (const intent of target.gateway.listPaymentIntents({ stripeCustomerId: customer.id }))
      intents.push(intent.id);
    expect(intents).toEqual([paid.id, created.id]);
    expect(intents).not.toContain(held.id);
    const refunds = [];
    for await (const listed of target.gateway.listRefunds({ paymentIntentId: paid.id })) refunds.push(listed.id);
    expect(refunds).toEqual([refund.id]);
    const customers = [];
    for await (const listed of target.gateway.listCustomers({ email: customer.email! })) customers.push(listed.id);
    expect(customers).toEqual([customer.id]);
  });

  it('saves a card for off-session use with a SetupIntent: succeeded, its payment method attached', async () => {
    // docs.stripe.com/payments/save-and-reuse and docs.stripe.com/api/setup_intents: a SetupIntent
    // with usage off_session, confirmed with a card that needs no authentication, succeeds.
    const customer = await newCustomer('setup');
    const setup = await target.gateway.createSetupIntent({
      setupId: 'conformance-setup',
      customerId: 'conformance-setup',
      stripeCustomerId: customer.id,
      type: 'card',
      verification: 'automatic',
      idempotencyKey: target.key('setup-create'),
    });
    expect(setup.status).toBe('requires_payment_method');
    expect(setup.usage).toBe('off_session');

    const confirmed = await target.stripe.setupIntents.confirm(
      setup.id,
      { payment_method: 'pm_card_visa' },
      { idempotencyKey: target.key('setup-confirm') },
    );
    expect(confirmed.status).toBe('succeeded');
    const saved = await target.gateway.retrievePaymentMethod(confirmed.payment_method as string);
    expect(saved.customer).toBe(customer.id);
  });
});
