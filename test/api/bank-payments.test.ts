/**
 * HTTP contract of bank payments (ACH direct debit): the `payment` of a new booking, the bank
 * account turned into a Stripe PaymentMethod before the workflow starts, the payment in the
 * booking view, microdeposit verification and a new bank account after a failed payment.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentMethodCreator } from '../../api/booking/bank-payment-method.js';
import type { App } from '../../api/create-app.js';
import type { LogFields } from '../../telemetry/logger.js';
import { createStripeEmulator, type StripeEmulator } from '../../emulator/create-emulator.js';
import { createStripeClient } from '../../stripe/create-stripe-client.js';
import { MICRODEPOSIT_ATTEMPTS, bookingWorkflowId, type BookingInput } from '../../workflows/booking/contract.js';
import { authJson, bookingBody, startApiHarness, type ApiHarness } from './fixtures/api-harness.js';
import {
  AMOUNTS_BANK_PAYMENT_METHOD,
  EXPIRED_MICRODEPOSITS_PAYMENT_METHOD,
  FAILED_BANK_PAYMENT_METHOD,
  STUB_ARRIVAL_DATE,
  STUB_VERIFICATION_URL,
  VERIFYING_AMOUNTS,
  VERIFYING_DESCRIPTOR_CODE,
} from './fixtures/booking-workflow-stub.js';
import { REFUSED_ROUTING_NUMBER } from './fixtures/recording-payment-method-creator.js';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness({
    env: {
      PAYMENT_PROCESSING_ALERT_SECONDS: '3600',
      PAYMENT_DISPUTE_WINDOW_SECONDS: '86400',
      PAYMENT_REFUND_PERCENT: '50',
    },
  });
});

afterAll(async () => {
  await harness?.teardown();
});

let counter = 0;
const newBookingId = () => `bank-${Date.now().toString(36)}-${(counter += 1)}`;

const ACCOUNT_NUMBER = '000123456789';
const ROUTING_NUMBER = '110000000';

/** `YYYY-MM-DD`, `days` after today (UTC). */
function utcDateInDays(days: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days))
    .toISOString()
    .slice(0, 10);
}

const mandate = () => ({
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (test)',
  acceptedAt: '2024-01-15T10:00:00Z',
});

/** A valid bank payment; overrides win (an `undefined` override removes the field). */
function bankPayment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const payment: Record<string, unknown> = {
    amount: 125_00,
    method: 'us_bank_account',
    paymentMethod: 'pm_usBankAccount_success',
    mandate: mandate(),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(payment).filter(([, value]) => value !== undefined));
}

const bankAccount = (overrides: Record<string, unknown> = {}) => ({
  accountNumber: ACCOUNT_NUMBER,
  routingNumber: ROUTING_NUMBER,
  accountHolderName: 'Ada Lovelace',
  ...overrides,
});

