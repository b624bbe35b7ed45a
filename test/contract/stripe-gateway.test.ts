import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bankPaymentKey,
  cancelSetupKey,
  confirmBankPaymentKey,
  confirmHoldKey,
  customerKey,
  holdKey,
  placeBankPaymentKey,
  placeHoldKey,
  refundKey,
  balanceRefreshKey,
  releaseKey,
  setupIntentKey,
  verifyMicrodepositsKey,
  verifySetupMicrodepositsKey,
} from '../../activities/common/idempotency-keys.js';
import { toSetupIntentSnapshot } from '../../activities/setup/setup-intent-snapshot.js';
import { createBankPaymentMethod } from '../../api/booking/bank-payment-method.js';
import { createStripeClient } from '../../stripe/create-stripe-client.js';
import { createPaymentGateway, type PaymentGateway } from '../../stripe/payment-gateway.js';
import { startStripeMock, type StripeMock } from '../../harness/stripe-mock.js';

let stripeMock: StripeMock;
let gateway: PaymentGateway;

beforeAll(async () => {
  stripeMock = await startStripeMock();
  gateway = createPaymentGateway(
    createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_contract', STRIPE_API_URL: stripeMock.url }),
  );
});

afterAll(async () => {
  await stripeMock?.stop();
});

/** The SetupIntent fields the setup activities read are in the answer (stripe-mock's fixture leaves most null). */
function expectSetupIntentWeCanRead(setupIntent: Stripe.SetupIntent): void {
  expect(setupIntent.object).toBe('setup_intent');
  for (const field of ['customer', 'payment_method', 'mandate', 'last_setup_error', 'next_action'] as const) {
    expect(setupIntent, field).toHaveProperty(field);
  }
  expect(toSetupIntentSnapshot(setupIntent)).toMatchObject({
    setupIntentId: setupIntent.id,
    status: setupIntent.status,
  });
}

