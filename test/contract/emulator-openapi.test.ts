/**
 * Contract of the local Stripe emulator: driven through the real `stripe` package, every JSON body
 * it answers (objects, lists, errors) and every webhook it delivers validates against Stripe's
 * published OpenAPI spec, and each card-hold and ACH direct debit outcome looks the way Stripe test
 * mode answers it.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bankPaymentKey,
  cancelSetupKey,
  confirmBankPaymentKey,
  confirmHoldKey,
  holdKey,
  setupIntentKey,
  verifySetupMicrodepositsKey,
} from '../../activities/common/idempotency-keys.js';
import { toSetupIntentSnapshot } from '../../activities/setup/setup-intent-snapshot.js';
import { EVENT_TYPES } from '../../emulator/objects/event.js';
import {
  CARD_AUTHORIZATION_VALIDITY_SECONDS,
  EXTENDED_AUTHORIZATION_VALIDITY_SECONDS,
  VISA_MERCHANT_INITIATED_VALIDITY_SECONDS,
} from '../../emulator/payments/authorization-validity.js';
import { createPaymentGateway } from '../../stripe/payment-gateway.js';
import { refusal, startRunningEmulator, type RunningEmulator } from '../../harness/running-emulator.js';
import { TEST_PUBLISHABLE_KEY, handleNextAction } from '../../harness/stripe-js-stand-in.js';
import { loadStripeSchemas, type StripeSchemas } from '../../harness/stripe-openapi-schemas.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';

const WEBHOOK_SECRET = 'whsec_contract_emulator';
const EVENTS_LIST_SCHEMA = '#/paths/~1v1~1events/get/responses/200/content/application~1json/schema';
const CUSTOMER_PAYMENT_METHODS_LIST_SCHEMA =
  '#/paths/~1v1~1customers~1%7Bcustomer%7D~1payment_methods/get/responses/200/content/application~1json/schema';
const OBJECT_SCHEMAS: Record<string, string> = {
  payment_intent: 'payment_intent',
  charge: 'charge',
  customer: 'customer',
  event: 'event',
  payment_method: 'payment_method',
  setup_intent: 'setup_intent',
  mandate: 'mandate',
  refund: 'refund',
  dispute: 'dispute',
  'financial_connections.account': 'financial_connections.account',
};

let schemas: StripeSchemas;
let receiver: WebhookReceiver;
let running: RunningEmulator;
let stripe: Stripe;
let validatedResponses = 0;

/** The schema a body answers to: `error` for failures, else by its `object`. */
function schemaFor(status: number, body: { object?: string; url?: string }): string {
  if (status >= 400) return 'error';
  if (body.object === 'list' && body.url === '/v1/events') return EVENTS_LIST_SCHEMA;
  if (body.object === 'list' && /^\/v1\/customers\/[^/]+\/payment_methods$/.test(body.url ?? ''))
    return CUSTOMER_PAYMENT_METHODS_LIST_SCHEMA;
  const schema = body.object ? OBJECT_SCHEMAS[body.object] : undefined;
  if (!schema) throw new Error(`no schema known for a ${String(body.object)} body`);
  return schema;
}