async function post(path: string, body: unknown, app: App = harness.app) {
  const response = await app.request(path, { method: 'POST', headers: authJson(), body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function get(path: string) {
  const response = await harness.app.request(path, { headers: authJson() });
  return { status: response.status, body: await response.json() };
}

async function createBankBooking(bookingId: string, payment: Record<string, unknown> = {}) {
  const created = await post('/v1/bookings', bookingBody(bookingId, { payment: bankPayment(payment) }));
  expect(created.status).toBe(201);
  return created;
}

/** The workflow's start input and memo as Temporal stores them, as text. */
async function startedWith(bookingId: string): Promise<{ input: BookingInput; recorded: string }> {
  const history = await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const text = (data: Uint8Array | null | undefined) => Buffer.from(data ?? new Uint8Array()).toString('utf8');
  const input = text(started?.input?.payloads?.[0]?.data);
  const memo = Object.values(started?.memo?.fields ?? {}).map((payload) => text(payload.data));
  return { input: JSON.parse(input) as BookingInput, recorded: [input, ...memo].join('\n') };
}

async function workflowExists(bookingId: string): Promise<boolean> {
  return (await get(`/v1/bookings/${bookingId}`)).status !== 404;
}

describe('POST /v1/bookings with a bank payment', () => {
  it('answers 201 with the payment pending and hands the workflow the payment and the payment policy', async () => {
    const bookingId = newBookingId();
    const { body } = await createBankBooking(bookingId);

    expect(body.payment).toEqual({
      status: 'pending',
      amount: 125_00,
      currency: 'usd',
      paymentIntentId: null,
      attempt: 1,
      microdeposits: null,
      failureCode: null,
      paymentReference: null,
      processingSince: null,
      succeededAt: null,
      dispute: null,
      refund: null,
      cancellation: null,
      reason: null,
      savedMandateId: null,
      targetDate: null,
      targetDateMovedFrom: null,
      balanceCheck: null,
    });
    const { input } = await startedWith(bookingId);
    expect(input.payment).toEqual({
      amount: 125_00,
      paymentMethod: 'pm_usBankAccount_success',
      mandate: mandate(),
      verification: 'automatic',
      targetDate: null,
      checkBalance: false,
    });
    expect(input.paymentPolicy).toEqual({
      processingAlertSeconds: 3600,
      disputeWindowSeconds: 86400,
      refundPercent: 50,
      balanceRefreshTimeoutSeconds: 600,
    });
  });

  it('passes verification, target date and balance check through to the workflow', async () => {
    const bookingId = newBookingId();
    const targetDate = utcDateInDays(5);
    await createBankBooking(bookingId, { verification: 'instant', targetDate, checkBalance: true, currency: 'usd' });

    const { input } = await startedWith(bookingId);
    expect(input.payment).toMatchObject({ verification: 'instant', targetDate, checkBalance: true });
  });

  it('gives a hold-only booking no payment and no payment policy', async () => {
    const bookingId = newBookingId();
    const created = await post('/v1/bookings', bookingBody(bookingId));
    expect(created.body.payment).toBeNull();
    const { input } = await startedWith(bookingId);
    expect(input).not.toHaveProperty('payment');
    expect(input).not.toHaveProperty('paymentPolicy');
  });

  it('accepts target dates 3 and 15 days ahead and refuses 2 and 16 days ahead or a day that does not exist', async () => {
    for (const days of [3, 15]) {
      const { status } = await post(
        '/v1/bookings',
        bookingBody(newBookingId(), { payment: bankPayment({ targetDate: utcDateInDays(days) }) }),
      );
      expect(status, `${days} days ahead`).toBe(201);
    }
    for (const targetDate of [utcDateInDays(2), utcDateInDays(16), utcDateInDays(-1), '2031-02-30', '20310210']) {
      const bookingId = newBookingId();
      const { status, body } = await post(
        '/v1/bookings',
        bookingBody(bookingId, { payment: bankPayment({ targetDate }) }),
      );
      expect(status, targetDate).toBe(422);
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toContain('payment.targetDate');
      expect(await workflowExists(bookingId)).toBe(false);
    }
  });

  it('accepts the currency in any letter case, as ISO codes are written', async () => {
    const { status, body } = await post(
      '/v1/bookings',
      bookingBody(newBookingId(), { payment: bankPayment({ currency: 'USD' }) }),
    );
    expect(status).toBe(201);
    expect(body.payment.currency).toBe('usd');
  });

  it('refuses a currency other than usd, naming currency', async () => {
    for (const currency of ['eur', 'USD ', 42]) {
      const { status, body } = await post(
        '/v1/bookings',
        bookingBody(newBookingId(), { payment: bankPayment({ currency }) }),
      );
      expect(status).toBe(422);
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toContain('payment.currency');
    }
  });

  it('refuses both or neither of paymentMethod and bankAccount, and creates nothing', async () => {
    const callsBefore = harness.paymentMethodCalls.length;
    const both = bankPayment({ bankAccount: bankAccount() });
    const neither = bankPayment({ paymentMethod: undefined });
    for (const payment of [both, neither]) {
      const bookingId = newBookingId();
      const { status, body } = await post('/v1/bookings', bookingBody(bookingId, { payment }));
      expect(status).toBe(422);
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toContain('exactly one of paymentMethod or bankAccount');
      expect(await workflowExists(bookingId)).toBe(false);
    }
    expect(harness.paymentMethodCalls).toHaveLength(callsBefore);
  });

  it('refuses a payment without a mandate, or with a mandate accepted in the future or from no IP address', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [bankPayment({ mandate: undefined }), 'payment.mandate'],
      [
        bankPayment({ mandate: { ...mandate(), acceptedAt: new Date(Date.now() + 86_400_000).toISOString() } }),
        'payment.mandate.acceptedAt',
      ],
      [bankPayment({ mandate: { ...mandate(), ipAddress: 'localhost' } }), 'payment.mandate.ipAddress'],
      [bankPayment({ mandate: { ...mandate(), userAgent: '' } }), 'payment.mandate.userAgent'],
      [bankPayment({ mandate: { ...mandate(), userAgent: 'x'.repeat(501) } }), 'payment.mandate.userAgent'],
    ];
    for (const [payment, field] of cases) {
      const { status, body } = await post('/v1/bookings', bookingBody(newBookingId(), { payment }));
      expect(status, field).toBe(422);
      expect(body.error.message).toContain(field);
    }
  });

  it('refuses amounts that are not whole positive cents up to the maximum', async () => {
    for (const amount of [0, -500, 12.5, 100_000_000, '12500']) {
      const { status, body } = await post(
        '/v1/bookings',
        bookingBody(newBookingId(), { payment: bankPayment({ amount }) }),
      );
      expect(status, String(amount)).toBe(422);
      expect(body.error.message).toContain('payment.amount');
    }
    const largest = await post(
      '/v1/bookings',
      bookingBody(newBookingId(), { payment: bankPayment({ amount: 99_999_999 }) }),
    );
    expect(largest.status).toBe(201);
  });

  it('refuses an unknown method or verification', async () => {
    const card = await post('/v1/bookings', bookingBody(newBookingId(), { payment: bankPayment({ method: 'card' }) }));
    expect(card.body.error.message).toContain('payment.method');
    const verification = await post(
      '/v1/bookings',
      bookingBody(newBookingId(), { payment: bankPayment({ verification: 'manual' }) }),
    );
    expect(verification.body.error.message).toContain('payment.verification');
  });

  it('answers a repeated request with 200 even when it now spells out the defaults, and a changed amount with 409', async () => {
    const bookingId = newBookingId();
    await createBankBooking(bookingId);

    const spelledOut = bankPayment({ currency: 'usd', verification: 'automatic', checkBalance: false });
    const repeated = await post('/v1/bookings', bookingBody(bookingId, { payment: spelledOut }));
    expect(repeated.status).toBe(200);
    expect(repeated.body.payment).toMatchObject({ status: 'processing', paymentIntentId: 'pi_stub_payment_1' });

    const changed = await post('/v1/bookings', bookingBody(bookingId, { payment: bankPayment({ amount: 99_00 }) }));
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('booking_conflict');

    const addedPayment = await post('/v1/bookings', bookingBody(newBookingId()));
    expect(addedPayment.status).toBe(201);
  });
});

describe('POST /v1/bookings with bank account details', () => {
  it('creates the PaymentMethod on Stripe first and hands the workflow only its id, never the numbers', async () => {
    const bookingId = newBookingId();
    const callsBefore = harness.paymentMethodCalls.length;
    await createBankBooking(bookingId, {
      paymentMethod: undefined,
      bankAccount: bankAccount({ accountHolderType: 'company' }),
    });

    const calls = harness.paymentMethodCalls.slice(callsBefore);
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toEqual({
      type: 'us_bank_account',
      us_bank_account: {
        account_number: ACCOUNT_NUMBER,
        routing_number: ROUTING_NUMBER,
        account_holder_type: 'company',
      },
      billing_details: { name: 'Ada Lovelace', email: 'ada@example.com' },
    });
    expect(calls[0].idempotencyKey).toContain(bookingId);

    const { input, recorded } = await startedWith(bookingId);
    expect(input.payment?.paymentMethod).toBe(calls[0].id);
    expect(recorded).not.toContain(ACCOUNT_NUMBER);
    expect(recorded).not.toContain(ROUTING_NUMBER);
  });

  it('leaves the account holder type to Stripe when none is given', async () => {
    const callsBefore = harness.paymentMethodCalls.length;
    await createBankBooking(newBookingId(), { paymentMethod: undefined, bankAccount: bankAccount() });
    expect(harness.paymentMethodCalls[callsBefore].params.us_bank_account).toEqual({
      account_number: ACCOUNT_NUMBER,
      routing_number: ROUTING_NUMBER,
    });
  });

  it('answers the same request again with 200 and another account with 409, creating no second PaymentMethod', async () => {
    const bookingId = newBookingId();
    const payment = { paymentMethod: undefined, bankAccount: bankAccount() };
    await createBankBooking(bookingId, payment);
    const callsAfterCreate = harness.paymentMethodCalls.length;

    const repeated = await post('/v1/bookings', bookingBody(bookingId, { payment: bankPayment(payment) }));
    expect(repeated.status).toBe(200);
    expect(repeated.body.bookingId).toBe(bookingId);

    const otherAccount = { paymentMethod: undefined, bankAccount: bankAccount({ accountNumber: '000111111116' }) };
    const conflict = await post('/v1/bookings', bookingBody(bookingId, { payment: bankPayment(otherAccount) }));
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('booking_conflict');

    expect(harness.paymentMethodCalls).toHaveLength(callsAfterCreate);
  });

  it("answers 422 invalid_bank_account with Stripe's message when Stripe refuses the account, and starts nothing", async () => {
    const bookingId = newBookingId();
    const payment = bankPayment({
      paymentMethod: undefined,
      bankAccount: bankAccount({ routingNumber: REFUSED_ROUTING_NUMBER }),
    });
    const { status, body } = await post('/v1/bookings', bookingBody(bookingId, { payment }));

    expect(status).toBe(422);
    expect(body.error).toMatchObject({ code: 'invalid_bank_account', message: 'Routing number provided is invalid.' });
    expect(await workflowExists(bookingId)).toBe(false);
  });

  it('refuses account and routing numbers of the wrong shape without echoing them', async () => {
    const payment = bankPayment({
      paymentMethod: undefined,
      bankAccount: bankAccount({ accountNumber: '12-34-5678901', routingNumber: '11000000' }),
    });
    const { status, body } = await post('/v1/bookings', bookingBody(newBookingId(), { payment }));
    expect(status).toBe(422);
    expect(body.error.message).toContain('payment.bankAccount.accountNumber');
    expect(body.error.message).toContain('payment.bankAccount.routingNumber');
    expect(body.error.message).not.toContain('12-34-5678901');
    expect(body.error.message).not.toContain('11000000');
  });

  it('answers 503 stripe_unavailable when Stripe cannot be reached, logging no account number', async () => {
    const logged: Array<{ message: string; fields?: LogFields }> = [];
    const record = (message: string, fields?: LogFields) => logged.push({ message, fields });
    const unreachable: PaymentMethodCreator = {
      paymentMethods: {
        create: () =>
          Promise.reject(
            new Stripe.errors.StripeConnectionError({ type: 'api_error', message: 'connect ECONNREFUSED' }),
          ),
      },
    };
    const app = harness.appWith({ stripe: unreachable, logger: { info: record, warn: record, error: record } });
    const bookingId = newBookingId();
    const payment = bankPayment({ paymentMethod: undefined, bankAccount: bankAccount() });

    const { status, body } = await post('/v1/bookings', bookingBody(bookingId, { payment }), app);

    expect(status).toBe(503);
    expect(body.error.code).toBe('stripe_unavailable');
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged)).not.toContain(ACCOUNT_NUMBER);
    expect(await workflowExists(bookingId)).toBe(false);
  });

  it('refuses bank account details with 422 invalid_request when the app has no Stripe client', async () => {
    const app = harness.appWith({ stripe: undefined });
    const payment = bankPayment({ paymentMethod: undefined, bankAccount: bankAccount() });
    const { status, body } = await post('/v1/bookings', bookingBody(newBookingId(), { payment }), app);
    expect(status).toBe(422);
    expect(body.error.code).toBe('invalid_request');
  });
});