describe('every Stripe request the gateway sends is one Stripe accepts (stripe-mock, strict version)', () => {
  it('creates a customer', async () => {
    const customer = await gateway.createCustomer({
      customerId: 'cust-1',
      email: 'guest@example.com',
      name: 'Test Guest',
      idempotencyKey: customerKey('cust-1', { email: 'guest@example.com', name: 'Test Guest' }),
    });
    expect(customer.object).toBe('customer');
  });

  it('retrieves a customer', async () => {
    const customer = await gateway.retrieveCustomer('cus_123');
    expect(customer.object).toBe('customer');
  });

  it('creates the $1 manual-capture hold unconfirmed', async () => {
    const paymentIntent = await gateway.createHoldPaymentIntent({
      bookingId: 'b-1',
      attempt: 1,
      paymentMethod: 'pm_card_visa',
      stripeCustomerId: 'cus_123',
      idempotencyKey: holdKey('b-1', 1),
    });
    expect(paymentIntent.object).toBe('payment_intent');
  });

  it('creates a renewal of the hold that saves the card and asks for an extended authorization', async () => {
    const paymentIntent = await gateway.createHoldPaymentIntent({
      bookingId: 'b-1',
      attempt: 1,
      paymentMethod: 'pm_card_visa',
      stripeCustomerId: 'cus_123',
      renewal: 2,
      setupFutureUsage: true,
      extendedAuthorization: true,
      idempotencyKey: holdKey('b-1', 1, 2),
    });
    expect(paymentIntent.object).toBe('payment_intent');
  });

  it('places the hold in one request: created and confirmed, off-session for a saved card', async () => {
    for (const offSession of [false, true]) {
      const paymentIntent = await gateway.placeHoldPaymentIntent({
        bookingId: 'b-1',
        attempt: 1,
        paymentMethod: 'pm_card_visa',
        stripeCustomerId: 'cus_123',
        offSession,
        ...(!offSession && { setupFutureUsage: true }),
        extendedAuthorization: true,
        idempotencyKey: placeHoldKey('b-1', 1),
      });
      expect(paymentIntent.object).toBe('payment_intent');
    }
  });

  it('confirms the hold with its payment method', async () => {
    const paymentIntent = await gateway.confirmHoldPaymentIntent({
      paymentIntentId: 'pi_123',
      paymentMethod: 'pm_card_visa',
      idempotencyKey: confirmHoldKey('b-1', 1),
    });
    expect(paymentIntent.object).toBe('payment_intent');
  });

  it('confirms the hold of a saved card off-session', async () => {
    const paymentIntent = await gateway.confirmHoldPaymentIntent({
      paymentIntentId: 'pi_123',
      paymentMethod: 'pm_123',
      offSession: true,
      idempotencyKey: confirmHoldKey('b-2', 1),
    });
    expect(paymentIntent.object).toBe('payment_intent');
    expect(paymentIntent.status).toEqual(expect.any(String));
  });

  it('retrieves a PaymentIntent with its latest charge', async () => {
    const paymentIntent = await gateway.retrievePaymentIntent('pi_123');
    expect(paymentIntent.object).toBe('payment_intent');
  });

  it('cancels a PaymentIntent with a cancellation reason', async () => {
    for (const reason of ['requested_by_customer', 'abandoned'] as const) {
      const paymentIntent = await gateway.cancelPaymentIntent({
        paymentIntentId: 'pi_123',
        reason,
        idempotencyKey: releaseKey('b-1', `pi_123-${reason}`),
      });
      expect(paymentIntent.object).toBe('payment_intent');
    }
  });

  it('creates an unconfirmed ACH debit with its verification method and target date', async () => {
    const paymentIntent = await gateway.createBankPaymentIntent({
      bookingId: 'b-1',
      attempt: 1,
      amount: 12_500,
      stripeCustomerId: 'cus_123',
      paymentMethod: 'pm_123',
      verification: 'microdeposits',
      targetDate: '2026-12-01',
      idempotencyKey: bankPaymentKey('b-1', 1),
    });
    expect(paymentIntent.object).toBe('payment_intent');
  });

  it('confirms the ACH debit under an online mandate', async () => {
    const paymentIntent = await gateway.confirmBankPaymentIntent({
      paymentIntentId: 'pi_123',
      paymentMethod: 'pm_123',
      mandate: { ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0', acceptedAt: '2026-11-22T10:00:00Z' },
      idempotencyKey: confirmBankPaymentKey('b-1', 1),
    });
    expect(paymentIntent.object).toBe('payment_intent');
  });

  it("confirms the ACH debit off-session under a saved account's mandate", async () => {
    const paymentIntent = await gateway.confirmBankPaymentIntent({
      paymentIntentId: 'pi_123',
      paymentMethod: 'pm_123',
      mandate: { mandateId: 'mandate_123' },
      idempotencyKey: confirmBankPaymentKey('b-2', 1),
    });
    expect(paymentIntent.object).toBe('payment_intent');
    expect(paymentIntent.status).toEqual(expect.any(String));
  });

  it('places the ACH debit in one request, under an online mandate or a saved one', async () => {
    const mandates = [
      { ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0', acceptedAt: '2026-11-22T10:00:00Z' },
      { mandateId: 'mandate_123' },
    ];
    for (const [i, mandate] of mandates.entries()) {
      const paymentIntent = await gateway.placeBankPaymentIntent({
        bookingId: 'b-1',
        attempt: i + 1,
        amount: 12_500,
        stripeCustomerId: 'cus_123',
        paymentMethod: 'pm_123',
        verification: 'automatic',
        targetDate: '2026-12-01',
        mandate,
        idempotencyKey: placeBankPaymentKey('b-1', i + 1),
      });
      expect(paymentIntent.object).toBe('payment_intent');
    }
  });

  it('verifies microdeposits by descriptor code and by amounts', async () => {
    const byCode = await gateway.verifyMicrodeposits({
      paymentIntentId: 'pi_123',
      descriptorCode: 'SM11AA',
      idempotencyKey: verifyMicrodepositsKey('b-1', 'pi_123', 1, 1),
    });
    const byAmounts = await gateway.verifyMicrodeposits({
      paymentIntentId: 'pi_123',
      amounts: [32, 45],
      idempotencyKey: verifyMicrodepositsKey('b-1', 'pi_123', 1, 2),
    });
    expect([byCode.object, byAmounts.object]).toEqual(['payment_intent', 'payment_intent']);
  });

  it('reads a payment method and its Financial Connections account', async () => {
    expect((await gateway.retrievePaymentMethod('pm_123')).object).toBe('payment_method');
    expect((await gateway.retrieveFinancialConnectionsAccount('fca_123')).object).toBe('financial_connections.account');
  });

  it('asks for a Financial Connections balance refresh as Stripe accepts it', async () => {
    const refreshed = await gateway.refreshFinancialConnectionsBalance({
      accountId: 'fca_123',
      idempotencyKey: balanceRefreshKey('b-1', 1),
    });
    expect(refreshed.object).toBe('financial_connections.account');
  });

  it('refunds a payment and reads the refund', async () => {
    const refund = await gateway.createRefund({
      paymentIntentId: 'pi_123',
      amount: 5_000,
      idempotencyKey: refundKey('b-1', 'pi_123'),
    });
    expect(refund.object).toBe('refund');
    expect((await gateway.retrieveRefund('re_123')).object).toBe('refund');
  });

  it('creates an off-session SetupIntent for a card and for a bank account with its verification method', async () => {
    const card = await gateway.createSetupIntent({
      setupId: 'setup-1',
      customerId: 'cust-1',
      stripeCustomerId: 'cus_123',
      type: 'card',
      verification: 'automatic',
      idempotencyKey: setupIntentKey('setup-1'),
    });
    expectSetupIntentWeCanRead(card);
    const bank = await gateway.createSetupIntent({
      setupId: 'setup-2',
      customerId: 'cust-1',
      stripeCustomerId: 'cus_123',
      type: 'us_bank_account',
      verification: 'microdeposits',
      idempotencyKey: setupIntentKey('setup-2'),
    });
    expectSetupIntentWeCanRead(bank);
  });

  it('retrieves a SetupIntent', async () => {
    expectSetupIntentWeCanRead(await gateway.retrieveSetupIntent('seti_123'));
  });

  it("verifies a SetupIntent's microdeposits by descriptor code and by amounts", async () => {
    const byCode = await gateway.verifySetupMicrodeposits({
      setupIntentId: 'seti_123',
      descriptorCode: 'SM11AA',
      idempotencyKey: verifySetupMicrodepositsKey('setup-2', 'seti_123', 1),
    });
    expectSetupIntentWeCanRead(byCode);
    const byAmounts = await gateway.verifySetupMicrodeposits({
      setupIntentId: 'seti_123',
      amounts: [32, 45],
      idempotencyKey: verifySetupMicrodepositsKey('setup-2', 'seti_123', 2),
    });
    expectSetupIntentWeCanRead(byAmounts);
  });

  it('cancels an abandoned SetupIntent', async () => {
    const setupIntent = await gateway.cancelSetupIntent({
      setupIntentId: 'seti_123',
      idempotencyKey: cancelSetupKey('setup-1', 'seti_123'),
    });
    expectSetupIntentWeCanRead(setupIntent);
  });

  it('reads what a saved payment method records: card details and the mandate status', async () => {
    const paymentMethod = await gateway.retrievePaymentMethod('pm_123');
    expect(paymentMethod).toMatchObject({ object: 'payment_method', type: expect.any(String) });
    expect(paymentMethod.card).toMatchObject({
      brand: expect.any(String),
      last4: expect.any(String),
      exp_month: expect.any(Number),
      exp_year: expect.any(Number),
    });
    const mandate = await gateway.retrieveMandate('mandate_123');
    expect(mandate).toMatchObject({ object: 'mandate', id: expect.any(String) });
    expect(['active', 'inactive', 'pending']).toContain(mandate.status);
  });

  it('detaches a saved payment method from its customer', async () => {
    const paymentMethod = await gateway.detachPaymentMethod('pm_123');
    expect(paymentMethod.object).toBe('payment_method');
    expect(paymentMethod).toHaveProperty('customer');
  });

  it('lists the events created since a time, page by page, as the reconciliation reads them', async () => {
    const events: Stripe.Event[] = [];
    for await (const event of gateway.listEvents({
      createdSince: 1_700_000_000,
      pageSize: 100,
      startingAfter: 'evt_123',
    })) {
      events.push(event);
      if (events.length >= 3) break;
    }
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({
      object: 'event',
      id: expect.any(String),
      type: expect.any(String),
      created: expect.any(Number),
    });
  });

  it('lists what a workflow reads to learn whether a write it lost happened: PaymentIntents, refunds, SetupIntents, customers', async () => {
    const first = async <T>(items: AsyncIterable<T>): Promise<T> => {
      for await (const item of items) return item;
      throw new Error('empty list');
    };
    expect(await first(gateway.listPaymentIntents({ stripeCustomerId: 'cus_123' }))).toMatchObject({
      object: 'payment_intent',
    });
    expect(await first(gateway.listRefunds({ paymentIntentId: 'pi_123' }))).toMatchObject({ object: 'refund' });
    expect(await first(gateway.listSetupIntents({ stripeCustomerId: 'cus_123' }))).toMatchObject({
      object: 'setup_intent',
    });
    expect(await first(gateway.listCustomers({ email: 'guest@example.com' }))).toMatchObject({ object: 'customer' });
  });

  it("creates the bank account PaymentMethod the API makes from a booking's account details", async () => {
    const stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_contract', STRIPE_API_URL: stripeMock.url });
    const id = await createBankPaymentMethod(stripe, {
      bookingId: 'b-1',
      requestFingerprint: 'f'.repeat(64),
      bankAccount: {
        accountNumber: '000123456789',
        routingNumber: '110000000',
        accountHolderName: 'Test Guest',
        accountHolderType: 'individual',
      },
      customer: { id: 'cust-1', email: 'guest@example.com', name: 'Test Guest' },
    });
    expect(id).toMatch(/^pm_/);
  });

  it('is a real check: stripe-mock refuses a parameter Stripe does not know', async () => {
    const stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_contract', STRIPE_API_URL: stripeMock.url });
    const refused = await stripe.paymentIntents
      .create({ amount: 100, currency: 'usd', not_a_stripe_param: true } as never)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });
});