function expectMatchesSpec(schema: string, body: unknown): void {
  expect(schemas.errorsFor(schema, body), `${schema} body: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
}

/** Validates every body the client received since the last call; returns how many. */
function expectEveryResponseMatchesSpec(): number {
  const fresh = running.responses.slice(validatedResponses);
  for (const response of fresh) {
    const body = response.body as { object?: string; url?: string };
    expectMatchesSpec(schemaFor(response.status, body), body);
  }
  validatedResponses = running.responses.length;
  return fresh.length;
}

function hold(paymentMethod: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  return stripe.paymentIntents.create({
    amount: 100,
    currency: 'usd',
    capture_method: 'manual',
    payment_method: paymentMethod,
    payment_method_types: ['card'],
    confirm: true,
    metadata: { booking_id: `bk_${paymentMethod}` },
    description: 'booking hold',
    expand: ['latest_charge'],
    ...extra,
  });
}

beforeAll(async () => {
  schemas = loadStripeSchemas();
  receiver = await startWebhookReceiver();
  running = await startRunningEmulator({
    webhookUrl: receiver.url,
    webhookSecret: WEBHOOK_SECRET,
    webhookRetry: { baseDelayMs: 10, maxAttempts: 3 },
  });
  stripe = running.stripe;
});

afterAll(async () => {
  await running?.close();
  await receiver?.close();
});

describe('Stripe emulator answers as Stripe’s OpenAPI spec describes', () => {
  it('creates and retrieves a customer, and answers an unknown one with resource_missing', async () => {
    const customer = await stripe.customers.create({
      email: 'guest@example.com',
      name: 'Test Guest',
      metadata: { customer_id: 'cust-1' },
    });
    expect(customer).toMatchObject({
      object: 'customer',
      email: 'guest@example.com',
      metadata: { customer_id: 'cust-1' },
    });
    expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);

    const missing = await refusal(() => stripe.customers.retrieve('cus_missing'));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(expectEveryResponseMatchesSpec()).toBe(3);
  });

  it.each([
    ['pm_card_visa', 'visa', '4242'],
    ['pm_card_mastercard', 'mastercard', '4444'],
    ['pm_card_amex', 'amex', '8431'],
  ])('holds $1 on %s until capture_before, seven days after authorization', async (paymentMethod, brand, last4) => {
    const customer = await stripe.customers.create({ email: 'holder@example.com' });
    const paymentIntent = await hold(paymentMethod, { customer: customer.id });
    expect(paymentIntent.status).toBe('requires_capture');
    expect(paymentIntent.amount_capturable).toBe(100);
    expect(paymentIntent.payment_method).toMatch(/^pm_/);
    const charge = paymentIntent.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({
      object: 'charge',
      captured: false,
      paid: true,
      status: 'succeeded',
      amount_captured: 0,
    });
    expect(charge.metadata).toEqual({ booking_id: `bk_${paymentMethod}` });
    const card = charge.payment_method_details?.card;
    expect(card).toMatchObject({ brand, last4 });
    expect(card?.capture_before).toBe(charge.created + CARD_AUTHORIZATION_VALIDITY_SECONDS);

    const retrieved = await stripe.paymentIntents.retrieve(paymentIntent.id, { expand: ['latest_charge'] });
    expect((retrieved.latest_charge as Stripe.Charge).id).toBe(charge.id);
    expect((await stripe.charges.retrieve(charge.id)).payment_intent).toBe(paymentIntent.id);
    expectEveryResponseMatchesSpec();
  });

  it('captures at once with automatic capture', async () => {
    const paymentIntent = await hold('pm_card_visa', { capture_method: 'automatic' });
    expect(paymentIntent.status).toBe('succeeded');
    expect(paymentIntent.amount_received).toBe(100);
    expect(paymentIntent.latest_charge).toMatchObject({ captured: true, amount_captured: 100 });
    expectEveryResponseMatchesSpec();
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', 'incorrect_cvc'],
    ['pm_card_chargeDeclinedFraudulent', 'card_declined', 'fraudulent'],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error'],
  ])('declines %s with a 402 card_error carrying the PaymentIntent', async (paymentMethod, code, declineCode) => {
    const error = await refusal(() => hold(paymentMethod));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, type: 'StripeCardError', code, decline_code: declineCode });
    const embedded = error.payment_intent as Stripe.PaymentIntent;
    expect(embedded.status).toBe('requires_payment_method');
    expect(embedded.last_payment_error).toMatchObject({ type: 'card_error', code, decline_code: declineCode });

    const stored = await stripe.paymentIntents.retrieve(embedded.id, { expand: ['latest_charge'] });
    expect(stored.status).toBe('requires_payment_method');
    expect(stored.payment_method).toBeNull();
    expect(stored.latest_charge).toMatchObject({ status: 'failed', failure_code: code, paid: false });
    expectEveryResponseMatchesSpec();
  });

  it('asks for 3-D Secure on-session and holds once the customer authenticates', async () => {
    const sdk = await hold('pm_card_threeDSecure2Required');
    expect(sdk.status).toBe('requires_action');
    expect(sdk.next_action?.type).toBe('use_stripe_sdk');

    const redirected = await hold('pm_card_authenticationRequired', { return_url: 'https://bookings.example/return' });
    expect(redirected.status).toBe('requires_action');
    expect(redirected.next_action).toMatchObject({
      type: 'redirect_to_url',
      redirect_to_url: { return_url: 'https://bookings.example/return' },
    });

    await running.control('POST', `/_emulator/payment_intents/${redirected.id}/authenticate`, { outcome: 'succeed' });
    const held = await stripe.paymentIntents.retrieve(redirected.id, { expand: ['latest_charge'] });
    expect(held.status).toBe('requires_capture');
    expect((held.latest_charge as Stripe.Charge).payment_method_details?.card?.three_d_secure).toMatchObject({
      result: 'authenticated',
    });
    expectEveryResponseMatchesSpec();
  });

  it('returns a failed 3-D Secure challenge to requires_payment_method', async () => {
    const waiting = await hold('pm_card_threeDSecure2Required');
    await running.control('POST', `/_emulator/payment_intents/${waiting.id}/authenticate`, { outcome: 'fail' });
    const failed = await stripe.paymentIntents.retrieve(waiting.id);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error?.code).toBe('payment_intent_authentication_failure');
    expectEveryResponseMatchesSpec();
  });

  it('lets Stripe.js finish 3-D Secure with the client secret and a publishable key, answering client-side fields only', async () => {
    const waiting = await hold('pm_card_threeDSecure2Required');
    const asBrowser = { authorization: `Bearer ${TEST_PUBLISHABLE_KEY}` };
    const read = await running.stripeRequest(
      'GET',
      `/v1/payment_intents/${waiting.id}`,
      { client_secret: waiting.client_secret },
      asBrowser,
    );
    expect(read.status).toBe(200);
    const seen = (await read.json()) as Record<string, unknown>;
    expect(seen).toMatchObject({ id: waiting.id, status: 'requires_action', client_secret: waiting.client_secret });
    expect(seen).not.toHaveProperty('metadata');
    // Every field a publishable key sees is shaped as Stripe's spec describes it.
    for (const [field, value] of Object.entries(seen))
      expectMatchesSpec(`#/components/schemas/payment_intent/properties/${field}`, value);

    const wrong = await running.stripeRequest(
      'GET',
      `/v1/payment_intents/${waiting.id}`,
      { client_secret: `${waiting.id}_secret_wrong` },
      asBrowser,
    );
    expect(wrong.status).toBe(400);
    const refused = await wrong.json();
    expectMatchesSpec('error', refused);
    expect(refused.error).toMatchObject({ code: 'payment_intent_invalid_parameter', param: 'client_secret' });

    expect((await handleNextAction(running.url, waiting.client_secret!)).status).toBe('requires_capture');
    const held = await stripe.paymentIntents.retrieve(waiting.id, { expand: ['latest_charge'] });
    expect((held.latest_charge as Stripe.Charge).payment_method_details?.card?.three_d_secure).toMatchObject({
      result: 'authenticated',
    });
    expectEveryResponseMatchesSpec();
  });

  it('declines a card needing authentication off-session with authentication_required', async () => {
    const error = await refusal(() => hold('pm_card_authenticationRequired', { off_session: true }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: 'authentication_required' });
    expect((error.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');
    expectEveryResponseMatchesSpec();
  });

  it('dates a Visa off-session hold 4 days 18 hours ahead and an extended Mastercard hold 30 days ahead, as Stripe does', async () => {
    const customer = await stripe.customers.create({ email: 'renewer@example.com' });
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const merchantInitiated = await hold(visa.id, { customer: customer.id, off_session: true });
    const visaCharge = merchantInitiated.latest_charge as Stripe.Charge;
    expect(visaCharge.payment_method_details?.card).toMatchObject({
      capture_before: visaCharge.created + VISA_MERCHANT_INITIATED_VALIDITY_SECONDS,
      extended_authorization: { status: 'disabled' },
    });

    const extended = await hold('pm_card_mastercard', {
      payment_method_options: { card: { request_extended_authorization: 'if_available' } },
    });
    expect(extended.payment_method_options?.card?.request_extended_authorization).toBe('if_available');
    const mastercardCharge = extended.latest_charge as Stripe.Charge;
    expect(mastercardCharge.payment_method_details?.card).toMatchObject({
      capture_before: mastercardCharge.created + EXTENDED_AUTHORIZATION_VALIDITY_SECONDS,
      extended_authorization: { status: 'enabled' },
    });
    expectEveryResponseMatchesSpec();
  });

  it('saves the card with setup_future_usage, and still declines off-session the card that asks on every payment', async () => {
    const customer = await stripe.customers.create({ email: 'always-asks@example.com' });
    const first = await hold('pm_card_authenticationRequired', {
      customer: customer.id,
      setup_future_usage: 'off_session',
    });
    expect(first).toMatchObject({ status: 'requires_action', setup_future_usage: 'off_session' });
    await running.control('POST', `/_emulator/payment_intents/${first.id}/authenticate`, { outcome: 'succeed' });
    const held = await stripe.paymentIntents.retrieve(first.id);
    const saved = await stripe.paymentMethods.retrieve(held.payment_method as string);
    expect(saved).toMatchObject({ customer: customer.id, card: { last4: '3184' } });
    const error = await refusal(() => hold(saved.id, { customer: customer.id, off_session: true }));
    expect(error).toMatchObject({
      statusCode: 402,
      type: 'StripeCardError',
      code: 'authentication_required',
      decline_code: 'authentication_required',
    });
    expect(error.payment_intent).toMatchObject({ status: 'requires_payment_method' });
    expectEveryResponseMatchesSpec();
  });

  it('answers an unknown payment method with resource_missing', async () => {
    const error = await refusal(() => hold('pm_card_doesNotExist'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'payment_method' });
    expectEveryResponseMatchesSpec();
  });

  it('confirms a PaymentIntent created without confirmation', async () => {
    const created = await stripe.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      metadata: { booking_id: 'bk_confirm_later' },
    });
    expect(created.status).toBe('requires_confirmation');
    const confirmed = await stripe.paymentIntents.confirm(created.id, { expand: ['latest_charge'] });
    expect(confirmed.status).toBe('requires_capture');
    expectEveryResponseMatchesSpec();
  });

  it('cancels a hold, releasing the charge, and refuses to cancel it twice', async () => {
    const held = await hold('pm_card_visa');
    const canceled = await stripe.paymentIntents.cancel(held.id, {
      cancellation_reason: 'requested_by_customer',
      expand: ['latest_charge'],
    });
    expect(canceled).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
      amount_capturable: 0,
    });
    expect(canceled.latest_charge).toMatchObject({ refunded: true, amount_refunded: 100, captured: false });

    const again = await refusal(() => stripe.paymentIntents.cancel(held.id));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expectEveryResponseMatchesSpec();
  });

  it('captures a hold, after which it can no longer be canceled', async () => {
    const held = await hold('pm_card_visa');
    const captured = await stripe.paymentIntents.capture(held.id, { expand: ['latest_charge'] });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 100 });
    expect(captured.latest_charge).toMatchObject({ captured: true, amount_captured: 100 });
    const refused = await refusal(() => stripe.paymentIntents.cancel(held.id));
    expect(refused).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expectEveryResponseMatchesSpec();
  });

  it('expires an uncaptured hold when the clock passes capture_before', async () => {
    const held = await hold('pm_card_visa', { metadata: { booking_id: 'bk_expiry' } });
    const advanced = await running.control('POST', '/_emulator/clock/advance', {
      seconds: CARD_AUTHORIZATION_VALIDITY_SECONDS + 60,
    });
    expect(advanced.expiredPaymentIntents).toContain(held.id);
    const expired = await stripe.paymentIntents.retrieve(held.id, { expand: ['latest_charge'] });
    expect(expired).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
    expect(expired.latest_charge).toMatchObject({ refunded: true, captured: false });

    const events = await stripe.events.list({ limit: 100, created: { gte: advanced.now - 5 } });
    const types = events.data
      .filter((event) => (event.data.object as { id: string }).id !== undefined)
      .map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['charge.expired', 'payment_intent.canceled']));
    expectEveryResponseMatchesSpec();
  });

  it('lists events newest first, filtered by type and created, paged with starting_after', async () => {
    const all = await stripe.events.list({ limit: 100 });
    expect(all.data.length).toBeGreaterThan(10);
    const created = all.data.map((event) => event.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);

    const firstPage = await stripe.events.list({ limit: 3 });
    expect(firstPage.has_more).toBe(true);
    const secondPage = await stripe.events.list({ limit: 3, starting_after: firstPage.data[2].id });
    expect(secondPage.data[0].id).toBe(all.data[3].id);

    const holds = await stripe.events.list({ type: 'payment_intent.amount_capturable_updated', limit: 100 });
    expect(holds.data.length).toBeGreaterThan(0);
    expect(holds.data.every((event) => event.type === 'payment_intent.amount_capturable_updated')).toBe(true);
    const wildcard = await stripe.events.list({ type: 'charge.*', limit: 100 });
    expect(wildcard.data.every((event) => event.type.startsWith('charge.'))).toBe(true);
    const future = await stripe.events.list({ created: { gte: all.data[0].created + 3600 } });
    expect(future.data).toEqual([]);

    const one = await stripe.events.retrieve(all.data[0].id);
    expect(one.id).toBe(all.data[0].id);
    expect(one.api_version).toBe(Stripe.API_VERSION);
    expectEveryResponseMatchesSpec();
  });

  it('answers authentication, rate-limit, server and unknown-path failures with Stripe error objects', async () => {
    const anonymous = await fetch(`${running.url}/v1/payment_intents/pi_x`);
    expect(anonymous.status).toBe(401);
    expectMatchesSpec('error', await anonymous.json());
    expect(anonymous.headers.get('request-id')).toMatch(/^req_/);

    const unknownPath = await fetch(`${running.url}/v1/holds`, { headers: { authorization: 'Bearer sk_test_x' } });
    expect(unknownPath.status).toBe(404);
    expectMatchesSpec('error', await unknownPath.json());

    await running.control('POST', '/_emulator/faults', { api: { status: 429, count: 1 } });
    const limited = await refusal(() => stripe.customers.create({ email: 'a@example.com' }));
    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);

    await running.control('POST', '/_emulator/faults', { api: { status: 503, count: 1 } });
    const unavailable = await refusal(() => stripe.customers.create({ email: 'a@example.com' }));
    expect(unavailable).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(unavailable.statusCode).toBe(503);
    expect(expectEveryResponseMatchesSpec()).toBe(2);
  });

  describe('ACH direct debit', () => {
    const mandateData = {
      customer_acceptance: {
        type: 'online' as const,
        online: { ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0 (contract test)' },
      },
    };

    function bankDebit(paymentMethod: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) {
      return stripe.paymentIntents.create({
        amount: 12_500,
        currency: 'usd',
        payment_method_types: ['us_bank_account'],
        payment_method: paymentMethod,
        confirm: true,
        mandate_data: mandateData,
        metadata: { booking_id: `bk_ach_${paymentMethod}` },
        expand: ['latest_charge'],
        ...extra,
      });
    }

    async function manualBankAccount(accountNumber = '000123456789'): Promise<Stripe.PaymentMethod> {
      return stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: {
          account_number: accountNumber,
          routing_number: '110000000',
          account_holder_type: 'individual',
        },
        billing_details: { name: 'Jenny Rosen', email: 'jenny+test_email@example.com' },
      });
    }

    it('creates, retrieves, attaches and detaches a bank account PaymentMethod without echoing its number', async () => {
      const customer = await stripe.customers.create({ email: 'jenny+test_email@example.com' });
      const created = await manualBankAccount();
      expect(created.us_bank_account).toMatchObject({
        last4: '6789',
        bank_name: 'STRIPE TEST BANK',
        routing_number: '110000000',
        account_type: 'checking',
        financial_connections_account: null,
      });
      expect(JSON.stringify(created)).not.toContain('000123456789');
      expect((await stripe.paymentMethods.retrieve(created.id)).id).toBe(created.id);
      expect((await stripe.paymentMethods.retrieve('pm_usBankAccount_success')).us_bank_account?.last4).toBe('6789');
      expect((await stripe.paymentMethods.attach(created.id, { customer: customer.id })).customer).toBe(customer.id);
      expect((await stripe.paymentMethods.detach(created.id)).customer).toBeNull();

      const nameless = await refusal(() =>
        stripe.paymentMethods.create({
          type: 'us_bank_account',
          us_bank_account: { account_number: '000123456789', routing_number: '110000000' },
        }),
      );
      expect(nameless).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'billing_details[name]' });
      expectEveryResponseMatchesSpec();
    });

    it('asks for microdeposits, answers a mismatch, then verifies and settles with a payment reference', async () => {
      const paymentMethod = await manualBankAccount();
      const waiting = await bankDebit(paymentMethod.id, {
        payment_method_options: { us_bank_account: { verification_method: 'microdeposits' } },
      });
      expect(waiting.status).toBe('requires_action');
      expect(waiting.next_action).toMatchObject({
        type: 'verify_with_microdeposits',
        verify_with_microdeposits: { microdeposit_type: 'descriptor_code' },
      });
      const mismatch = await refusal(() =>
        stripe.paymentIntents.verifyMicrodeposits(waiting.id, { descriptor_code: 'SM00XX' }),
      );
      expect(mismatch).toMatchObject({
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_descriptor_code_mismatch',
      });
      expect(mismatch.message).toContain('9 verification attempts remaining');

      const processing = await stripe.paymentIntents.verifyMicrodeposits(waiting.id, {
        descriptor_code: 'SM11AA',
        expand: ['latest_charge'],
      });
      expect(processing.status).toBe('processing');
      const pending = processing.latest_charge as Stripe.Charge;
      expect(pending).toMatchObject({ status: 'pending', paid: false });
      const mandateId = pending.payment_method_details?.us_bank_account?.mandate as string;
      expect(await stripe.mandates.retrieve(mandateId)).toMatchObject({ status: 'active', type: 'single_use' });

      await running.control('POST', `/_emulator/payment_intents/${waiting.id}/settle`);
      const settled = await stripe.paymentIntents.retrieve(waiting.id, { expand: ['latest_charge'] });
      expect(settled.status).toBe('succeeded');
      expect(
        (settled.latest_charge as Stripe.Charge).payment_method_details?.us_bank_account?.payment_reference,
      ).toMatch(/^\d{15}$/);
      expectEveryResponseMatchesSpec();
    });

    it('debits an instantly verified account at once and reads its Financial Connections balance', async () => {
      const customer = await stripe.customers.create({ email: 'fc+test_email@example.com' });
      const linked = await running.control('POST', '/_emulator/financial_connections/accounts', {
        balance: 54_321,
        customer: customer.id,
      });
      const account = await stripe.financialConnections.accounts.retrieve(linked.accountId);
      expect(account.permissions).toContain('balances');
      // docs.stripe.com/financial-connections/balances: null until a refresh completes, asynchronously.
      expect(account.balance).toBeNull();
      const refreshing = await stripe.financialConnections.accounts.refresh(linked.accountId, {
        features: ['balance'],
      });
      expect(refreshing.balance_refresh).toMatchObject({ status: 'pending', next_refresh_available_at: null });
      await running.control('POST', '/_emulator/clock/advance', { seconds: 31 });
      const refreshed = await stripe.financialConnections.accounts.retrieve(linked.accountId);
      expect(refreshed.balance_refresh?.status).toBe('succeeded');
      expect(refreshed.balance).toMatchObject({
        type: 'cash',
        cash: { available: { usd: 54_321 } },
        current: { usd: 54_321 },
      });
      const paymentMethod = await stripe.paymentMethods.retrieve(linked.paymentMethodId);
      expect(paymentMethod.us_bank_account?.financial_connections_account).toBe(linked.accountId);

      const processing = await bankDebit(linked.paymentMethodId, {
        customer: customer.id,
        setup_future_usage: 'off_session',
        payment_method_options: { us_bank_account: { verification_method: 'instant' } },
      });
      expect(processing.status).toBe('processing');
      const mandate = await stripe.mandates.retrieve(
        (processing.latest_charge as Stripe.Charge).payment_method_details?.us_bank_account?.mandate as string,
      );
      expect(mandate).toMatchObject({ status: 'active', type: 'multi_use', customer_acceptance: { type: 'online' } });
      expectEveryResponseMatchesSpec();
    });

    it('refuses a debit without mandate, in another currency or with a target date out of range', async () => {
      const missingMandate = await refusal(() => bankDebit('pm_usBankAccount_success', { mandate_data: undefined }));
      expect(missingMandate).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
      expect(missingMandate.message).toContain('requires a mandate');
      const euros = await refusal(() => bankDebit('pm_usBankAccount_success', { currency: 'eur' }));
      expect(euros).toMatchObject({ statusCode: 400, param: 'currency' });
      const tooSoon = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const early = await refusal(() =>
        bankDebit('pm_usBankAccount_success', {
          payment_method_options: { us_bank_account: { target_date: tooSoon } },
        }),
      );
      expect(early).toMatchObject({ statusCode: 400, param: 'payment_method_options[us_bank_account][target_date]' });
      expectEveryResponseMatchesSpec();
    });

    it('fails a debit the bank returns, refuses Radar-blocked and over-limit debits and failed microdeposits', async () => {
      const returned = await bankDebit('pm_usBankAccount_insufficientFunds');
      await running.control('POST', `/_emulator/payment_intents/${returned.id}/settle`);
      const failed = await stripe.paymentIntents.retrieve(returned.id, { expand: ['latest_charge'] });
      expect(failed).toMatchObject({
        status: 'requires_payment_method',
        last_payment_error: { code: 'insufficient_funds' },
      });
      expect(failed.latest_charge).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });

      expect(await refusal(() => bankDebit('pm_usBankAccount_riskLevelHighest'))).toMatchObject({ statusCode: 402 });
      expect(await refusal(() => bankDebit('pm_usBankAccount_weeklyLimitExceeded'))).toMatchObject({ statusCode: 400 });
      const unreachable = await manualBankAccount('000666666661');
      expect(await refusal(() => bankDebit(unreachable.id))).toMatchObject({
        code: 'payment_method_microdeposit_failed',
      });
      expectEveryResponseMatchesSpec();
    });

    it('disputes a settled debit a day later and closes the dispute; refunds a debit to its bank reference', async () => {
      const disputed = await bankDebit('pm_usBankAccount_dispute');
      await running.control('POST', `/_emulator/payment_intents/${disputed.id}/settle`);
      await running.control('POST', '/_emulator/clock/advance', { seconds: 86_400 });
      const charge = await stripe.charges.retrieve((disputed.latest_charge as Stripe.Charge).id);
      expect(charge.disputed).toBe(true);
      const [dispute] = [...running.emulator.runtime.store.disputes.values()];
      expect(await stripe.disputes.retrieve(dispute.id)).toMatchObject({ status: 'needs_response', charge: charge.id });
      await running.control('POST', `/_emulator/disputes/${dispute.id}/close`, { status: 'lost' });
      expect((await stripe.disputes.retrieve(dispute.id)).status).toBe('lost');

      const paid = await bankDebit('pm_usBankAccount_success');
      await running.control('POST', `/_emulator/payment_intents/${paid.id}/settle`);
      const partial = await stripe.refunds.create({
        payment_intent: paid.id,
        amount: 2_500,
        reason: 'requested_by_customer',
      });
      expect(partial).toMatchObject({ status: 'pending', destination_details: { type: 'us_bank_transfer' } });
      const tooMuch = await refusal(() => stripe.refunds.create({ payment_intent: paid.id, amount: 20_000 }));
      expect(tooMuch).toMatchObject({ statusCode: 400, code: 'amount_too_large' });
      await running.control('POST', `/_emulator/refunds/${partial.id}/settle`);
      const arrived = await stripe.refunds.retrieve(partial.id);
      expect(arrived).toMatchObject({
        status: 'succeeded',
        destination_details: { us_bank_transfer: { reference_status: 'available' } },
      });

      const card = await hold('pm_card_visa', { capture_method: 'automatic' });
      expect(await stripe.refunds.create({ payment_intent: card.id })).toMatchObject({
        status: 'succeeded',
        amount: 100,
      });
      expectEveryResponseMatchesSpec();
    });
  });

  describe('saved payment methods', () => {
    const mandateData = {
      customer_acceptance: {
        type: 'online' as const,
        online: { ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0 (contract test)' },
      },
    };

    async function manualBankAccount(): Promise<Stripe.PaymentMethod> {
      return stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: {
          account_number: '000123456789',
          routing_number: '110000000',
          account_holder_type: 'individual',
        },
        billing_details: { name: 'Jenny Rosen' },
      });
    }

    it('walks a card SetupIntent through requires_payment_method, requires_confirmation, requires_action, succeeded and canceled', async () => {
      const customer = await stripe.customers.create({ email: 'saver@example.com' });
      const empty = await stripe.setupIntents.create({
        customer: customer.id,
        usage: 'off_session',
        metadata: { customer_id: 'c-1' },
      });
      expect(empty).toMatchObject({
        status: 'requires_payment_method',
        usage: 'off_session',
        payment_method_types: ['card'],
      });
      expect(empty.client_secret).toMatch(/^seti_.+_secret_/);
      const canceled = await stripe.setupIntents.cancel(empty.id, { cancellation_reason: 'abandoned' });
      expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });

      const waiting = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_card_threeDSecure2Required',
      });
      expect(waiting.status).toBe('requires_confirmation');
      const challenged = await stripe.setupIntents.confirm(waiting.id, {
        return_url: 'https://bookings.example/saved',
      });
      expect(challenged).toMatchObject({ status: 'requires_action', next_action: { type: 'redirect_to_url' } });
      await running.control('POST', `/_emulator/setup_intents/${waiting.id}/authenticate`, { outcome: 'succeed' });
      const saved = await stripe.setupIntents.retrieve(waiting.id, { expand: ['payment_method'] });
      expect(saved.status).toBe('succeeded');
      expect((saved.payment_method as Stripe.PaymentMethod).customer).toBe(customer.id);

      const declined = await refusal(() =>
        stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_chargeDeclined', confirm: true }),
      );
      expect(declined).toMatchObject({ statusCode: 402, code: 'card_declined' });
      expect(declined.setup_intent).toMatchObject({
        status: 'requires_payment_method',
        last_setup_error: { code: 'card_declined' },
      });
      const failed3ds = await stripe.setupIntents.create({
        payment_method: 'pm_card_authenticationRequired',
        confirm: true,
      });
      await running.control('POST', `/_emulator/setup_intents/${failed3ds.id}/authenticate`, { outcome: 'fail' });
      expect((await stripe.setupIntents.retrieve(failed3ds.id)).last_setup_error?.code).toBe(
        'setup_intent_authentication_failure',
      );
      const refused = await refusal(() => stripe.setupIntents.cancel(waiting.id));
      expect(refused).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' });
      expectEveryResponseMatchesSpec();
    });

    it('saves a bank account through microdeposits with a multi-use mandate, lists it, and reuses the mandate', async () => {
      const customer = await stripe.customers.create({ email: 'bank-saver@example.com' });
      const paymentMethod = await manualBankAccount();
      const waiting = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method: paymentMethod.id,
        payment_method_types: ['us_bank_account'],
        payment_method_options: { us_bank_account: { verification_method: 'automatic' } },
        mandate_data: mandateData,
        confirm: true,
      });
      expect(waiting).toMatchObject({ status: 'requires_action', next_action: { type: 'verify_with_microdeposits' } });
      const saved = await stripe.setupIntents.verifyMicrodeposits(waiting.id, {
        descriptor_code: 'SM11AA',
        expand: ['mandate'],
      });
      expect(saved.status).toBe('succeeded');
      expect(saved.mandate).toMatchObject({ object: 'mandate', type: 'multi_use', status: 'active' });

      const processing = await stripe.setupIntents.create({
        payment_method: 'pm_usBankAccount_processing',
        payment_method_types: ['us_bank_account'],
        mandate_data: mandateData,
        confirm: true,
      });
      expect(processing.status).toBe('processing');

      const listed = await stripe.customers.listPaymentMethods(customer.id, { type: 'us_bank_account' });
      expect(listed.data.map((method) => method.id)).toEqual([paymentMethod.id]);
      expect((await stripe.customers.retrievePaymentMethod(customer.id, paymentMethod.id)).id).toBe(paymentMethod.id);
      const debit = await stripe.paymentIntents.create({
        amount: 12_500,
        currency: 'usd',
        customer: customer.id,
        payment_method_types: ['us_bank_account'],
        payment_method: paymentMethod.id,
        mandate: (saved.mandate as Stripe.Mandate).id,
        off_session: true,
        confirm: true,
      });
      expect(debit.status).toBe('processing');

      await running.control('POST', `/_emulator/mandates/${(saved.mandate as Stripe.Mandate).id}/revoke`);
      const revoked = await refusal(() =>
        stripe.paymentIntents.create({
          amount: 12_500,
          currency: 'usd',
          customer: customer.id,
          payment_method_types: ['us_bank_account'],
          payment_method: paymentMethod.id,
          confirm: true,
        }),
      );
      expect(revoked).toMatchObject({ statusCode: 400, code: 'payment_intent_mandate_invalid' });
      expect((await stripe.paymentMethods.detach(paymentMethod.id)).customer).toBeNull();
      expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);

      const unreachable = await refusal(() =>
        stripe.setupIntents.create({
          payment_method: 'pm_usBankAccount_failMicrodeposits',
          payment_method_types: ['us_bank_account'],
          mandate_data: mandateData,
          confirm: true,
        }),
      );
      expect(unreachable).toMatchObject({ statusCode: 400 });
      expectEveryResponseMatchesSpec();
    });

    it("answers the gateway's saved-card requests: SetupIntent create, retrieve and cancel, an off-session hold, detach", async () => {
      const gateway = createPaymentGateway(stripe);
      const customer = await stripe.customers.create({ email: 'gateway-card-saver@example.com' });
      const setup = {
        customerId: 'cust-gw-card',
        stripeCustomerId: customer.id,
        type: 'card' as const,
        verification: 'automatic' as const,
      };
      const created = await gateway.createSetupIntent({
        ...setup,
        setupId: 'setup-gw-card',
        idempotencyKey: setupIntentKey('setup-gw-card'),
      });
      expect(created).toMatchObject({
        usage: 'off_session',
        payment_method_types: ['card'],
        metadata: { setup_id: 'setup-gw-card' },
      });
      expect(toSetupIntentSnapshot(created)).toMatchObject({
        status: 'requires_payment_method',
        paymentMethodId: null,
        mandateId: null,
      });

      // The customer confirms in the browser and passes 3-D Secure; the card is then saved for off-session use.
      const challenged = await stripe.setupIntents.confirm(created.id, {
        payment_method: 'pm_card_authenticationRequiredOnSetup',
        return_url: 'https://bookings.example/saved',
      });
      expect(challenged.status).toBe('requires_action');
      await running.control('POST', `/_emulator/setup_intents/${created.id}/authenticate`, { outcome: 'succeed' });
      const saved = toSetupIntentSnapshot(await gateway.retrieveSetupIntent(created.id));
      expect(saved).toMatchObject({
        status: 'succeeded',
        paymentMethodId: expect.stringMatching(/^pm_/),
        mandateId: null,
        lastErrorCode: null,
      });
      const card = await gateway.retrievePaymentMethod(saved.paymentMethodId ?? '');
      expect(card).toMatchObject({
        type: 'card',
        customer: customer.id,
        card: { brand: 'visa', last4: '3155', exp_month: expect.any(Number) },
      });

      const hold = await gateway.createHoldPaymentIntent({
        bookingId: 'bk-gw-saved-card',
        attempt: 1,
        paymentMethod: card.id,
        stripeCustomerId: customer.id,
        idempotencyKey: holdKey('bk-gw-saved-card', 1),
      });
      const held = await gateway.confirmHoldPaymentIntent({
        paymentIntentId: hold.id,
        paymentMethod: card.id,
        offSession: true,
        idempotencyKey: confirmHoldKey('bk-gw-saved-card', 1),
      });
      expect(held).toMatchObject({
        status: 'requires_capture',
        next_action: null,
        latest_charge: { object: 'charge', captured: false },
      });

      const unsaved = await gateway.createHoldPaymentIntent({
        bookingId: 'bk-gw-unsaved-card',
        attempt: 1,
        paymentMethod: 'pm_card_authenticationRequired',
        stripeCustomerId: customer.id,
        idempotencyKey: holdKey('bk-gw-unsaved-card', 1),
      });
      const needsCustomer = await refusal(() =>
        gateway.confirmHoldPaymentIntent({
          paymentIntentId: unsaved.id,
          paymentMethod: 'pm_card_authenticationRequired',
          offSession: true,
          idempotencyKey: confirmHoldKey('bk-gw-unsaved-card', 1),
        }),
      );
      expect(needsCustomer).toMatchObject({ statusCode: 402, code: 'authentication_required' });

      const abandoned = await gateway.createSetupIntent({
        ...setup,
        setupId: 'setup-gw-abandoned',
        idempotencyKey: setupIntentKey('setup-gw-abandoned'),
      });
      const canceled = await gateway.cancelSetupIntent({
        setupIntentId: abandoned.id,
        idempotencyKey: cancelSetupKey('setup-gw-abandoned', abandoned.id),
      });
      expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
      const tooLate = await refusal(() =>
        gateway.cancelSetupIntent({
          setupIntentId: created.id,
          idempotencyKey: cancelSetupKey('setup-gw-card', created.id),
        }),
      );
      expect(tooLate).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' });

      expect((await gateway.detachPaymentMethod(card.id)).customer).toBeNull();
      expectEveryResponseMatchesSpec();
    });

    it("answers the gateway's saved-bank-account requests: microdeposits, the mandate, off-session debits under it, detach", async () => {
      const gateway = createPaymentGateway(stripe);
      const customer = await stripe.customers.create({ email: 'gateway-bank-saver@example.com' });
      const created = await gateway.createSetupIntent({
        setupId: 'setup-gw-bank',
        customerId: 'cust-gw-bank',
        stripeCustomerId: customer.id,
        type: 'us_bank_account',
        verification: 'microdeposits',
        idempotencyKey: setupIntentKey('setup-gw-bank'),
      });
      expect(created.payment_method_options?.us_bank_account?.verification_method).toBe('microdeposits');

      // The customer types the account in and accepts the mandate in the browser.
      const paymentMethod = await manualBankAccount();
      await stripe.setupIntents.confirm(created.id, { payment_method: paymentMethod.id, mandate_data: mandateData });
      const waiting = toSetupIntentSnapshot(await gateway.retrieveSetupIntent(created.id));
      expect(waiting).toMatchObject({
        status: 'requires_action',
        paymentMethodId: paymentMethod.id,
        microdeposits: {
          type: 'descriptor_code',
          arrivalDate: expect.any(String),
          hostedVerificationUrl: expect.stringContaining(created.id),
        },
      });
      const mismatch = await refusal(() =>
        gateway.verifySetupMicrodeposits({
          setupIntentId: created.id,
          descriptorCode: 'SM00XX',
          idempotencyKey: verifySetupMicrodepositsKey('setup-gw-bank', created.id, 1),
        }),
      );
      expect(mismatch).toMatchObject({
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_descriptor_code_mismatch',
      });
      const verified = toSetupIntentSnapshot(
        await gateway.verifySetupMicrodeposits({
          setupIntentId: created.id,
          descriptorCode: 'SM11AA',
          idempotencyKey: verifySetupMicrodepositsKey('setup-gw-bank', created.id, 2),
        }),
      );
      expect(verified).toMatchObject({
        status: 'succeeded',
        paymentMethodId: paymentMethod.id,
        mandateId: expect.stringMatching(/^mandate_/),
        microdeposits: null,
      });
      const mandateId = verified.mandateId ?? '';
      expect(await gateway.retrieveMandate(mandateId)).toMatchObject({
        status: 'active',
        type: 'multi_use',
        payment_method: paymentMethod.id,
      });
      expect(await gateway.retrievePaymentMethod(paymentMethod.id)).toMatchObject({
        type: 'us_bank_account',
        customer: customer.id,
        us_bank_account: { bank_name: 'STRIPE TEST BANK', last4: '6789' },
      });

      const debit = (attempt: number) =>
        gateway.createBankPaymentIntent({
          bookingId: 'bk-gw-saved-bank',
          attempt,
          amount: 12_500,
          stripeCustomerId: customer.id,
          paymentMethod: paymentMethod.id,
          verification: 'automatic',
          targetDate: null,
          idempotencyKey: bankPaymentKey('bk-gw-saved-bank', attempt),
        });
      const underSavedMandate = async (paymentIntentId: string, attempt: number) =>
        gateway.confirmBankPaymentIntent({
          paymentIntentId,
          paymentMethod: paymentMethod.id,
          mandate: { mandateId },
          idempotencyKey: confirmBankPaymentKey('bk-gw-saved-bank', attempt),
        });
      const processing = await underSavedMandate((await debit(1)).id, 1);
      expect(processing.status).toBe('processing');
      expect((processing.latest_charge as Stripe.Charge).payment_method_details?.us_bank_account?.mandate).toBe(
        mandateId,
      );

      await running.control('POST', `/_emulator/mandates/${mandateId}/revoke`);
      expect((await gateway.retrieveMandate(mandateId)).status).toBe('inactive');
      const secondAttempt = await debit(2);
      const revoked = await refusal(() => underSavedMandate(secondAttempt.id, 2));
      expect(revoked).toMatchObject({ statusCode: 400, code: 'payment_intent_mandate_invalid', param: 'mandate' });

      expect((await gateway.detachPaymentMethod(paymentMethod.id)).customer).toBeNull();
      expectEveryResponseMatchesSpec();
    });
  });

  it('delivers every event as a signed webhook whose payload matches the spec', async () => {
    await running.emulator.webhooks.whenIdle();
    const events = await stripe.events.list({ limit: 100 });
    expect(receiver.received.length).toBeGreaterThanOrEqual(events.data.length);
    for (const delivery of receiver.received) {
      const event = stripe.webhooks.constructEvent(delivery.rawBody, delivery.signature ?? '', WEBHOOK_SECRET);
      const payload = JSON.parse(delivery.rawBody) as { data: { object: { object: string } } };
      expectMatchesSpec('event', payload);
      expectMatchesSpec(schemaFor(200, payload.data.object), payload.data.object);
      expect(event.livemode).toBe(false);
    }
    const deliveredTypes = new Set(
      receiver.received.map((delivery) => (JSON.parse(delivery.rawBody) as Stripe.Event).type),
    );
    for (const type of EVENT_TYPES) {
      expect(deliveredTypes, type).toContain(type);
    }
  });
});