describe('POST /v1/bookings with bank account details, on the Stripe emulator', () => {
  let emulator: StripeEmulator;
  let listener: { url: string; close(): Promise<void> };
  let stripe: Stripe;
  let app: App;

  beforeAll(async () => {
    emulator = createStripeEmulator({ webhookSecret: 'whsec_api_bank_tests' });
    listener = await emulator.listen(0);
    stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_api_bank_tests', STRIPE_API_URL: listener.url });
    app = harness.appWith({ stripe });
  });

  afterAll(async () => {
    await emulator?.close();
    await listener?.close();
  });

  it('creates a us_bank_account PaymentMethod with the holder and email, and the workflow gets its id', async () => {
    const bookingId = newBookingId();
    const payment = bankPayment({
      paymentMethod: undefined,
      bankAccount: bankAccount({ accountHolderType: 'individual' }),
    });

    const created = await post('/v1/bookings', bookingBody(bookingId, { payment }), app);
    expect(created.status).toBe(201);

    const { input, recorded } = await startedWith(bookingId);
    const paymentMethodId = input.payment?.paymentMethod ?? '';
    expect(paymentMethodId).toMatch(/^pm_/);
    const paymentMethod = await stripe.paymentMethods.retrieve(paymentMethodId);
    expect(paymentMethod.type).toBe('us_bank_account');
    expect(paymentMethod.us_bank_account).toMatchObject({
      last4: '6789',
      routing_number: ROUTING_NUMBER,
      account_holder_type: 'individual',
    });
    expect(paymentMethod.billing_details).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(recorded).not.toContain(ACCOUNT_NUMBER);

    const repeated = await post('/v1/bookings', bookingBody(bookingId, { payment }), app);
    expect(repeated.status).toBe(200);
  });
});

describe('GET /v1/bookings/:bookingId with a bank payment', () => {
  it('shows the payment as the workflow reports it, without its internals', async () => {
    const bookingId = newBookingId();
    await createBankBooking(bookingId);

    const { status, body } = await get(`/v1/bookings/${bookingId}`);

    expect(status).toBe(200);
    expect(body.payment).toMatchObject({
      status: 'processing',
      amount: 125_00,
      currency: 'usd',
      paymentIntentId: 'pi_stub_payment_1',
      attempt: 1,
      microdeposits: null,
    });
    expect(body.payment.processingSince).toEqual(expect.any(String));
    for (const internal of ['paymentMethod', 'deadline', 'done']) expect(body.payment).not.toHaveProperty(internal);
  });

  it('shows the microdeposits awaiting verification', async () => {
    const bookingId = newBookingId();
    await createBankBooking(bookingId, { verification: 'microdeposits' });

    const { body } = await get(`/v1/bookings/${bookingId}`);

    expect(body.payment.status).toBe('awaiting_verification');
    expect(body.payment.microdeposits).toEqual({
      type: 'descriptor_code',
      arrivalDate: STUB_ARRIVAL_DATE,
      hostedVerificationUrl: STUB_VERIFICATION_URL,
      attemptsRemaining: MICRODEPOSIT_ATTEMPTS.descriptor_code,
      expiresAt: expect.any(String),
    });
  });

  it('shows a failed payment with its failure code and reason', async () => {
    const bookingId = newBookingId();
    await createBankBooking(bookingId, { paymentMethod: FAILED_BANK_PAYMENT_METHOD });

    const { body } = await get(`/v1/bookings/${bookingId}`);

    expect(body.payment).toMatchObject({
      status: 'requires_payment_method',
      failureCode: 'insufficient_funds',
      reason: 'the debit was returned',
    });
  });
});

describe('POST /v1/bookings/:bookingId/microdeposits', () => {
  const verify = (bookingId: string, body: unknown) => post(`/v1/bookings/${bookingId}/microdeposits`, body);

  async function awaitingVerification(paymentMethod = 'pm_usBankAccount_microdeposits') {
    const bookingId = newBookingId();
    await createBankBooking(bookingId, { verification: 'microdeposits', paymentMethod });
    return bookingId;
  }

  it('answers verified for the right descriptor code, with the booking now processing', async () => {
    const bookingId = await awaitingVerification();

    const { status, body } = await verify(bookingId, { descriptorCode: VERIFYING_DESCRIPTOR_CODE });

    expect(status).toBe(200);
    expect(body.result).toBe('verified');
    expect(body.attemptsRemaining).toBe(MICRODEPOSIT_ATTEMPTS.descriptor_code - 1);
    expect(body.booking.bookingId).toBe(bookingId);
    expect(body.booking.payment).toMatchObject({ status: 'processing', microdeposits: null });
  });

  it('accepts a descriptor code typed in lower case or with spaces around it', async () => {
    const bookingId = await awaitingVerification();
    const { body } = await verify(bookingId, { descriptorCode: ` ${VERIFYING_DESCRIPTOR_CODE.toLowerCase()} ` });
    expect(body.result).toBe('verified');
  });

  it('counts mismatches down, answers attempts_exceeded at the last one, then refuses with 409', async () => {
    const bookingId = await awaitingVerification();
    const allowed = MICRODEPOSIT_ATTEMPTS.descriptor_code;

    for (let remaining = allowed - 1; remaining >= 1; remaining -= 1) {
      const { status, body } = await verify(bookingId, { descriptorCode: 'SM99ZZ' });
      expect(status).toBe(200);
      expect(body).toMatchObject({ result: 'mismatch', attemptsRemaining: remaining });
      expect(body.booking.payment.microdeposits.attemptsRemaining).toBe(remaining);
    }
    const last = await verify(bookingId, { descriptorCode: 'SM99ZZ' });
    expect(last.body).toMatchObject({ result: 'attempts_exceeded', attemptsRemaining: 0 });
    expect(last.body.booking.payment).toMatchObject({
      status: 'requires_payment_method',
      failureCode: 'payment_method_microdeposit_verification_attempts_exceeded',
    });

    const after = await verify(bookingId, { descriptorCode: VERIFYING_DESCRIPTOR_CODE });
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('not_awaiting_verification');
  });

  it('verifies an account sent two amounts, counting a wrong pair down from 3', async () => {
    const bookingId = await awaitingVerification(AMOUNTS_BANK_PAYMENT_METHOD);

    const wrong = await verify(bookingId, { amounts: [10, 11] });
    expect(wrong.body).toMatchObject({ result: 'mismatch', attemptsRemaining: MICRODEPOSIT_ATTEMPTS.amounts - 1 });

    const right = await verify(bookingId, { amounts: VERIFYING_AMOUNTS });
    expect(right.body.result).toBe('verified');
  });

  it('answers 422 invalid_request when the workflow expects the other kind of microdeposit', async () => {
    const bookingId = await awaitingVerification(AMOUNTS_BANK_PAYMENT_METHOD);
    const { status, body } = await verify(bookingId, { descriptorCode: VERIFYING_DESCRIPTOR_CODE });
    expect(status).toBe(422);
    expect(body.error.code).toBe('invalid_request');
  });

  it('answers expired once the microdeposits have expired, and the payment asks for a new bank account', async () => {
    const bookingId = await awaitingVerification(EXPIRED_MICRODEPOSITS_PAYMENT_METHOD);
    const { status, body } = await verify(bookingId, { descriptorCode: VERIFYING_DESCRIPTOR_CODE });
    expect(status).toBe(200);
    expect(body).toMatchObject({ result: 'expired', attemptsRemaining: 0 });
    expect(body.booking.payment.status).toBe('requires_payment_method');
  });

  it('answers 409 not_awaiting_verification for a payment not awaiting microdeposits, or a hold-only booking', async () => {
    const processing = newBookingId();
    await createBankBooking(processing);
    const holdOnly = newBookingId();
    await post('/v1/bookings', bookingBody(holdOnly));

    for (const bookingId of [processing, holdOnly]) {
      const { status, body } = await verify(bookingId, { descriptorCode: VERIFYING_DESCRIPTOR_CODE });
      expect(status).toBe(409);
      expect(body.error.code).toBe('not_awaiting_verification');
    }
  });

  it('answers 409 not_awaiting_verification for a booking whose workflow has finished', async () => {
    const bookingId = newBookingId();
    const endsAt = new Date(Date.now() - 86_400_000).toISOString();
    const startsAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const created = await post(
      '/v1/bookings',
      bookingBody(bookingId, { startsAt, endsAt, payment: bankPayment({ verification: 'microdeposits' }) }),
    );
    expect(created.status).toBe(201);
    await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).result();

    const { status, body } = await verify(bookingId, { descriptorCode: VERIFYING_DESCRIPTOR_CODE });

    expect(status).toBe(409);
    expect(body.error.code).toBe('not_awaiting_verification');
  });

  it('answers 404 booking_not_found for an unknown booking', async () => {
    const { status, body } = await verify('never-booked', { descriptorCode: VERIFYING_DESCRIPTOR_CODE });
    expect(status).toBe(404);
    expect(body.error.code).toBe('booking_not_found');
  });

  it('answers 422 validation_failed for both, neither or malformed values, without calling the workflow', async () => {
    const bookingId = await awaitingVerification();
    const bodies = [
      {},
      { descriptorCode: VERIFYING_DESCRIPTOR_CODE, amounts: VERIFYING_AMOUNTS },
      { descriptorCode: 'XX11AA' },
      { descriptorCode: 'SM11AAA' },
      { amounts: [0, 45] },
      { amounts: [32, 100] },
      { amounts: [32] },
      { amounts: [32, 45, 1] },
      { amounts: [3.2, 45] },
      { descriptorCode: VERIFYING_DESCRIPTOR_CODE, extra: true },
    ];
    for (const body of bodies) {
      const answer = await verify(bookingId, body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.error.code).toBe('validation_failed');
    }
    const state = await harness.bookingState(bookingId);
    expect(state.payment?.microdeposits?.attemptsRemaining).toBe(MICRODEPOSIT_ATTEMPTS.descriptor_code);
  });
});

describe('POST /v1/bookings/:bookingId/payment-method for the payment', () => {
  it("hands a failed payment its new bank account with for: 'payment', leaving the hold alone", async () => {
    const bookingId = newBookingId();
    await createBankBooking(bookingId, { paymentMethod: FAILED_BANK_PAYMENT_METHOD });

    const { status, body } = await post(`/v1/bookings/${bookingId}/payment-method`, {
      paymentMethod: 'pm_usBankAccount_new',
      for: 'payment',
      mandate: mandate(),
    });

    expect(status).toBe(200);
    expect(body.payment).toMatchObject({
      status: 'processing',
      attempt: 2,
      paymentIntentId: 'pi_stub_payment_2',
      failureCode: null,
    });
    expect(body.hold).toMatchObject({ status: 'held', attempt: 1 });
    const state = await harness.bookingState(bookingId);
    expect(state.payment?.paymentMethod).toBe('pm_usBankAccount_new');
  });

  it("answers 422 mandate_required for a new bank account without the customer's acceptance of its own", async () => {
    const bookingId = newBookingId();
    await createBankBooking(bookingId, { paymentMethod: FAILED_BANK_PAYMENT_METHOD });

    const { status, body } = await post(`/v1/bookings/${bookingId}/payment-method`, {
      paymentMethod: 'pm_usBankAccount_new',
      for: 'payment',
    });

    expect(status).toBe(422);
    expect(body.error.code).toBe('mandate_required');
    expect((await harness.bookingState(bookingId)).payment).toMatchObject({
      status: 'requires_payment_method',
      attempt: 1,
    });
    const { body: openapi } = await get('/openapi.json');
    expect(openapi.paths['/v1/bookings/{bookingId}/payment-method'].post.responses['422'].description).toContain(
      'a new bank account without its own acceptance of the mandate (`mandate_required`)',
    );
    expect(JSON.stringify(openapi.components.schemas.BankPaymentMethod.properties.mandate)).toContain(
      'an acceptance given for another account is never reused',
    );
  });

  it("answers 409 not_awaiting_payment_method when the payment is not waiting for one, and the hold's default still applies", async () => {
    const bookingId = newBookingId();
    await createBankBooking(bookingId, { paymentMethod: FAILED_BANK_PAYMENT_METHOD });

    // Without `for`, the request is about the hold, which is held.
    const forHold = await post(`/v1/bookings/${bookingId}/payment-method`, { paymentMethod: 'pm_usBankAccount_new' });
    expect(forHold.status).toBe(409);
    expect(forHold.body.error.code).toBe('not_awaiting_payment_method');

    const processing = newBookingId();
    await createBankBooking(processing);
    const forPayment = await post(`/v1/bookings/${processing}/payment-method`, {
      paymentMethod: 'pm_usBankAccount_new',
      for: 'payment',
    });
    expect(forPayment.status).toBe(409);
    expect(forPayment.body.error.code).toBe('not_awaiting_payment_method');
  });

  it("answers 422 validation_failed for a 'for' other than hold or payment", async () => {
    const { status, body } = await post(`/v1/bookings/${newBookingId()}/payment-method`, {
      paymentMethod: 'pm_usBankAccount_new',
      for: 'refund',
    });
    expect(status).toBe(422);
    expect(body.error.message).toContain('for');
  });
});

describe('OpenAPI for bank payments', () => {
  it('documents the payment body, the payment view and the microdeposit route with its answers', async () => {
    const { body } = await get('/openapi.json');
    const schemas = body.components.schemas;
    expect(schemas.CreateBookingRequest.properties.payment).toEqual({ $ref: '#/components/schemas/BankPayment' });
    // Exactly one of paymentMethod or bankAccount; a mandate always with bankAccount, and optional with a
    // paymentMethod since a saved bank account brings its own (required otherwise, see above).
    expect(schemas.BankPayment.oneOf).toEqual([
      { $ref: '#/components/schemas/BankPaymentByPaymentMethod' },
      { $ref: '#/components/schemas/BankPaymentByBankAccount' },
    ]);
    expect(schemas.BankPaymentByPaymentMethod).toMatchObject({
      required: ['amount', 'method', 'paymentMethod'],
      additionalProperties: false,
    });
    expect(schemas.BankPaymentByBankAccount).toMatchObject({
      required: ['amount', 'method', 'bankAccount', 'mandate'],
      additionalProperties: false,
    });
    expect(schemas.BankPayment.description).toContain('`mandate` is required with `bankAccount`');
    expect(schemas.Booking.properties.payment).toBeDefined();
    // `mandate` only with `for: payment`.
    expect(schemas.SupplyPaymentMethodRequest.oneOf).toEqual([
      { $ref: '#/components/schemas/HoldPaymentMethod' },
      { $ref: '#/components/schemas/BankPaymentMethod' },
    ]);
    expect(schemas.HoldPaymentMethod.properties.for.enum).toEqual(['hold']);
    expect(schemas.HoldPaymentMethod.properties.mandate).toBeUndefined();
    expect(schemas.BankPaymentMethod).toMatchObject({
      required: ['paymentMethod', 'for'],
      properties: { for: { enum: ['payment'] } },
    });
    // Exactly one of descriptorCode or amounts.
    expect(schemas.VerifyMicrodepositsRequest.oneOf).toEqual([
      { $ref: '#/components/schemas/MicrodepositDescriptorCode' },
      { $ref: '#/components/schemas/MicrodepositAmounts' },
    ]);

    const microdeposits = body.paths['/v1/bookings/{bookingId}/microdeposits'].post;
    expect(microdeposits.security).toEqual([{ bearerAuth: [] }]);
    expect(microdeposits.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/VerifyMicrodepositsRequest',
    });
    expect(microdeposits.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/MicrodepositOutcome',
    });
    expect(Object.keys(microdeposits.responses)).toEqual(expect.arrayContaining(['200', '404', '409', '422']));
    expect(body.paths['/v1/bookings'].post.responses['422'].description).toContain('invalid_bank_account');
    // Whether the balance could be read, and a target date moved because it was no longer 3 days ahead.
    const bankPaymentState = schemas.BankPaymentState.properties;
    expect(bankPaymentState.balanceCheck.properties.status.enum).toEqual([
      'refreshing',
      'sufficient',
      'insufficient',
      'unavailable',
    ]);
    expect(bankPaymentState.balanceCheck.description).toContain('could not be read');
    expect(bankPaymentState.targetDateMovedFrom.description).toContain('payment.target_date_moved');
  });
});
